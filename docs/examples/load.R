# Read the aq-is-conflict package in R: the CSV files with readr, each column typed from the
# package's own Table Schema (datapackage.json), and the SQLite file with RSQLite.
#   Rscript load.R PACKAGE_FOLDER
# Debian: apt-get install r-cran-readr r-cran-jsonlite r-cran-rsqlite. Parquet: CRAN's arrow
# package, arrow::read_parquet("events.parquet") (Debian does not package arrow).
suppressPackageStartupMessages({ library(readr); library(jsonlite); library(DBI) })

args <- commandArgs(trailingOnly = TRUE)
folder <- if (length(args) > 0) args[1] else "."
package <- fromJSON(file.path(folder, "datapackage.json"), simplifyVector = FALSE)

# Table Schema type -> readr column type. Booleans are written true/false, which readr reads
# as logical; an empty cell is a missing value (NA), in every column.
READR_TYPES <- c(string = "c", integer = "i", number = "d", boolean = "l", date = "D")

read_table <- function(name) {
  resource <- Filter(function(r) identical(r$name, name), package$resources)[[1]]
  fields <- resource$schema$fields
  types <- setNames(READR_TYPES[vapply(fields, function(f) f$type, "")], vapply(fields, function(f) f$name, ""))
  read_csv(file.path(folder, resource$path), col_types = do.call(cols, as.list(types)), na = "",
           lazy = FALSE, progress = FALSE)
}

tables <- vapply(Filter(function(r) identical(r$format, "csv"), package$resources), function(r) r$name, "")
for (name in tables) {
  table <- read_table(name)
  classes <- vapply(table, function(column) class(column)[1], "")
  cat(sprintf("csv %s %d rows: %s\n", name, nrow(table), paste(names(classes), classes, sep = "=", collapse = " ")))
}

# the exports (exports/*.csv, views in other formats' columns) are files only, not in the database
in_database <- vapply(Filter(function(r) identical(r$format, "csv") && !startsWith(r$path, "exports/"), package$resources),
                      function(r) r$name, "")
database <- dbConnect(RSQLite::SQLite(), file.path(folder, "aq-is-conflict.sqlite"), flags = RSQLite::SQLITE_RO)
for (name in in_database) {
  cat(sprintf("sqlite %s %d rows\n", name, dbGetQuery(database, sprintf("SELECT count(*) AS n FROM %s", dbQuoteIdentifier(database, name)))$n))
}
dbDisconnect(database)
