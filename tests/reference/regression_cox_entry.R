# Reference values for trajectory.estimators.regression: Cox with delayed entry, strata
# and a cluster together (the case on which a log-likelihood-based stopping rule stops
# short of R's maximum).
# Tool: R + survival (versions written into the CSV header comment).
# Run from the repository root:  Rscript tests/reference/regression_cox_entry.R
# Reads tests/reference/data/colon.csv (survival::colon as shipped, written by
# regression_cox.R) and data/cox_entry_strata.csv (regression_cox_entry_data.py); writes
# regression_cox_entry.csv, regression_cox_entry_big.csv, regression_cox_entry_zones.csv.
suppressPackageStartupMessages(library(survival))
out <- "tests/reference"
ver <- sprintf("# tool: R %s, survival %s", getRversion(), packageVersion("survival"))
colon <- read.csv(file.path(out, "data", "colon.csv"), comment.char = "#")
colon <- colon[complete.cases(colon[, c("time", "status", "rx", "sex", "age", "nodes")]), ]
colon$rx <- factor(colon$rx, levels = c("Obs", "Lev", "Lev+5FU"))
# delayed entry from the row order of the complete cases (rebuilt identically in Python)
colon$entry <- pmin(colon$time - 1, (seq_len(nrow(colon)) %% 7) * 30)
f <- Surv(entry, time, status) ~ rx + sex + age + nodes + strata(etype) + cluster(id)
call <- paste("coxph(Surv(entry, time, status) ~ rx + sex + age + nodes + strata(etype) +",
              "cluster(id), colon complete cases, entry = pmin(time - 1, (row %% 7) * 30),",
              "ties = ties); default control (eps = 1e-9)")
rows <- list()
for (ties in c("breslow", "efron")) {
  fit <- coxph(f, data = colon, ties = ties)
  rows[[ties]] <- data.frame(
    ties = ties, term = names(coef(fit)), coef = unname(coef(fit)),
    se = unname(sqrt(diag(fit$var))), naive_se = unname(sqrt(diag(fit$naive.var))),
    loglik = fit$loglik[2], loglik_null = fit$loglik[1], n = fit$n, nevent = fit$nevent)
}
con <- file(file.path(out, "regression_cox_entry.csv"), "w")
writeLines(c(ver, paste("#", call)), con)
write.csv(do.call(rbind, rows), con, row.names = FALSE)
close(con)

# A larger counting-process case, built from the row number alone (no random numbers,
# rebuilt identically in Python): 40,000 rows in 20,000 clusters, 4 strata, heavy ties.
# Its log-likelihood is ~ -2e5, whose float noise (~1e-9) exceeds the final Newton gains.
i <- seq_len(40000)
big <- data.frame(
  id = (i - 1) %/% 2,
  s = i %% 4,
  x = ((i * 7919) %% 101) / 100,
  g = factor((i * 13) %% 3),
  time = 1 + ((i * 104729) %% 997) + (i %% 3) * ((i * 7) %% 200),
  status = as.integer(((i * 31) %% 5) > 1)
)
big$entry <- pmin(big$time - 1, (i %% 11) * 20)
fb <- Surv(entry, time, status) ~ x + g + strata(s) + cluster(id)
rows <- list()
for (ties in c("breslow", "efron")) {
  fit <- coxph(fb, data = big, ties = ties)
  rows[[ties]] <- data.frame(
    ties = ties, term = names(coef(fit)), coef = unname(coef(fit)),
    se = unname(sqrt(diag(fit$var))), naive_se = unname(sqrt(diag(fit$naive.var))),
    loglik = fit$loglik[2], loglik_null = fit$loglik[1], n = fit$n, nevent = fit$nevent)
}
con <- file(file.path(out, "regression_cox_entry_big.csv"), "w")
writeLines(c(ver, paste("# coxph(Surv(entry, time, status) ~ x + g + strata(s) + cluster(id),",
                        "ties = ties); data from the row number i = 1..40000 (see script)")), con)
write.csv(do.call(rbind, rows), con, row.names = FALSE)
close(con)

# tests/reference/data/cox_entry_strata.csv (regression_cox_entry_data.py): zones with
# entry, strata and cluster; and each zone against the rest (the lenses' one-vs-rest model)
zd <- read.csv(file.path(out, "data", "cox_entry_strata.csv"), comment.char = "#")
zd$zone <- factor(zd$zone, levels = c("centre", "east", "north", "south", "west"))
rows <- list()
for (ties in c("breslow", "efron")) {
  fit <- coxph(Surv(entry, time, status) ~ zone + strata(s) + cluster(cl), data = zd, ties = ties)
  rows[[length(rows) + 1]] <- data.frame(
    model = "zones", ties = ties, term = names(coef(fit)), coef = unname(coef(fit)),
    se = unname(sqrt(diag(fit$var))), naive_se = unname(sqrt(diag(fit$naive.var))),
    loglik = fit$loglik[2], loglik_null = fit$loglik[1], n = fit$n, nevent = fit$nevent)
}
for (z in levels(zd$zone)) {
  zd$inside <- as.integer(zd$zone == z)
  fit <- coxph(Surv(entry, time, status) ~ inside + strata(s), data = zd, ties = "breslow")
  rows[[length(rows) + 1]] <- data.frame(
    model = "vs_rest", ties = "breslow", term = z, coef = unname(coef(fit)),
    se = unname(sqrt(diag(fit$var))), naive_se = unname(sqrt(diag(fit$var))),
    loglik = fit$loglik[2], loglik_null = fit$loglik[1], n = fit$n, nevent = fit$nevent)
}
con <- file(file.path(out, "regression_cox_entry_zones.csv"), "w")
writeLines(c(ver, paste("# model zones: coxph(Surv(entry, time, status) ~ zone + strata(s) +",
                        "cluster(cl), ties = ties); model vs_rest: coxph(Surv(entry, time,",
                        "status) ~ I(zone == term) + strata(s), ties = 'breslow')")), con)
write.csv(do.call(rbind, rows), con, row.names = FALSE)
close(con)
