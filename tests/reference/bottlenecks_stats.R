# Reference values for trajectory.bottlenecks._stats (stratified log-rank, binary Cox,
# Cochran-Mantel-Haenszel). Run from the repository root: Rscript tests/reference/bottlenecks_stats.R
# (writes tests/reference/bottlenecks_stats.csv)
# Data are deterministic (no RNG), rebuilt identically in tests/bottlenecks/test_stats.py:
#   i = 1..120; time = (i * 37) %% 53 + 1; event = (i %% 4) != 0;
#   g = (i * 7) %% 5 < 2; s = i %% 3; y = (i * 11) %% 7 < 3 | (g & i %% 5 == 0); and for Cox a group effect: time[g] = time[g] %/% 2 + 1
library(survival)
i <- 1:120
time <- (i * 37) %% 53 + 1
event <- as.integer((i %% 4) != 0)
g <- as.integer((i * 7) %% 5 < 2)
s <- i %% 3
time2 <- ifelse(g == 1, time %/% 2 + 1, time)
lr <- survdiff(Surv(time, event) ~ g + strata(s))
lr_u <- survdiff(Surv(time, event) ~ g)
cx <- coxph(Surv(time2, event) ~ g + strata(s), ties = "breslow")
cx_u <- coxph(Surv(time2, event) ~ g, ties = "breslow")
y <- as.integer((i * 11) %% 7 < 3 | (g == 1 & i %% 5 == 0))
x <- table(factor(g, 0:1), factor(y, 0:1), s)
mh <- mantelhaen.test(x, correct = FALSE)
out <- data.frame(
  quantity = c("logrank_strat_obs_g1", "logrank_strat_exp_g1", "logrank_strat_chisq",
               "logrank_obs_g1", "logrank_exp_g1", "logrank_chisq",
               "cox_strat_coef", "cox_strat_se", "cox_coef", "cox_se", "cmh_p"),
  value = c(rowSums(matrix(lr$obs, nrow = 2))[2], rowSums(matrix(lr$exp, nrow = 2))[2], lr$chisq, lr_u$obs[2], lr_u$exp[2], lr_u$chisq,
            coef(cx), sqrt(vcov(cx)[1, 1]), coef(cx_u), sqrt(vcov(cx_u)[1, 1]), mh$p.value)
)
con <- file("tests/reference/bottlenecks_stats.csv", "w")
writeLines(paste0("# ", R.version.string, "; survival ", packageVersion("survival"),
                  "; survdiff(Surv(time, event) ~ g + strata(s)), coxph(..., ties='breslow'),",
                  " mantelhaen.test(table(g, y, s), correct=FALSE)"), con)
write.csv(out, con, row.names = FALSE)
close(con)
