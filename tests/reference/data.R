# The R datasets the other scripts and the Python tests read, copied as shipped.
# Tool: R + survival (version in every CSV header). Run from the repository root:
#   Rscript tests/reference/data.R        (`make references` runs it before every other script)
# Writes tests/reference/data/{lung,mgus2,colon}.csv, always (missing values as empty cells):
# this is the only script that writes them, so no fixture depends on the order scripts run in.
suppressPackageStartupMessages(library(survival))
out <- "tests/reference"
stopifnot("run from the repository root" = dir.exists(out))
ver <- sprintf("# tool: R %s, survival %s", getRversion(), packageVersion("survival"))
write_data <- function(df, name, note) {
  con <- file(file.path(out, "data", name), "w")
  writeLines(c(ver, paste("#", note)), con)
  write.csv(df, con, row.names = FALSE, na = "")
  close(con)
}
write_data(survival::lung, "lung.csv", "survival::lung as shipped (status 1=censored, 2=dead)")
write_data(survival::mgus2, "mgus2.csv", "survival::mgus2 as shipped")
write_data(survival::colon, "colon.csv",
           "survival::colon as shipped (etype 1=recurrence, 2=death)")
