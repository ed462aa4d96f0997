# Reference values for trajectory.estimators.finegray and .poisson when a level has no
# event of the modelled outcome (monotone likelihood), on a 16-case hand-built dataset
# (written to tests/reference/data/monotone_competing.csv, which the tests read).
# Group c has no "court" outcome (only dismissals, a competing end, and censorings).
# Fine-Gray: finegray + coxph (R warns "Loglik converged before variable ...; coefficient
# may be infinite" for the warned variables, recorded in may_be_infinite) and cmprsk::crr.
# Poisson: coxph(ties = "breslow") (what cuts at every event time equal) and a Poisson
# glm with cuts at 0, 5, 12 and a log person-time offset (glm gives no warning; the level
# without events gets a large negative estimate with a huge standard error).
# Tool: R + survival + cmprsk (versions written into the CSV header comment).
# Run from the repository root:  Rscript tests/reference/regression_monotone_fg_poisson.R
# Writes tests/reference/regression_monotone_fg_poisson.csv and data/monotone_competing.csv.
suppressPackageStartupMessages({library(survival); library(cmprsk)})
out <- "tests/reference"
ver <- sprintf("# tool: R %s, survival %s, cmprsk %s", getRversion(), packageVersion("survival"),
               packageVersion("cmprsk"))
d <- data.frame(
  time    = c(2, 3, 5, 6, 8, 11, 3, 4, 7, 9, 9, 4, 6, 10, 12, 5),
  outcome = c("court", "dismissal", "censored", "court", "court", "censored",
              "court", "court", "censored", "dismissal", "court",
              "dismissal", "censored", "dismissal", "censored", "dismissal"),
  group   = c(rep("a", 6), rep("b", 5), rep("c", 5)),
  z       = c(0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0)
)
con <- file(file.path(out, "data", "monotone_competing.csv"), "w")
writeLines(c(ver, "# hand-built: 16 cases, group c without a court outcome"), con)
write.csv(d, con, row.names = FALSE)
close(con)
d$id <- seq_len(nrow(d))
d$status <- match(d$outcome, c("censored", "court", "dismissal")) - 1  # 0, 1, 2
d$ev <- factor(d$status, 0:2, c("censor", "court", "dismissal"))
warned_fit <- function(expr) {
  warned <- integer(0)
  fit <- withCallingHandlers(expr, warning = function(w) {
    msg <- conditionMessage(w)
    if (grepl("coefficient may be infinite", msg)) {
      k <- sub(".*variable +([0-9, ]+) +;.*", "\\1", msg)
      warned <<- as.integer(strsplit(gsub(" ", "", k), ",")[[1]])
    }
    invokeRestart("muffleWarning")
  })
  list(fit = fit, warned = warned)
}
rows <- list()
add <- function(model, ref, term, coef, se, warned) {
  rows[[length(rows) + 1]] <<- data.frame(
    model = model, reference = ref, term = term, coef = unname(coef), se = unname(se),
    may_be_infinite = seq_along(term) %in% warned)
}
# person-time table for the glm: cuts 0, 5, 12; an event counts in (lo, hi]
cuts <- c(0, 5, 12)
pt <- do.call(rbind, lapply(1:2, function(k) data.frame(
  d, k = k, pt = pmax(0, pmin(d$time, cuts[k + 1]) - cuts[k]),
  y = as.integer(d$status == 1 & d$time > cuts[k] & d$time <= cuts[k + 1]))))
pt <- pt[pt$pt > 0, ]
for (ref in c("a", "c")) {  # c, the level without a court outcome, as a term and as reference
  d$g <- relevel(factor(d$group), ref = ref)
  pt$g <- relevel(factor(pt$group), ref = ref)
  fg <- finegray(Surv(time, ev) ~ ., data = d, etype = "court")
  for (ties in c("efron", "breslow")) {
    w <- warned_fit(coxph(Surv(fgstart, fgstop, fgstatus) ~ g + z + cluster(id),
                          weights = fgwt, data = fg, ties = ties))
    term <- sub("^g", "", names(coef(w$fit)))
    add(paste0("finegray_coxph_", ties), ref, term, coef(w$fit), sqrt(diag(w$fit$var)), w$warned)
  }
  X <- model.matrix(~ g + z, d)[, -1]
  crr1 <- crr(d$time, d$status, cov1 = X, failcode = 1, cencode = 0)
  add("crr", ref, sub("^g", "", colnames(X)), crr1$coef, sqrt(diag(crr1$var)), integer(0))
  w <- warned_fit(coxph(Surv(time, status == 1) ~ g + z, data = d, ties = "breslow"))
  add("coxph_breslow", ref, sub("^g", "", names(coef(w$fit))), coef(w$fit),
      sqrt(diag(w$fit$var)), w$warned)
  gl <- glm(y ~ 0 + factor(k) + g + z + offset(log(pt)), family = poisson, data = pt,
            control = glm.control(epsilon = 1e-14, maxit = 100))
  keep <- !grepl("^factor", names(coef(gl)))
  add("glm_cuts_0_5_12", ref, sub("^g", "", names(coef(gl))[keep]), coef(gl)[keep],
      sqrt(diag(vcov(gl)))[keep], integer(0))
}
con <- file(file.path(out, "regression_monotone_fg_poisson.csv"), "w")
writeLines(c(ver, paste(
  "# finegray(Surv(time, ev) ~ ., etype='court') + coxph(Surv(fgstart, fgstop, fgstatus) ~",
  "g + z + cluster(id), weights=fgwt, ties); crr(time, status, cov1, failcode=1, cencode=0);",
  "coxph(Surv(time, status == 1) ~ g + z, ties='breslow'); glm(y ~ 0 + factor(k) + g + z +",
  "offset(log(pt)), poisson, epsilon=1e-14) on cuts 0, 5, 12; g = relevel(group, reference);",
  "may_be_infinite = the variables of R's warning 'Loglik converged before variable ...'")), con)
write.csv(do.call(rbind, rows), con, row.names = FALSE)
close(con)
