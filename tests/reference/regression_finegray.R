# Reference values for trajectory.estimators.finegray (Fine-Gray subdistribution hazards).
# Tool: R + survival + cmprsk (versions written into every CSV header comment).
# Run from the repository root:  Rscript tests/reference/regression_finegray.R
suppressPackageStartupMessages({library(survival); library(cmprsk)})
`%||%` <- function(a, b) if (is.null(a)) b else a
out <- "tests/reference"
ver <- sprintf("# tool: R %s, survival %s, cmprsk %s", getRversion(), packageVersion("survival"),
               packageVersion("cmprsk"))
write_ref <- function(df, file, call_note) {
  con <- file(file.path(out, file), "w")
  writeLines(c(ver, paste("#", call_note)), con)
  write.csv(df, con, row.names = FALSE)
  close(con)
}
d <- survival::mgus2
d$etime <- ifelse(d$pstat == 0, d$futime, d$ptime)
d$event <- factor(ifelse(d$pstat == 0, 2 * d$death, 1), 0:2, c("censor", "pcm", "death"))
d$male <- as.integer(d$sex == "M")

crr1 <- crr(d$etime, as.integer(d$event) - 1, cov1 = cbind(age = d$age, male = d$male),
            failcode = 1, cencode = 0)
fg <- finegray(Surv(etime, event) ~ ., data = d, etype = "pcm")
fit_e <- coxph(Surv(fgstart, fgstop, fgstatus) ~ age + male, weights = fgwt, data = fg)
fit_b <- coxph(Surv(fgstart, fgstop, fgstatus) ~ age + male, weights = fgwt, data = fg,
               ties = "breslow")
fit_c <- coxph(Surv(fgstart, fgstop, fgstatus) ~ age + male + cluster(id), weights = fgwt,
               data = fg)
rows <- rbind(
  data.frame(method = "crr", term = c("age", "male"), coef = unname(crr1$coef),
             se = sqrt(diag(crr1$var)), naive_se = NA),
  data.frame(method = "finegray_coxph_efron", term = names(coef(fit_e)), coef = unname(coef(fit_e)),
             se = sqrt(diag(fit_e$var)), naive_se = sqrt(diag(fit_e$naive.var %||% fit_e$var))),
  data.frame(method = "finegray_coxph_breslow", term = names(coef(fit_b)), coef = unname(coef(fit_b)),
             se = sqrt(diag(fit_b$var)), naive_se = sqrt(diag(fit_b$naive.var %||% fit_b$var))),
  data.frame(method = "finegray_coxph_efron_cluster_id", term = names(coef(fit_c)),
             coef = unname(coef(fit_c)), se = sqrt(diag(fit_c$var)),
             naive_se = sqrt(diag(fit_c$naive.var)))
)
write_ref(rows, "regression_finegray_coef.csv",
          paste("crr(etime, event, cov1=cbind(age, male), failcode=1, cencode=0) on mgus2",
                "(etime = ptime if pstat else futime; event pcm=1, death=2);",
                "finegray(Surv(etime, event) ~ ., mgus2, etype='pcm') + coxph(Surv(fgstart, fgstop,",
                "fgstatus) ~ age + male, weights=fgwt [, ties] [+ cluster(id)]); se = sqrt(diag(var))"))
# the expanded data set itself (first rows per id) for the expansion test
write_ref(fg[, c("id", "fgstart", "fgstop", "fgstatus", "fgwt")], "regression_finegray_expanded.csv",
          "finegray(Surv(etime, event) ~ ., data = mgus2, etype = 'pcm')")
# predicted cumulative incidence
nd <- data.frame(age = c(60, 80, 60), male = c(0, 0, 1))
times <- c(12, 60, 120, 240, 360)
pc <- predict(crr1, cov1 = as.matrix(nd))
cif_crr <- sapply(times, function(t) { i <- findInterval(t, pc[, 1]); if (i == 0) rep(0, 3) else pc[i, -1] })
sf <- survfit(fit_b, newdata = nd)
sm <- summary(sf, times = times)
cif_fg <- 1 - sm$surv  # times x profiles
res <- data.frame(profile = rep(1:3, each = length(times)), age = rep(nd$age, each = length(times)),
                  male = rep(nd$male, each = length(times)), time = rep(times, 3),
                  cif_crr = as.vector(t(cif_crr)), cif_finegray_breslow = as.vector(cif_fg))
write_ref(res, "regression_finegray_cif.csv",
          "predict(crr fit, cov1=profiles) step function at times; 1 - survfit(coxph breslow FG fit, newdata)")
print(rows); print(res); print(fit_e$call); cat("robust in fit_e:", !is.null(fit_e$naive.var), "\n")
