"""Stage sqlite: the validated package as one SQLite database, for SQL users and for datasette
(`make serve`), with its datasette metadata. Tables, column types, NOT NULL, CHECKs, primary and
foreign keys and their indexes are all generated from schemas/, so the database states the same
contract as the Table Schemas.

The file is byte-identical between clean builds: a new file each time, a fixed page size, rows
inserted in the package's order, no timestamps; its bytes depend only on the data and the
SQLite library. It is written to a temporary name and renamed, so a reader never sees half."""
import json
import logging
import os
import sqlite3
import tempfile

import pyarrow.parquet as pq

from . import schemas
from .files import PipelineError, check_recorded, os_error, read_json, rel, write_files
from .paths import DATABASE, PACKAGE, WORK

log = logging.getLogger(__name__)

METADATA = WORK / "datasette-metadata.json"
SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "TEXT", "string": "TEXT"}
PAGE_SIZE = 4096


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def literal(value):
    return "'" + str(value).replace("'", "''") + "'"


def column_sql(field):
    """One column definition: type, NOT NULL, and CHECKs for booleans, ISO dates, enumerations
    and minimums (a NULL passes a CHECK; NOT NULL handles required)."""
    name, constraints = quote(field["name"]), field.get("constraints", {})
    parts = [name, SQL_TYPES[field["type"]]]
    if constraints.get("required"):
        parts.append("NOT NULL")
    checks = []
    if field["type"] == "boolean":
        checks.append(f"{name} IN (0, 1)")
    if field["type"] == "date":
        checks.append(f"date({name}, '+0 days') IS {name}")  # only YYYY-MM-DD of a real day (the modifier normalizes 02-30)
    if "enum" in constraints:
        checks.append(f"{name} IN ({', '.join(literal(v) for v in constraints['enum'])})")
    if "minimum" in constraints:
        checks.append(f"{name} >= {int(constraints['minimum'])}")
    if "maximum" in constraints:
        checks.append(f"{name} <= {int(constraints['maximum'])}")
    parts += [f"CHECK ({c})" for c in checks]
    return " ".join(parts)


def table_sql(table):
    """CREATE TABLE with the Table Schema's primary and foreign keys."""
    schema = schemas.table_schema(table)
    lines = [column_sql(f) for f in schema["fields"]]
    lines.append(f"PRIMARY KEY ({', '.join(map(quote, schema['primaryKey']))})")
    for fk in schema.get("foreignKeys", []):
        ref = fk["reference"]
        lines.append(f"FOREIGN KEY ({', '.join(map(quote, fk['fields']))}) "
                     f"REFERENCES {quote(ref['resource'])} ({', '.join(map(quote, ref['fields']))})")
    return f"CREATE TABLE {quote(table)} (\n  " + ",\n  ".join(lines) + "\n)"


def index_sql(table):
    """An index on each foreign key's columns, unless the primary key's index already starts with them."""
    schema = schemas.table_schema(table)
    out = []
    for fk in schema.get("foreignKeys", []):
        cols = fk["fields"]
        if schema["primaryKey"][:len(cols)] == cols:
            continue
        statement = f"CREATE INDEX {quote(table + '_' + '_'.join(cols))} ON {quote(table)} ({', '.join(map(quote, cols))})"
        if statement not in out:
            out.append(statement)
    return out


def read_rows(table):
    """The table's rows from its validated Parquet file, as SQLite values: dates as ISO text,
    booleans as 0/1, enumerations as their text."""
    path = PACKAGE / f"{table}.parquet"
    if not path.exists():
        raise PipelineError(rel(path), 0, "the validated package has no such file", "run `make` so package and validate write it")
    fields = schemas.fields(table)
    names = [f["name"] for f in fields]
    data = pq.read_table(path)
    missing = [n for n in names if n not in data.column_names]
    if missing:
        raise PipelineError(rel(path), 0, f"columns {missing} of schemas/ are missing", "run `make` to repackage")
    columns = []
    for f in fields:
        values = data.column(f["name"]).to_pylist()
        if f["type"] == "date":
            values = [v.isoformat() if v is not None else None for v in values]
        elif f["type"] == "boolean":
            values = [int(v) if v is not None else None for v in values]
        columns.append(values)
    return names, list(zip(*columns))


