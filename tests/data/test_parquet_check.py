"""validate holds each Parquet file to its CSV (Frictionless checks the CSV): a Parquet file
whose rows or types drift from its CSV fails, naming the resource."""
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import validate

pytestmark = pytest.mark.data


@pytest.fixture
def package(tmp_path):
    return shutil.copytree(validate.PACKAGE, tmp_path / "package")


def rewrite(path, change):
    table = pq.read_table(path)
    pq.write_table(change(table), path)


def test_the_built_package_passes(package):
    assert validate.parquet_checks(package) == []


def test_a_changed_cell_fails(package):
    def change(t):
        counts = t.column("count_low").to_pylist()
        return t.set_column(t.schema.get_field_index("count_low"), t.schema.field("count_low"), pa.array([counts[0] + 1] + counts[1:], pa.int64()))
    rewrite(package / "casualties.parquet", change)
    n = pq.read_metadata(package / "casualties.parquet").num_rows
    assert validate.parquet_checks(package) == [f"casualties-parquet: rows differ from casualties.csv ({n} and {n} rows; columns ['count_low'])"]


def test_a_missing_row_and_a_retyped_column_fail(package):
    rewrite(package / "events.parquet", lambda t: t.slice(1))
    rewrite(package / "sources.parquet", lambda t: t.set_column(t.schema.get_field_index("chars"), "chars", t.column("chars").cast(pa.string())))
    problems = validate.parquet_checks(package)
    assert [p.split(":")[0] for p in problems] == ["sources-parquet", "events-parquet"]
    assert "rows differ from events.csv" in problems[1] and "schema" in problems[0]
