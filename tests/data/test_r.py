"""R users read the package with the tested recipe docs/examples/load.R: the CSV files with
readr, typed from the package's Table Schemas (dates Date, counts integer, booleans logical),
and the SQLite file with RSQLite. R comes from Debian (r-cran-readr, r-cran-jsonlite,
r-cran-rsqlite), installed here when missing if we are root; skipped, saying why, otherwise."""
import csv
import os
import shutil
import subprocess

import pytest

from conftest import REPO, apt_commands, run_one_at_a_time
from pipeline import schemas

pytestmark = pytest.mark.data

BUILD = REPO / "build"
DEBIAN_PACKAGES = ["r-base-core", "r-cran-readr", "r-cran-jsonlite", "r-cran-rsqlite"]
R_TYPES = {"string": "character", "integer": "integer", "number": "numeric", "boolean": "logical", "date": "Date"}


def r_available():
    ok = subprocess.run(["Rscript", "-e", "library(readr); library(jsonlite); library(RSQLite)"], capture_output=True) \
        if shutil.which("Rscript") else None
    return ok is not None and ok.returncode == 0


@pytest.fixture(scope="module")
def output():
    if not r_available():
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.skip(f"R with readr, jsonlite and RSQLite is missing and apt-get cannot install it here "
                        f"(not root or no apt-get): apt-get install {' '.join(DEBIAN_PACKAGES)}")
        failed = run_one_at_a_time(apt_commands(DEBIAN_PACKAGES), r_available)
        assert not failed, f"`{' '.join(failed[0])}` failed: {failed[1].stderr[-2000:]}"
    out = subprocess.run(["Rscript", str(REPO / "docs" / "examples" / "load.R"), str(BUILD)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "problem" not in out.stderr.lower() and "warning" not in out.stderr.lower(), out.stderr[-2000:]
    return out.stdout.splitlines()


def csv_rows(table):
    with open(BUILD / f"{table}.csv", newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


@pytest.mark.parametrize("table", schemas.table_names())
def test_r_reads_every_csv_with_the_schema_types(output, table):
    line = next(x for x in output if x.startswith(f"csv {table} "))
    rows, columns = line.split(" rows: ")
    assert int(rows.split()[-1]) == csv_rows(table)
    read = dict(pair.split("=") for pair in columns.split(" "))
    assert read == {f["name"]: R_TYPES[f["type"]] for f in schemas.fields(table)}


@pytest.mark.parametrize("table", schemas.table_names())
def test_r_reads_every_table_of_the_sqlite_file(output, table):
    assert f"sqlite {table} {csv_rows(table)} rows" in output
