# Reference values for trajectory.estimators.agreement.chi_square_monte_carlo (the division
# code-distance test of the nomenclature lens). Tool: R stats (version in the CSV header).
# Run from the repository root: Rscript tests/reference/nomenclature_chisq.R
# Writes tests/reference/nomenclature_chisq.csv; call, for each 2 x k table below (rows given
# row by row in `cells`):
#   set.seed(1); chisq.test(m, simulate.p.value = TRUE, B = 9999)   p_simulated
#   chisq.test(m, correct = FALSE)                                 statistic, p_asymptotic
out <- "tests/reference"
stopifnot("run from the repository root" = dir.exists(out))
tables <- list(
  division = c(1500, 200, 150, 400, 40, 45),
  sparse = c(12, 3, 0, 1, 4, 1, 2, 3),
  separated = c(30, 10, 10, 30)
)
rows <- list()
for (name in names(tables)) {
  cells <- tables[[name]]
  m <- matrix(cells, nrow = 2, byrow = TRUE)
  m <- m[, colSums(m) > 0, drop = FALSE]
  set.seed(1)
  sim <- suppressWarnings(chisq.test(m, simulate.p.value = TRUE, B = 9999))
  asy <- suppressWarnings(chisq.test(m, correct = FALSE))
  rows[[name]] <- data.frame(table = name, cells = paste(cells, collapse = ";"),
                             statistic = unname(asy$statistic), p_simulated = sim$p.value,
                             p_asymptotic = asy$p.value, replicates = 9999)
}
con <- file(file.path(out, "nomenclature_chisq.csv"), "w")
writeLines(sprintf("# tool: R %s (stats); set.seed(1); chisq.test(m, simulate.p.value = TRUE, B = 9999) and chisq.test(m, correct = FALSE)",
                   getRversion()), con)
write.csv(do.call(rbind, rows), con, row.names = FALSE)
close(con)
