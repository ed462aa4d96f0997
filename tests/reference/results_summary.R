# Reference values for the summaries of results (trajectory.results, summary() methods).
# Tool: R + survival (versions in every CSV header). Run from the repository root:
#   Rscript tests/reference/results_summary.R
# Writes tests/reference/results_summary_survfit.csv (print(survfit): n, events, median
# and its CI, one row a group) and results_summary_coxph.csv (summary(coxph): HR, CI, p,
# n, events), on survival::lung as stored in tests/reference/data/lung.csv.
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

lung <- read.csv(file.path(out, "data", "lung.csv"), comment.char = "#")
lung$dead <- as.integer(lung$status == 2)

fit <- survfit(Surv(time, dead) ~ sex, data = lung)
tab <- summary(fit)$table
write_ref(data.frame(group = sub(".*=", "", rownames(tab)), n = tab[, "records"],
                     n_event = tab[, "events"], median = tab[, "median"],
                     lower = tab[, "0.95LCL"], upper = tab[, "0.95UCL"]),
          "results_summary_survfit.csv",
          "summary(survfit(Surv(time, status == 2) ~ sex, data = lung))$table")

cfit <- coxph(Surv(time, dead) ~ age + factor(sex), data = lung)
s <- summary(cfit)
write_ref(data.frame(term = rownames(s$conf.int), hazard_ratio = s$conf.int[, "exp(coef)"],
                     lower = s$conf.int[, "lower .95"], upper = s$conf.int[, "upper .95"],
                     p = s$coefficients[, "Pr(>|z|)"], n = s$n, n_event = s$nevent),
          "results_summary_coxph.csv",
          "summary(coxph(Surv(time, status == 2) ~ age + factor(sex), data = lung))")
