# Reference values for trajectory.estimators.nonparametric (KM, Nelson-Aalen, CIF).
# Tool: R + survival (versions in every CSV header). Run from the repository root:
#   .venv/bin/python tests/reference/nonparametric_ties_data.py   # writes data/np_ties.csv
#   Rscript tests/reference/nonparametric.R
# Writes tests/reference/nonparametric_{km,quantiles,rmean,cif}.csv (the datasets are those of
# survival; data.R copies them). Spec names are read by tests/estimators/test_nonparametric.py.
suppressPackageStartupMessages(library(survival))
out <- "tests/reference"
ver <- sprintf("# tool: R %s, survival %s", getRversion(), packageVersion("survival"))
options(digits = 17)

write_ref <- function(df, file, call_note) {
  con <- file(file.path(out, file), "w")
  writeLines(c(ver, paste("#", call_note)), con)
  write.csv(df, con, row.names = FALSE)
  close(con)
}

lung <- survival::lung
lung$dead <- as.integer(lung$status == 2)
ties <- read.csv(file.path(out, "data", "np_ties.csv"), comment.char = "#")
mgus2 <- survival::mgus2
mgus2$etime <- with(mgus2, ifelse(pstat == 0, futime, ptime))
mgus2$event <- with(mgus2, factor(ifelse(pstat == 0, 2 * death, 1), 0:2,
                                  labels = c("censor", "pcm", "death")))

groups_of <- function(fit) {
  if (is.null(fit$strata)) rep("all", length(fit$time))
  else rep(sub(".*=", "", names(fit$strata)), fit$strata)
}

# ---- Kaplan-Meier + Nelson-Aalen ------------------------------------------------
toy_mid <- data.frame(time = c(1, 2, 3, 4), status = c(1, 1, 1, 1))
toy_last <- data.frame(time = 1:6, status = c(1, 1, 1, 0, 0, 0))
km_specs <- list(
  toy_mid = function(ct) survfit(Surv(time, status) ~ 1, data = toy_mid, conf.type = ct),
  toy_last = function(ct) survfit(Surv(time, status) ~ 1, data = toy_last, conf.type = ct),
  lung_all = function(ct) survfit(Surv(time, dead) ~ 1, data = lung, conf.type = ct),
  lung_sex = function(ct) survfit(Surv(time, dead) ~ sex, data = lung, conf.type = ct),
  ties_all = function(ct) survfit(Surv(time, status) ~ 1, data = ties, conf.type = ct),
  ties_entry_group = function(ct) survfit(Surv(entry, time, status) ~ group, data = ties,
                                          conf.type = ct),
  ties_wi = function(ct) survfit(Surv(time, status) ~ group, data = ties, weights = wi,
                                 conf.type = ct),
  ties_wf_entry = function(ct) survfit(Surv(entry, time, status) ~ 1, data = ties,
                                       weights = wf, conf.type = ct)
)
km_rows <- list(); q_rows <- list(); rm_rows <- list()
probs <- c(0.1, 0.25, 0.5, 0.75, 0.9)
for (spec in names(km_specs)) {
  for (ct in c("log", "log-log", "plain")) {
    fit <- km_specs[[spec]](ct)
    fh <- update(fit, stype = 2, ctype = 1)   # exp(-cumhaz) with limits: NA limits
    se_surv <- if (isTRUE(fit$logse)) fit$std.err * fit$surv else fit$std.err
    km_rows[[length(km_rows) + 1]] <- data.frame(
      spec = spec, conf_type = ct, group = groups_of(fit), time = fit$time,
      n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
      estimate = fit$surv, std_err = se_surv, lower = fit$lower, upper = fit$upper,
      cumhaz = fit$cumhaz, std_chaz = fit$std.chaz,
      chaz_lower = -log(fh$upper), chaz_upper = -log(fh$lower))
    qq <- quantile(fit, probs = probs)
    g <- if (is.null(fit$strata)) "all" else sub(".*=", "", names(fit$strata))
    for (i in seq_along(g)) {
      pick <- function(m) if (is.matrix(m)) m[i, ] else m
      q_rows[[length(q_rows) + 1]] <- data.frame(
        spec = spec, conf_type = ct, group = g[i], q = probs,
        estimate = pick(qq$quantile), lower = pick(qq$lower), upper = pick(qq$upper))
    }
  }
  for (h in c(200, 500, 5.5, 9)) {
    if ((startsWith(spec, "lung") && h < 100) || (!startsWith(spec, "lung") && h > 100)) next
    tab <- summary(km_specs[[spec]]("log"), rmean = h)$table
    if (!is.matrix(tab)) tab <- t(as.matrix(tab))
    g <- if (nrow(tab) == 1) "all" else sub(".*=", "", rownames(tab))
    rm_rows[[length(rm_rows) + 1]] <- data.frame(
      spec = spec, group = g, horizon = h, rmean = tab[, "rmean"],
      se = tab[, "se(rmean)"], median = tab[, "median"])
  }
}
write_ref(do.call(rbind, km_rows), "nonparametric_km.csv",
          "survfit(Surv([entry,] time, status) ~ group, weights=, conf.type=); chaz limits = -log(limits of update(fit, stype=2, ctype=1))")
write_ref(do.call(rbind, q_rows), "nonparametric_quantiles.csv",
          "quantile(survfit(...), probs = c(0.1, 0.25, 0.5, 0.75, 0.9))")
write_ref(do.call(rbind, rm_rows), "nonparametric_rmean.csv",
          "summary(survfit(..., conf.type='log'), rmean = horizon)$table[, c('rmean','se(rmean)','median')]")

# ---- competing risks: Aalen-Johansen ----------------------------------------------
ties$fout <- factor(ties$outcome, levels = c("censored", "court", "dismissal"))
cif_specs <- list(
  mgus2_all = function(ct) survfit(Surv(etime, event) ~ 1, data = mgus2, conf.type = ct),
  mgus2_sex = function(ct) survfit(Surv(etime, event) ~ sex, data = mgus2, conf.type = ct),
  ties_all = function(ct) survfit(Surv(time, fout) ~ 1, data = ties, conf.type = ct),
  ties_group = function(ct) survfit(Surv(time, fout) ~ group, data = ties, conf.type = ct),
  ties_entry = function(ct) survfit(Surv(entry, time, fout) ~ 1, data = ties, id = id,
                                    conf.type = ct),
  ties_wf = function(ct) survfit(Surv(time, fout) ~ group, data = ties, weights = wf,
                                 conf.type = ct),
  ties_entry_wi = function(ct) survfit(Surv(entry, time, fout) ~ group, data = ties,
                                       id = id, weights = wi, conf.type = ct)
)
cif_rows <- list()
for (spec in names(cif_specs)) {
  for (ct in c("log", "log-log", "plain")) {
    fit <- cif_specs[[spec]](ct)
    states <- fit$states
    for (j in seq_along(states)[-1]) {   # skip the initial state (s0)
      cif_rows[[length(cif_rows) + 1]] <- data.frame(
        spec = spec, conf_type = ct, group = groups_of(fit), state = states[j],
        time = fit$time, n_risk = fit$n.risk[, 1], n_event = fit$n.event[, j],
        n_censor = fit$n.censor, estimate = fit$pstate[, j], std_err = fit$std.err[, j],
        lower = fit$lower[, j], upper = fit$upper[, j])
    }
  }
}
write_ref(do.call(rbind, cif_rows), "nonparametric_cif.csv",
          "survfit(Surv([entry,] time, factor(outcome)) ~ group, [id=id,] weights=, conf.type=): pstate, std.err (infinitesimal jackknife), lower, upper")
