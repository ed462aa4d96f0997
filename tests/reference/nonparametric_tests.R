# Reference values for trajectory.estimators.comparison (log-rank / Fleming-Harrington, Gray).
# Tool: R + survival + cmprsk (versions in every CSV header). Run from the repository root:
#   Rscript tests/reference/nonparametric_tests.R
# Writes tests/reference/nonparametric_logrank.csv and nonparametric_gray.csv.
suppressPackageStartupMessages({library(survival); library(cmprsk)})
out <- "tests/reference"
ver <- sprintf("# tool: R %s, survival %s, cmprsk %s", getRversion(),
               packageVersion("survival"), packageVersion("cmprsk"))
write_ref <- function(df, file, call_note) {
  con <- file(file.path(out, file), "w")
  writeLines(c(ver, paste("#", call_note)), con)
  write.csv(df, con, row.names = FALSE)
  close(con)
}
lung <- survival::lung
lung$dead <- as.integer(lung$status == 2)
lung_e <- lung[!is.na(lung$ph.ecog), ]
ties <- read.csv(file.path(out, "data", "np_ties.csv"), comment.char = "#")
mgus2 <- survival::mgus2
mgus2$etime <- with(mgus2, ifelse(pstat == 0, futime, ptime))
mgus2$ev <- with(mgus2, ifelse(pstat == 0, 2 * death, 1))   # 0 censor, 1 pcm, 2 death

# Independent hand implementation of the G(rho, gamma) test (loops over event times):
# weight S(t-)^rho (1 - S(t-))^gamma, S the pooled KM of the stratum, hypergeometric var.
fh_test <- function(time, status, group, rho = 0, gamma = 0, strata = NULL, entry = NULL) {
  g <- factor(group); lev <- levels(g); k <- length(lev)
  if (is.null(strata)) strata <- rep(1, length(time))
  if (is.null(entry)) entry <- rep(-Inf, length(time))
  U <- rep(0, k); V <- matrix(0, k, k); O <- rep(0, k); E <- rep(0, k)
  for (s in unique(strata)) {
    i <- strata == s; S <- 1
    for (t in sort(unique(time[i & status == 1]))) {
      risk <- i & entry < t & time >= t
      nj <- as.vector(table(factor(g[risk], levels = lev)))
      dj <- as.vector(table(factor(g[risk & time == t & status == 1], levels = lev)))
      n <- sum(nj); d <- sum(dj)
      w <- S^rho * (1 - S)^gamma
      O <- O + w * dj; E <- E + w * d * nj / n
      if (n > 1) V <- V + w^2 * d * (n - d) / (n^2 * (n - 1)) * (n * diag(nj, k) - nj %o% nj)
      S <- S * (1 - d / n)
    }
  }
  keep <- which(E > 0)[-1]
  u <- (O - E)[keep]
  stat <- sum(solve(V[keep, keep, drop = FALSE], u) * u)
  list(stat = stat, df = length(keep), O = O, E = E, lev = lev)
}

rows <- list()
add <- function(spec, rho, gamma, source, stat, df, lev, O, E) {
  rows[[length(rows) + 1]] <<- data.frame(
    spec = spec, rho = rho, gamma = gamma, source = source, statistic = stat, df = df,
    p = pchisq(stat, df, lower.tail = FALSE), group = lev, observed = O, expected = E)
}
for (rho in c(0, 0.5, 1)) {
  f <- survdiff(Surv(time, dead) ~ sex, data = lung, rho = rho)
  add("lung_sex", rho, 0, "survdiff", f$chisq, length(f$n) - 1, c("1", "2"), f$obs, f$exp)
  f <- survdiff(Surv(time, dead) ~ ph.ecog + strata(sex), data = lung_e, rho = rho)
  add("lung_ecog_strata_sex", rho, 0, "survdiff", f$chisq, length(f$n) - 1,
      c("0", "1", "2", "3"), rowSums(f$obs), rowSums(f$exp))
  f <- survdiff(Surv(time, status) ~ group, data = ties, rho = rho)
  add("ties_group", rho, 0, "survdiff", f$chisq, length(f$n) - 1, c("x", "y"), f$obs, f$exp)
  f <- survdiff(Surv(time, status) ~ wi + strata(group), data = ties, rho = rho)
  add("ties_wi_strata_group", rho, 0, "survdiff", f$chisq, length(f$n) - 1,
      c("1", "2", "3"), rowSums(f$obs), rowSums(f$exp))
}
for (rg in list(c(0, 0), c(1, 0), c(0, 1), c(1, 1), c(0.5, 2))) {
  h <- fh_test(lung$time, lung$dead, lung$sex, rg[1], rg[2])
  add("lung_sex", rg[1], rg[2], "hand", h$stat, h$df, h$lev, h$O, h$E)
  h <- fh_test(ties$time, ties$status, ties$wi, rg[1], rg[2], strata = ties$group)
  add("ties_wi_strata_group", rg[1], rg[2], "hand", h$stat, h$df, h$lev, h$O, h$E)
  h <- fh_test(ties$time, ties$status, ties$group, rg[1], rg[2], entry = ties$entry)
  add("ties_group_entry", rg[1], rg[2], "hand", h$stat, h$df, h$lev, h$O, h$E)
}
# The hand loop is checked against survdiff here, where both exist (gamma = 0), before its
# values for gamma != 0 are written as references.
lr <- do.call(rbind, rows)
both <- merge(lr[lr$source == "hand" & lr$gamma == 0, ], lr[lr$source == "survdiff", ],
              by = c("spec", "rho", "gamma", "group"))
stopifnot(nrow(both) >= 8, isTRUE(all.equal(both$statistic.x, both$statistic.y, tolerance = 1e-10)),
          isTRUE(all.equal(both$expected.x, both$expected.y, tolerance = 1e-10)))
write_ref(lr, "nonparametric_logrank.csv",
          "survdiff(Surv(time, status) ~ group [+ strata(s)], rho=) (source=survdiff); source=hand: fh_test() in this script, G(rho, gamma) weights")

grows <- list()
gadd <- function(spec, rho, ci, states) {
  tst <- ci$Tests
  grows[[length(grows) + 1]] <<- data.frame(spec = spec, rho = rho, state = states,
    statistic = tst[, "stat"], p = tst[, "pv"], df = tst[, "df"])
}
for (rho in c(0, 1)) {
  gadd("mgus2_sex", rho, cuminc(mgus2$etime, mgus2$ev, group = mgus2$sex, rho = rho),
       c("pcm", "death"))
  gadd("ties_group", rho, cuminc(ties$time, ties$outcome, group = ties$group, rho = rho,
                                 cencode = "censored"), c("court", "dismissal"))
  gadd("ties_wi_strata_group", rho, cuminc(ties$time, ties$outcome, group = ties$wi,
       strata = ties$group, rho = rho, cencode = "censored"), c("court", "dismissal"))
}
write_ref(do.call(rbind, grows), "nonparametric_gray.csv",
          "cmprsk::cuminc(ftime, fstatus, group=, strata=, rho=, cencode=)$Tests")