def check(conn):
    """Foreign keys and the file's integrity, as SQLite itself sees them."""
    problems = [f"{t} row {rowid}: no {parent} row for foreign key #{fk}"
                for t, rowid, parent, fk in conn.execute("PRAGMA foreign_key_check")]
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems += integrity
    if problems:
        raise PipelineError(rel(DATABASE), 0, "SQLite refuses the data: " + "; ".join(problems[:10]),
                            "the package passed validation, so fix the schema-to-SQL mapping in pipeline/sqlite.py")


def build_database(path):
    """Write the whole database into a new file at `path`; returns {table: rows}."""
    counts = {}
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        conn.execute("BEGIN")
        for table in schemas.table_names():
            conn.execute(table_sql(table))
        for table in schemas.table_names():
            names, rows = read_rows(table)
            conn.executemany(f"INSERT INTO {quote(table)} ({', '.join(map(quote, names))}) "
                             f"VALUES ({', '.join('?' * len(names))})", rows)
            counts[table] = len(rows)
            log.debug("%s: %d rows", table, len(rows))
        for table in schemas.table_names():
            for statement in index_sql(table):
                conn.execute(statement)
        check(conn)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return counts


def metadata(database_name):
    """datasette's metadata: the descriptor's title, description, licence and sources; each
    table's and column's description from schemas/; sortable columns; a label column."""
    descriptor = read_json(PACKAGE / "datapackage.json")
    licence = descriptor["licenses"][0]
    tables = {}
    for table in schemas.table_names():
        schema = schemas.table_schema(table)
        keys = set(schema["primaryKey"]) | {c for fk in schema.get("foreignKeys", []) for c in fk["fields"]}
        names = [f["name"] for f in schema["fields"]]
        label = next((n for n in ("name", "title") if n in names), None)
        # sorting long free text is of no use; keys, labels, enumerations, dates and numbers sort
        sortable = [f["name"] for f in schema["fields"]
                    if f["type"] != "string" or f["name"] in keys or f["name"] == label or "enum" in f.get("constraints", {})]
        tables[table] = {"description": schemas.table_description(table),
                         "columns": {f["name"]: f["description"] for f in schema["fields"]},
                         "sortable_columns": sortable,
                         **({"label_column": label} if label else {})}
    return {"title": descriptor["title"], "description": descriptor["description"],
            "license": licence["name"], "license_url": licence["path"],
            "source": "; ".join(s["title"] for s in descriptor["sources"]),
            "databases": {database_name: {"tables": tables}}}


def sqlite():
    """Write WORK/aq-is-conflict.sqlite and WORK/datasette-metadata.json from the validated package."""
    check_recorded("package")  # the package as validated, not altered since
    # keys in schema order, not sorted: datasette lists column descriptions in this order
    meta = (json.dumps(metadata(DATABASE.stem), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    try:
        fd, tmp = tempfile.mkstemp(dir=DATABASE.parent, prefix=f".{DATABASE.name}.")
    except OSError as e:
        raise os_error(e, DATABASE) from None
    os.close(fd)  # an empty file: SQLite starts a new database in it
    try:
        counts = build_database(tmp)
        data = open(tmp, "rb").read()
    except sqlite3.OperationalError as e:
        if "full" not in str(e) and "I/O" not in str(e):  # "database or disk is full", "disk I/O error"
            raise
        raise PipelineError(rel(DATABASE), 0, f"SQLite cannot write the database ({e})", "free space on that disk, then run make again") from None
    finally:
        for leftover in (tmp, tmp + "-journal"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    write_files("sqlite", {METADATA: meta, DATABASE: data})
    foreign_keys = sum(len(schemas.table_schema(t).get("foreignKeys", [])) for t in counts)
    log.info("%d tables, %d rows, %d foreign keys, %d indexes -> %s", len(counts), sum(counts.values()),
             foreign_keys, sum(len(index_sql(t)) for t in counts), rel(DATABASE))
