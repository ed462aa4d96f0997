# Reference values for trajectory.estimators.regression (Cox models).
# Tool: R + survival (versions written into every CSV header comment).
# Run from the repository root:  Rscript tests/reference/regression_cox.R
# Writes tests/reference/regression_cox_coef.csv, regression_cox_fit.csv,
# regression_cox_zph.csv and regression_cox_basehaz.csv (datasets: survival's, as copied by data.R).
suppressPackageStartupMessages(library(survival))
out <- "tests/reference"
ver <- sprintf("# tool: R %s, survival %s", getRversion(), packageVersion("survival"))

write_ref <- function(df, file, call_note) {
  con <- file(file.path(out, file), "w")
  writeLines(c(ver, paste("#", call_note)), con)
  write.csv(df, con, row.names = FALSE)
  close(con)
}

lung2 <- survival::lung
colon2 <- survival::colon

# Derived data used below (rebuilt identically in the Python tests)
lung <- lung2[complete.cases(lung2[, c("time", "status", "age", "sex", "ph.ecog")]), ]
lung$event <- as.integer(lung$status == 2)
lung$entry <- pmin(lung$time - 1, (seq_len(nrow(lung)) %% 5) * 20)   # row order of the CSV
lung$w <- (lung$inst %% 3) + 1
lung$w[is.na(lung$w)] <- 1
colon <- colon2[complete.cases(colon2[, c("time", "status", "rx", "sex", "age", "nodes")]), ]
colon$rx <- factor(colon$rx, levels = c("Obs", "Lev", "Lev+5FU"))
colond <- colon[colon$etype == 2, ]

fits <- list(
  lung_main = list(f = Surv(time, event) ~ age + sex + ph.ecog, d = lung,
                   call = "coxph(Surv(time, status==2) ~ age + sex + ph.ecog, lung complete cases)"),
  colon_death = list(f = Surv(time, status) ~ rx + sex + age + nodes, d = colond,
                     call = "coxph(Surv(time, status) ~ rx + sex + age + nodes, colon etype==2, complete cases)"),
  lung_strata = list(f = Surv(time, event) ~ age + ph.ecog + strata(sex), d = lung,
                     call = "coxph(Surv(time, event) ~ age + ph.ecog + strata(sex), lung)"),
  colon_cluster = list(f = Surv(time, status) ~ rx + sex + age + nodes + cluster(id), d = colon,
                       call = "coxph(Surv(time, status) ~ rx + sex + age + nodes + cluster(id), colon both etypes)"),
  colon_strata_cluster = list(f = Surv(time, status) ~ rx + sex + age + nodes + strata(etype) + cluster(id), d = colon,
                              call = "coxph(... + strata(etype) + cluster(id), colon both etypes)"),
  lung_entry = list(f = Surv(entry, time, event) ~ age + sex + ph.ecog, d = lung,
                    call = "coxph(Surv(entry, time, event) ~ age + sex + ph.ecog, lung; entry = pmin(time-1, (row %% 5)*20))"),
  lung_weights = list(f = Surv(time, event) ~ age + sex + ph.ecog, d = lung, w = TRUE,
                      call = "coxph(Surv(time, event) ~ age + sex + ph.ecog, weights = (inst %% 3) + 1, lung)")
)

coef_rows <- list(); fit_rows <- list(); zph_rows <- list()
for (nm in names(fits)) {
  for (ties in c("efron", "breslow")) {
    s <- fits[[nm]]
    d <- s$d
    fit <- if (isTRUE(s$w)) coxph(s$f, data = d, ties = ties, weights = w, robust = FALSE)
           else coxph(s$f, data = d, ties = ties)
    se <- sqrt(diag(fit$var))
    nse <- if (!is.null(fit$naive.var)) sqrt(diag(fit$naive.var)) else se
    coef_rows[[length(coef_rows) + 1]] <- data.frame(
      case = nm, ties = ties, term = names(coef(fit)), coef = unname(coef(fit)),
      se = unname(se), naive_se = unname(nse))
    fit_rows[[length(fit_rows) + 1]] <- data.frame(
      case = nm, ties = ties, loglik_null = fit$loglik[1], loglik = fit$loglik[2],
      concordance = unname(fit$concordance["concordance"]), n = fit$n, nevent = fit$nevent,
      call = s$call)
    if (nm %in% c("lung_main", "colon_death", "lung_strata", "lung_entry", "lung_weights")) {
      for (tr in c("km", "identity", "log", "rank")) {
        if (tr != "km" && nm != "lung_main") next
        z <- cox.zph(fit, transform = tr)
        zph_rows[[length(zph_rows) + 1]] <- data.frame(
          case = nm, ties = ties, transform = tr, term = rownames(z$table),
          chisq = z$table[, "chisq"], df = z$table[, "df"], p = z$table[, "p"])
      }
    }
  }
}
write_ref(do.call(rbind, coef_rows), "regression_cox_coef.csv",
          "coxph(..., ties=ties); se = sqrt(diag(var)) (robust when cluster), naive_se = model-based")
write_ref(do.call(rbind, fit_rows), "regression_cox_fit.csv",
          "coxph loglik, concordance, n, nevent")
write_ref(do.call(rbind, zph_rows), "regression_cox_zph.csv",
          "cox.zph(fit, transform=transform) table")

# Breslow baseline cumulative hazard at sample times, lung_main, centred at zero covariates
fit <- coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung, ties = "breslow")
bh <- basehaz(fit, centered = FALSE)
write_ref(bh, "regression_cox_basehaz.csv",
          "basehaz(coxph(Surv(time, event) ~ age + sex + ph.ecog, lung, ties='breslow'), centered=FALSE)")
