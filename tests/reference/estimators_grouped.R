# Reference values for trajectory.estimators.grouped (one-vs-rest engine on counts).
# Tool: R 4.2.2, survival 3.5.3. Run from the repository root: Rscript tests/reference/estimators_grouped.R
# (writes tests/reference/estimators_grouped.csv)
# Calls, for each group k against the rest (in = g == k), stratified by s and not:
#   survdiff(Surv(time, event) ~ in + strata(s))            observed/expected/var/chisq
#   coxph(Surv(time, event) ~ in + strata(s), ties = "breslow",
#         control = coxph.control(eps = 1e-12, toler.chol = 1e-13, toler.inf = Inf, iter.max = 100))  coef, se
#   coxph(Surv(entry, time, event) ~ in + strata(s), ties = "breslow", ...)     (data "cp")
#   quantile(survfit(Surv(time, event) ~ 1, subset = in [& s == j]), probs = q)  conf.type "log"
#   quantile(survfit(Surv(entry, time, event) ~ 1, ...), probs = q)             (data "cp")
# Data are deterministic (no RNG), rebuilt identically in tests/estimators/test_grouped.py:
#   "rc" (right-censored), i = 1..400:
#     g = (i * 7 + i %/% 11) %% 4; s = i %% 3; base = (i * 37) %% 61 + 1;
#     time = base, except g == 1: base %/% 2 + 1, g == 3: base + 10;
#     event = (i %% 5 != 0) & (i %% 7 != 3)
#   "cp" (counting process, delayed entry), i = 1..300:
#     g = (i * 5 + i %/% 7) %% 4; s = i %% 3; entry = (i * 11) %% 17;
#     time = entry + (i * 29) %% 41 + 1 + 6 * (g == 2); event = i %% 4 != 0
library(survival)

make_rc <- function() {
  i <- 1:400
  g <- (i * 7 + i %/% 11) %% 4
  s <- i %% 3
  base <- (i * 37) %% 61 + 1
  time <- ifelse(g == 1, base %/% 2 + 1, ifelse(g == 3, base + 10, base))
  event <- as.integer((i %% 5 != 0) & (i %% 7 != 3))
  data.frame(entry = 0, time = time, event = event, g = g, s = s)
}
make_cp <- function() {
  i <- 1:300
  g <- (i * 5 + i %/% 7) %% 4
  s <- i %% 3
  entry <- (i * 11) %% 17
  time <- entry + (i * 29) %% 41 + 1 + 6 * (g == 2)
  event <- as.integer(i %% 4 != 0)
  data.frame(entry = entry, time = time, event = event, g = g, s = s)
}

ctl <- coxph.control(eps = 1e-12, toler.chol = 1e-13, toler.inf = Inf, iter.max = 100)
probs <- c(0.25, 0.5, 0.75)
rows <- list()
add <- function(data, stat, stratum, group, side, q, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(
    data = data, stat = stat, stratum = stratum, group = group, side = side, q = q,
    quantity = quantity, value = unname(value)
  )
}

for (dname in c("rc", "cp")) {
  d <- if (dname == "rc") make_rc() else make_cp()
  cp <- dname == "cp"
  for (k in 0:3) {
    d$inside <- as.integer(d$g == k)
    if (!cp) {
      lr <- survdiff(Surv(time, event) ~ inside + strata(s), data = d)
      add(dname, "logrank", "strata", k, "group", NA, "observed", sum(matrix(lr$obs, nrow = 2)[2, ]))
      add(dname, "logrank", "strata", k, "group", NA, "expected", sum(matrix(lr$exp, nrow = 2)[2, ]))
      add(dname, "logrank", "strata", k, "group", NA, "variance", lr$var[2, 2])
      add(dname, "logrank", "strata", k, "group", NA, "chisq", lr$chisq)
      lr <- survdiff(Surv(time, event) ~ inside, data = d)
      add(dname, "logrank", "none", k, "group", NA, "observed", lr$obs[2])
      add(dname, "logrank", "none", k, "group", NA, "expected", lr$exp[2])
      add(dname, "logrank", "none", k, "group", NA, "variance", lr$var[2, 2])
      add(dname, "logrank", "none", k, "group", NA, "chisq", lr$chisq)
    }
    for (st in c("strata", "none")) {
      rhs <- if (st == "strata") "inside + strata(s)" else "inside"
      lhs <- if (cp) "Surv(entry, time, event)" else "Surv(time, event)"
      fit <- coxph(as.formula(paste(lhs, "~", rhs)), data = d, ties = "breslow", control = ctl)
      add(dname, "cox", st, k, "group", NA, "coef", coef(fit))
      add(dname, "cox", st, k, "group", NA, "std_err", sqrt(vcov(fit)[1, 1]))
    }
    for (side in c("group", "rest")) {
      want <- if (side == "group") 1 else 0
      for (j in c(-1, 0:2)) {
        sub <- d[d$inside == want & (j < 0 | d$s == j), ]
        fit <- if (cp) survfit(Surv(entry, time, event) ~ 1, data = sub)
               else survfit(Surv(time, event) ~ 1, data = sub)
        qq <- quantile(fit, probs = probs)
        lab <- if (j < 0) "all" else as.character(j)
        for (m in seq_along(probs)) {
          add(dname, "quantile", lab, k, side, probs[m], "estimate", qq$quantile[m])
          add(dname, "quantile", lab, k, side, probs[m], "lower", qq$lower[m])
          add(dname, "quantile", lab, k, side, probs[m], "upper", qq$upper[m])
        }
      }
    }
  }
}
out <- do.call(rbind, rows)
con <- file("tests/reference/estimators_grouped.csv", "w")
writeLines(paste0(
  "# ", R.version.string, "; survival ", packageVersion("survival"),
  "; survdiff(Surv(time, event) ~ in + strata(s)); coxph(Surv([entry, ]time, event) ~ in",
  " [+ strata(s)], ties='breslow', control=coxph.control(eps=1e-12, toler.chol=1e-13, toler.inf=Inf, iter.max=100));",
  " quantile(survfit(Surv([entry, ]time, event) ~ 1, subset), probs=c(0.25, 0.5, 0.75))"
), con)
write.csv(out, con, row.names = FALSE)
close(con)
