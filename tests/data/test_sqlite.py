"""The SQLite database and its datasette metadata, checked against the published CSVs and the
schemas, by SQLite itself and by a real datasette server."""
import csv
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import run_stage
from pipeline import files, schemas
from pipeline.sqlite import table_sql

pytestmark = pytest.mark.data

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
DATABASE = BUILD / "aq-is-conflict.sqlite"
METADATA = BUILD / "datasette-metadata.json"
DB_NAME = DATABASE.stem


def csv_rows(table):
    with open(BUILD / f"{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def db():
    conn = sqlite3.connect(f"file:{DATABASE}?mode=ro", uri=True)
    yield conn
    conn.close()


def as_csv_text(value, ftype):
    """An SQLite value written as the package's CSV writes it."""
    if value is None:
        return ""
    if ftype == "boolean":
        return {0: "false", 1: "true"}[value]
    return str(value)


@pytest.mark.parametrize("table", schemas.table_names())
def test_every_row_and_value_round_trips_from_the_csv(db, table):
    expected = csv_rows(table)
    names = schemas.columns(table)
    got = db.execute(f'SELECT {", ".join(chr(34) + n + chr(34) for n in names)} FROM "{table}" ORDER BY rowid').fetchall()
    assert len(got) == len(expected) > 0
    types = {f["name"]: f["type"] for f in schemas.fields(table)}
    for row, want in zip(got, expected):
        assert {n: as_csv_text(v, types[n]) for n, v in zip(names, row)} == want


def test_dates_booleans_integers_and_nulls_keep_their_sqlite_types(db):
    """The round trip above compares text; here the stored types themselves, for every column."""
    seen = set()
    for table in schemas.table_names():
        for f in schemas.fields(table):
            stored = {t for (t,) in db.execute(f'SELECT DISTINCT typeof("{f["name"]}") FROM "{table}"')}
            allowed = {"integer": {"integer"}, "number": {"real"}, "boolean": {"integer"}, "date": {"text"},
                       "string": {"text"}}[f["type"]]
            if not f.get("constraints", {}).get("required"):
                allowed = allowed | {"null"}
            assert stored <= allowed, (table, f["name"], stored)
            seen |= {(f["type"], t) for t in stored}
    assert {("date", "text"), ("date", "null"), ("boolean", "integer"), ("integer", "null"), ("string", "null"),
            ("number", "real"), ("number", "null")} <= seen
    assert db.execute("SELECT count(*) FROM events WHERE date_start LIKE '____-__-__' AND date(date_start) = date_start").fetchone()[0] > 0
    assert {v for (v,) in db.execute("SELECT DISTINCT disputed FROM events")} == {0, 1}


@pytest.mark.parametrize("table", schemas.table_names())
def test_primary_and_foreign_keys_are_those_of_the_schema(db, table):
    schema = schemas.table_schema(table)
    info = db.execute(f'PRAGMA table_info("{table}")').fetchall()
    assert [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])] == schema["primaryKey"]
    required = {f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")}
    assert {r[1] for r in info if r[3]} == required
    declared = {}
    for fk_id, _, parent, child, parent_col, *_ in db.execute(f'PRAGMA foreign_key_list("{table}")'):
        declared.setdefault(fk_id, (parent, []))[1].append((child, parent_col))
    want = sorted((fk["reference"]["resource"], list(zip(fk["fields"], fk["reference"]["fields"]))) for fk in schema.get("foreignKeys", []))
    assert sorted(declared.values()) == want
    indexed = {tuple(r[2] for r in db.execute(f'PRAGMA index_info("{name}")')) for _, name, *_ in db.execute(f'PRAGMA index_list("{table}")')}
    for fk in schema.get("foreignKeys", []):
        assert any(cols[:len(fk["fields"])] == tuple(fk["fields"]) for cols in indexed), (table, fk["fields"])


def test_sqlite_finds_no_broken_foreign_key_and_an_intact_file(db):
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert sum(len(schemas.table_schema(t).get("foreignKeys", [])) for t in schemas.table_names()) > 0


BAD_VALUES = {"boolean": 2, "date": "2021-02-30", "integer": -1}


def test_the_generated_checks_refuse_values_the_schema_forbids(db):
    """Each CHECK and NOT NULL, tried on a copy of a real row with one value broken."""
    mem = sqlite3.connect(":memory:")
    tried = 0
    for table in schemas.table_names():
        mem.execute(table_sql(table))
        names = schemas.columns(table)
        row = dict(zip(names, db.execute(f'SELECT * FROM "{table}" LIMIT 1').fetchone()))
        insert = f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(names))})'
        for f in schemas.fields(table):
            c = f.get("constraints", {})
            bad = [None] if c.get("required") else []
            if "enum" in c:
                bad.append("not-a-value")
            if f["type"] in BAD_VALUES and (f["type"] != "integer" or "minimum" in c):
                bad.append(BAD_VALUES[f["type"]])
            for value in bad:
                with pytest.raises(sqlite3.IntegrityError):
                    mem.execute(insert, [value if n == f["name"] else row[n] for n in names])
                tried += 1
        mem.execute(insert, [row[n] for n in names])  # the real row itself passes
    assert tried > 100


