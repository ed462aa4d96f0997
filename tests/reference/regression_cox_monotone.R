# Reference values for trajectory.estimators.regression: Cox with a level that has no
# event (monotone likelihood), on a 15-case hand-built dataset (rebuilt identically in
# tests/estimators/test_regression.py). R coxph stops when the log-likelihood converges
# and warns "Loglik converged before variable k; coefficient may be infinite"; the
# warned variables are recorded in column may_be_infinite, the other coefficients are
# the values to match.
# Tool: R + survival (versions written into the CSV header comment).
# Run from the repository root:  Rscript tests/reference/regression_cox_monotone.R
# Writes tests/reference/regression_cox_monotone.csv and regression_cox_separated.csv.
suppressPackageStartupMessages(library(survival))
out <- "tests/reference"
ver <- sprintf("# tool: R %s, survival %s", getRversion(), packageVersion("survival"))
d <- data.frame(
  time   = c(2, 3, 5, 6, 8, 11, 3, 4, 7, 9, 9, 4, 6, 10, 12),
  status = c(1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0),
  group  = c("a", "a", "a", "a", "a", "a", "b", "b", "b", "b", "b", "c", "c", "c", "c"),
  x      = c(0.5, 1.2, -0.3, 0.8, -1.1, 0.1, 0.4, -0.6, 1.5, -0.2, 0.9, 0.3, -0.8, 1.1, -0.4)
)
rows <- list()
for (ties in c("efron", "breslow")) {
  for (ref in c("a", "c")) {  # c, the level without events, as a term and as the reference
    d$group_f <- relevel(factor(d$group), ref = ref)
    warned <- integer(0)
    fit <- withCallingHandlers(
      coxph(Surv(time, status) ~ group_f + x, data = d, ties = ties),
      warning = function(w) {
        msg <- conditionMessage(w)
        if (grepl("coefficient may be infinite", msg)) {
          k <- sub(".*variable +([0-9, ]+) +;.*", "\\1", msg)
          warned <<- as.integer(strsplit(gsub(" ", "", k), ",")[[1]])
        }
        invokeRestart("muffleWarning")
      })
    term <- sub("^group_f", "", names(coef(fit)))
    rows[[length(rows) + 1]] <- data.frame(
      ties = ties, reference = ref, term = term, coef = unname(coef(fit)),
      se = unname(sqrt(diag(fit$var))), may_be_infinite = seq_along(term) %in% warned,
      loglik = fit$loglik[2], loglik_null = fit$loglik[1], n = fit$n, nevent = fit$nevent)
  }
}
con <- file(file.path(out, "regression_cox_monotone.csv"), "w")
writeLines(c(ver, paste("# coxph(Surv(time, status) ~ relevel(factor(group), ref = reference) +",
                        "x, ties = ties); group c has no event; may_be_infinite = the variables",
                        "of R's warning 'Loglik converged before variable ...'")), con)
write.csv(do.call(rbind, rows), con, row.names = FALSE)
close(con)
# Separated events, no level without events: every event of x = 1 precedes every event
# of x = 0 (8 cases; tests/estimators/test_cox_engine.py). R warns "may be infinite".
sep <- data.frame(time = 1:8, status = 1, x = c(1, 1, 1, 1, 0, 0, 0, 0))
rows <- list()
for (ties in c("efron", "breslow")) {
  warned <- FALSE
  fit <- withCallingHandlers(coxph(Surv(time, status) ~ x, data = sep, ties = ties),
    warning = function(w) {
      warned <<- grepl("coefficient may be infinite", conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  rows[[length(rows) + 1]] <- data.frame(ties = ties, coef = unname(coef(fit)),
    may_be_infinite = warned, loglik = fit$loglik[2], loglik_null = fit$loglik[1])
}
con <- file(file.path(out, "regression_cox_separated.csv"), "w")
writeLines(c(ver, "# coxph(Surv(1:8, rep(1, 8)) ~ c(1, 1, 1, 1, 0, 0, 0, 0), ties = ties)"), con)
write.csv(do.call(rbind, rows), con, row.names = FALSE)
close(con)
