# Reference values for trajectory.estimators.state_occupation (multi-state Aalen-Johansen).
# Tool: R + survival (version in the CSV header). Run from the repository root:
#   Rscript tests/reference/nonparametric_msm.R
# Writes tests/reference/nonparametric_msm.csv and data/np_msm_mgus2.csv (the transitions).
suppressPackageStartupMessages(library(survival))
out <- "tests/reference"
ver <- sprintf("# tool: R %s, survival %s", getRversion(), packageVersion("survival"))
write_ref <- function(df, file, call_note) {
  con <- file(file.path(out, file), "w")
  writeLines(c(ver, paste("#", call_note)), con)
  write.csv(df, con, row.names = FALSE)
  close(con)
}

# mgus2 as an illness-death model on the age scale (months): delayed entry at the age
# at diagnosis (left truncation); states mgus -> pcm -> death, mgus -> death.
m <- survival::mgus2
a0 <- m$age * 12
first_end <- ifelse(m$pstat == 1, m$ptime, m$futime)
row1 <- data.frame(case_id = m$id, from_state = "mgus",
                   to_state = ifelse(m$pstat == 1, "pcm", ifelse(m$death == 1, "death", NA)),
                   entry = a0, exit = a0 + first_end,
                   status = as.integer(m$pstat == 1 | m$death == 1), sex = m$sex)
more <- m$pstat == 1 & m$futime > m$ptime
row2 <- data.frame(case_id = m$id[more], from_state = "pcm",
                   to_state = ifelse(m$death[more] == 1, "death", NA),
                   entry = a0[more] + m$ptime[more], exit = a0[more] + m$futime[more],
                   status = m$death[more], sex = m$sex[more])
tr <- rbind(row1, row2)
tr <- tr[order(tr$case_id, tr$entry), ]
tr$w <- ifelse(tr$sex == "M", 1.5, 1)
con <- file(file.path(out, "data", "np_msm_mgus2.csv"), "w")
writeLines(c(ver, "# survival::mgus2 as illness-death transitions on the age scale (months); see nonparametric_msm.R"), con)
write.csv(tr, con, row.names = FALSE)
close(con)

# the 4-case example of the state_occupation docstring
toy <- data.frame(case_id = c(1, 1, 2, 3, 3, 4),
                  from_state = c("open", "summons", "open", "open", "summons", "open"),
                  to_state = c("summons", "judgment", "dismissal", "summons", NA, NA),
                  entry = c(0, 2, 0, 0, 3, 0), exit = c(2, 5, 4, 3, 6, 6),
                  status = c(1, 1, 1, 1, 0, 0))

fitms <- function(d, by = NULL, weights = NULL, ct = "log") {
  lev <- sort(unique(c(d$from_state, d$to_state[d$status == 1])))
  d$event <- factor(ifelse(d$status == 1, d$to_state, "censor"), levels = c("censor", lev))
  d$istate <- factor(d$from_state, levels = lev)
  f <- if (is.null(by)) Surv(entry, exit, event) ~ 1 else Surv(entry, exit, event) ~ sex
  if (is.null(weights)) survfit(f, data = d, id = case_id, istate = istate, conf.type = ct)
  else survfit(f, data = d, id = case_id, istate = istate, weights = w, conf.type = ct)
}
rows <- list()
specs <- list(toy = list(toy, NULL, NULL), mgus2_age = list(tr, NULL, NULL),
              mgus2_age_sex_w = list(tr, "sex", "w"))
for (spec in names(specs)) {
  s <- specs[[spec]]
  for (ct in c("log", "log-log", "plain")) {
    fit <- fitms(s[[1]], s[[2]], s[[3]], ct)
    g <- if (is.null(fit$strata)) rep("all", length(fit$time))
         else rep(sub(".*=", "", names(fit$strata)), fit$strata)
    for (j in seq_along(fit$states)) {
      rows[[length(rows) + 1]] <- data.frame(
        spec = spec, conf_type = ct, group = g, state = fit$states[j], time = fit$time,
        n_risk = fit$n.risk[, j], n_event = fit$n.event[, j], n_censor = fit$n.censor,
        estimate = fit$pstate[, j], std_err = fit$std.err[, j],
        lower = fit$lower[, j], upper = fit$upper[, j])
    }
  }
}
write_ref(do.call(rbind, rows), "nonparametric_msm.csv",
          "survfit(Surv(entry, exit, event) ~ [sex], data, id=case_id, istate=from_state, [weights=w], conf.type=): pstate, std.err, lower, upper")