def test_metadata_carries_every_description_the_schemas_have():
    meta = json.loads(METADATA.read_text())
    descriptor = json.loads((BUILD / "datapackage.json").read_text())
    assert (meta["title"], meta["license"]) == (descriptor["title"], descriptor["licenses"][0]["name"])
    tables = meta["databases"][DB_NAME]["tables"]
    assert list(tables) == schemas.table_names()
    for table in schemas.table_names():
        assert tables[table]["description"] == schemas.table_description(table)
        assert tables[table]["columns"] == {f["name"]: f["description"] for f in schemas.fields(table)}
        assert set(tables[table]["sortable_columns"]) >= set(schemas.table_schema(table)["primaryKey"])
    assert tables["actors"]["label_column"] == "name"


def test_a_clean_rebuild_of_the_database_is_byte_identical(tmp_path):
    """The stage run twice on a copy of the validated package gives the published bytes."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "schemas", root / "schemas")
    work = root / files.WORK.relative_to(files.ROOT)
    shutil.copytree(files.WORK / "package", work / "package")
    shutil.copytree(files.HASHES, work / files.HASHES.name)  # what the package stage recorded, checked by sqlite
    outputs = []
    for _ in range(2):
        for name in (DATABASE.name, METADATA.name):
            (work / name).unlink(missing_ok=True)
        out = run_stage(root, "sqlite")
        assert out.returncode == 0, out.stderr
        outputs.append(((work / DATABASE.name).read_bytes(), (work / METADATA.name).read_bytes()))
        time.sleep(1.1)  # a timestamp in the file would now differ
    assert outputs[0] == outputs[1] == (DATABASE.read_bytes(), METADATA.read_bytes())
    assert not [p.name for p in work.iterdir() if p.name.startswith(".")], "temporary files left behind"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def datasette():
    """`make serve`'s command on a free port; the server is always stopped afterwards."""
    port = free_port()
    binary = Path(sys.executable).with_name("datasette")
    server = subprocess.Popen([str(binary), "-i", str(DATABASE), "--metadata", str(METADATA), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get_json(f"{base}/-/versions.json")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"datasette did not answer: {server.stdout.read().decode(errors='replace') if server.poll() is not None else 'timeout'}")
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.parametrize("table", schemas.table_names())
def test_datasette_serves_every_table_with_all_its_rows(datasette, table):
    page = get_json(f"{datasette}/{DB_NAME}/{table}.json?_size=max&_shape=objects")
    assert page["filtered_table_rows_count"] == len(csv_rows(table))
    assert page["primary_keys"] == schemas.table_schema(table)["primaryKey"]
    rows = page["rows"]
    while page.get("next_url"):
        page = get_json(page["next_url"])
        rows += page["rows"]
    key = schemas.table_schema(table)["primaryKey"]
    assert len(rows) == len(csv_rows(table))
    assert {tuple(r[k] for k in key) for r in rows} == {tuple(r[k] for k in key) for r in csv_rows(table)}


def test_datasette_shows_the_column_descriptions_and_labels(datasette):
    served = get_json(f"{datasette}/-/metadata.json")["databases"][DB_NAME]["tables"]
    for table in schemas.table_names():
        assert served[table]["columns"] == {f["name"]: f["description"] for f in schemas.fields(table)}
    # a pledge's pledger is shown by the actor's name, through the foreign key and the label column
    pledge = get_json(f"{datasette}/{DB_NAME}/pledges.json?_shape=objects&_labels=on&_size=1")["rows"][0]
    actors = {r["actor_id"]: r["name"] for r in csv_rows("actors")}
    assert pledge["pledger_id"] == {"value": pledge["pledger_id"]["value"], "label": actors[pledge["pledger_id"]["value"]]}
