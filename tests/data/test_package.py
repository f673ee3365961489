"""The real build, checked with readers we did not write: frictionless, DuckDB, Polars, csv."""
import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import schemas

pytestmark = pytest.mark.data

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
DESCRIPTOR = json.loads((BUILD / "datapackage.json").read_text())


def rows(table):
    with open(BUILD / f"{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def by_id(table, key):
    return {r[key]: r for r in rows(table)}


def test_frictionless_cli_says_the_package_is_valid_foreign_keys_included():
    cli = Path(sys.executable).with_name("frictionless")
    out = subprocess.run([str(cli), "validate", str(BUILD / "datapackage.json")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
    assert "foreignKeys" in json.dumps(DESCRIPTOR)


def test_every_file_matches_its_hash_and_size():
    for res in DESCRIPTOR["resources"]:
        data = (BUILD / res["path"]).read_bytes()
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), res["path"]
        if res["format"] == "csv":
            assert res["bytes"] == len(data)


@pytest.mark.parametrize("table", schemas.table_names())
def test_duckdb_and_polars_read_every_parquet_with_the_csv_row_count(table):
    n = len(rows(table))
    assert n > 0, f"{table} is empty"
    path = str(BUILD / f"{table}.parquet")
    assert duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall()[0][0] == n
    assert pl.read_parquet(path).height == n


@pytest.mark.parametrize("table", schemas.table_names())
def test_parquet_types_follow_the_schema(table):
    arrow = pq.read_schema(BUILD / f"{table}.parquet")
    for f in schemas.fields(table):
        t = arrow.field(f["name"]).type
        if "enum" in f.get("constraints", {}) and f["type"] == "string":  # integer codes (type_of_violence) stay int64
            assert pa.types.is_dictionary(t), f["name"]
        else:
            assert t == {"date": pa.date32(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
                         "string": pa.string()}[f["type"]], f["name"]
    polars_types = pl.read_parquet(BUILD / f"{table}.parquet").schema
    for f in schemas.fields(table):
        if f["type"] == "date":
            assert polars_types[f["name"]] == pl.Date
        if f["type"] == "integer":
            assert polars_types[f["name"]] == pl.Int64
        if f["type"] == "number":
            assert polars_types[f["name"]] == pl.Float64


def test_every_evidence_span_hashes_to_its_sha256_and_a_published_quote_is_the_raw_text_at_its_offsets():
    sources = {s["source_id"]: s for s in rows("sources")}
    files = {sid: (ROOT / "raw" / s["file"]).read_bytes().decode("utf-8") for sid, s in sources.items()}
    for ev in rows("evidence"):
        text, start, end = files[ev["source_id"]], int(ev["char_start"]), int(ev["char_end"])
        assert hashlib.sha256(text[start:end].encode("utf-8")).hexdigest() == ev["quote_sha256"], ev["evidence_id"]
        if sources[ev["source_id"]]["redistribution"] == "full":
            assert ev["quote_status"] == "full" and text[start:end] == ev["quote"], ev["evidence_id"]
        elif ev["quote_status"] == "withheld":
            assert ev["quote"] == ev["quote_start"] == ev["quote_end"] == "", ev["evidence_id"]
        else:
            assert text[int(ev["quote_start"]):int(ev["quote_end"])] == ev["quote"] != "", ev["evidence_id"]
            assert start == int(ev["quote_start"]) <= int(ev["quote_end"]) <= end, ev["evidence_id"]


def test_every_row_has_evidence():
    covered = {(e["record_table"], e["record_id"]) for e in rows("evidence")}
    for table in ("events", "pledges", "casualties", "relations", "actors"):
        key = schemas.table_schema(table)["primaryKey"][0]
        for r in rows(table):
            assert (table, r[key]) in covered, (table, r[key])


def test_every_contract_table_is_published_in_both_formats():
    names = {r["name"] for r in DESCRIPTOR["resources"]}
    for table in schemas.table_names():
        assert {table, f"{table}-parquet"} <= names
    assert DESCRIPTOR["licenses"][0]["name"] == "CC-BY-SA-4.0"
    assert DESCRIPTOR["version"]
