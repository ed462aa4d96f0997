# Oracle for trajectory.plotting.delays.survival_quantiles (used by plot_delays).
# Tool: R survival (version written in the CSV header); call: quantile(survfit(Surv(time, status) ~ group, conf.type = "log"), probs = c(0.25, 0.5, 0.75))
# Run from the repository root: Rscript tests/reference/plotting_km_quantiles.R
library(survival)
here <- "tests/reference"
# group a: ties and censoring; group b: curve flat at exactly 0.5 (midpoint rule);
# group c: median not reached (heavy censoring)
d <- data.frame(
  group = c(rep("a", 12), rep("b", 4), rep("c", 8)),
  time = c(3, 3, 5, 7, 7, 7, 10, 12, 15, 15, 20, 22,
           2, 4, 6, 8,
           1, 2, 4, 4, 6, 9, 9, 11),
  status = c(1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1,
             1, 1, 0, 0,
             1, 0, 1, 0, 0, 0, 0, 0)
)
fit <- survfit(Surv(time, status) ~ group, data = d, conf.type = "log")
s <- summary(fit, censored = TRUE)
curve <- data.frame(group = sub("group=", "", as.character(s$strata)), time = s$time,
                    estimate = s$surv, lower = s$lower, upper = s$upper,
                    n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor)
q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
rows <- list()
for (i in seq_len(nrow(q$quantile))) for (j in seq_len(ncol(q$quantile))) {
  rows[[length(rows) + 1]] <- data.frame(
    group = sub("group=", "", rownames(q$quantile)[i]), quantile = c(0.25, 0.5, 0.75)[j],
    estimate = q$quantile[i, j], lower = q$lower[i, j], upper = q$upper[i, j])
}
quant <- do.call(rbind, rows)
header <- sprintf("# R %s, survival %s; %s", getRversion(), packageVersion("survival"),
                  "survfit(Surv(time, status) ~ group, conf.type = 'log')")
for (item in list(list(curve, "plotting_km_curve.csv", "summary(fit, censored = TRUE)"),
                  list(quant, "plotting_km_quantiles.csv", "quantile(fit, c(.25, .5, .75))"))) {
  path <- file.path(here, item[[2]])
  writeLines(paste(header, "then", item[[3]]), path)
  suppressWarnings(write.table(item[[1]], path, sep = ",", row.names = FALSE, append = TRUE,
                               na = "", quote = TRUE))
}
