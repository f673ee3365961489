"""docs/examples/beyond_one_machine.py: DuckDB, Polars, Dask (and Spark where installed) read the
published Parquet files directly and answer its question as the CSV files do, read with the
standard library."""
import csv
import importlib.util
import subprocess
import sys
from collections import defaultdict

import pytest

from conftest import REPO

pytestmark = pytest.mark.data

BUILD = REPO / "build"
SCRIPT = REPO / "docs" / "examples" / "beyond_one_machine.py"


def load_example():
    spec = importlib.util.spec_from_file_location("beyond_one_machine", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def from_the_csv():
    """(conflict_id, name, events, sum of deaths_best or None) per conflict with events, by conflict_id."""
    with open(BUILD / "conflicts.csv", newline="", encoding="utf-8") as f:
        names = {r["conflict_id"]: r["name"] for r in csv.DictReader(f)}
    events, deaths = defaultdict(int), defaultdict(list)
    with open(BUILD / "events.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["conflict"]:
                events[r["conflict"]] += 1
                deaths[r["conflict"]] += [int(r["deaths_best"])] if r["deaths_best"] else []
    return [(c, names[c], events[c], sum(deaths[c]) if deaths[c] else None) for c in sorted(events)]


@pytest.mark.parametrize("engine", ["duckdb", "polars", "dask", "spark"])
def test_each_engine_answers_as_the_csv_does(engine):
    if engine == "spark" and importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed: a 400 MB wheel with Java, left out of the lock file")
    expected = from_the_csv()
    assert len(expected) > 5 and any(d is None for *_, d in expected) and any(d for *_, d in expected)
    assert load_example().ENGINES[engine](BUILD) == expected


def test_the_script_prints_one_table_per_engine():
    out = subprocess.run([sys.executable, str(SCRIPT), str(BUILD), "duckdb", "polars"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    blocks = out.stdout.split("# ")[1:]
    assert [b.split("\n")[0] for b in blocks] == ["duckdb", "polars"]
    assert blocks[0].split("\n", 1)[1] == blocks[1].split("\n", 1)[1]
    assert len(blocks[0].strip().split("\n")) == len(from_the_csv()) + 1
