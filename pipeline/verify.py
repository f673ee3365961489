#!/usr/bin/env python3
"""Verify a copy of the aq-is-conflict package, in anyone's CI: every file's sha256 (Parquet
included, which frictionless never checks), each table against its Table Schema, the Parquet
files against their CSV, and the foreign keys. Needs only the standard library and pyarrow.

    python verify.py [PACKAGE_FOLDER]      (default: the folder this file is in)

Exits 0 when everything holds; otherwise prints one line per problem, `file:row: problem`
(row 1 is the CSV header), and exits 1. This file is published at the root of build/ and of
every release zip; it imports nothing from the pipeline."""
import csv
import datetime
import hashlib
import json
import re
import sys
from pathlib import Path

MAX_PROBLEMS = 50


class Problems(list):
    def add(self, where, problem):
        self.append(f"{where}: {problem}")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_files(root, descriptor, problems):
    """Every resource's file exists with its recorded size and sha256; so does every line of SHA256SUMS."""
    for res in descriptor["resources"]:
        path = root / res["path"]
        if not path.is_file():
            problems.add(res["path"], "missing")
            continue
        if "bytes" in res and path.stat().st_size != res["bytes"]:
            problems.add(res["path"], f"{path.stat().st_size} bytes, the descriptor says {res['bytes']}")
        if "hash" in res and sha256(path) != res["hash"].removeprefix("sha256:"):
            problems.add(res["path"], "sha256 differs from the descriptor's hash (the file was changed or damaged)")
    sums = root / "SHA256SUMS"
    if sums.is_file():
        for n, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), 1):
            digest, _, name = line.partition("  ")
            target = root / name
            if not target.is_file():
                problems.add(f"SHA256SUMS:{n}", f"{name} is missing")
            elif sha256(target) != digest:
                problems.add(name, "sha256 differs from SHA256SUMS")


# What check_cell knows; a schema that asks for more is reported, never passed unchecked.
TYPES = ("string", "integer", "boolean", "date", "number")
CONSTRAINTS = ("required", "enum", "pattern", "minimum", "maximum")


def unchecked(field):
    """The type or constraints of a field that check_cell does not check, as one sentence (or None)."""
    rules = ([f"type {field.get('type')}"] if field.get("type", "string") not in TYPES else []) + \
        [f"constraint {k}" for k in field.get("constraints", {}) if k not in CONSTRAINTS]
    return f"{field['name']}: {', '.join(rules)} not checked by verify.py (it checks {', '.join(CONSTRAINTS)})" if rules else None


def parse(value, field):
    """The typed value of a CSV cell, or raise ValueError saying why it is not one."""
    kind = field.get("type", "string")
    if kind == "integer":
        if not re.fullmatch(r"-?[0-9]+", value):
            raise ValueError(f"{value!r} is not an integer")
        return int(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ValueError(f"{value!r} is not true or false")
        return value == "true"
    if kind == "date":  # fromisoformat alone also takes 20140301 and week dates
        try:
            if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                return datetime.date.fromisoformat(value)
        except ValueError:
            pass
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    if kind == "number":  # Table Schema's lexical form; float() alone also takes " 1", "1_000" and "infinity"
        if not re.fullmatch(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:nan|[+-]?inf)", value):
            raise ValueError(f"{value!r} is not a number")
        return float(value)
    return value


def check_cell(value, field):
    """Problems of one cell against its field's type and constraints."""
    c = field.get("constraints", {})
    if value == "":
        return ["required value is empty"] if c.get("required") else []
    try:
        typed = parse(value, field)
    except ValueError as e:
        return [f"{field['name']}: {e}"]
    out = []
    if "enum" in c and typed not in c["enum"]:  # typed: integer codes (type_of_violence) are numbers
        out.append(f"{field['name']}: {value!r} is not one of {c['enum']}")
    if "pattern" in c and not re.fullmatch(c["pattern"], value):
        out.append(f"{field['name']}: {value!r} does not match {c['pattern']}")
    if "minimum" in c and typed < c["minimum"]:
        out.append(f"{field['name']}: {value} is below the minimum {c['minimum']}")
    if "maximum" in c and typed > c["maximum"]:
        out.append(f"{field['name']}: {value} is above the maximum {c['maximum']}")
    return out


def read_table(root, res, problems):
    """The rows of a CSV resource as dicts of text, after checking the header and every cell."""
    schema, name = res["schema"], res["path"]
    fields = schema["fields"]
    with open(root / name, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        expected = [fl["name"] for fl in fields]
        if header != expected:
            problems.add(f"{name}:1", f"header is {header}, the schema says {expected}")
            return []
        for field in fields:
            if unchecked(field):
                problems.add(name, unchecked(field))
        rows, keys = [], {}
        pk = schema.get("primaryKey") or []
        pk = [pk] if isinstance(pk, str) else pk
        for n, cells in enumerate(reader, 2):
            if len(cells) != len(fields):
                problems.add(f"{name}:{n}", f"{len(cells)} cells, the header has {len(fields)}")
                continue
            for cell, field in zip(cells, fields):
                for p in check_cell(cell, field):
                    problems.add(f"{name}:{n}", p if p.startswith(field["name"]) else f"{field['name']}: {p}")
            row = dict(zip(expected, cells))
            if pk:
                key = tuple(row[k] for k in pk)
                if key in keys:
                    problems.add(f"{name}:{n}", f"primary key {list(key)} repeats row {keys[key]}")
                keys[key] = n
            rows.append(row)
    return rows


def check_parquet(root, res, csv_rows, problems):
    """A Parquet resource holds exactly its CSV twin's columns and cells."""
    import pyarrow.parquet as pq
    name = res["path"]
    try:
        table = pq.read_table(root / name)
    except Exception as e:  # a damaged file: report it, never a traceback
        problems.add(name, f"cannot be read as Parquet ({type(e).__name__}: {e})")
        return
    fields = res["schema"]["fields"]
    names = [f["name"] for f in fields]
    if table.column_names != names:
        problems.add(name, f"columns are {table.column_names}, the schema says {names}")
        return
    if table.num_rows != len(csv_rows):
        problems.add(name, f"{table.num_rows} rows, its CSV has {len(csv_rows)}")
        return
    for field, column in zip(fields, table.columns):
        try:
            values = column.to_pylist()
        except Exception as e:  # damaged data pages surface only when the values are decoded
            problems.add(name, f"column {field['name']} cannot be read ({type(e).__name__}: {e})")
            continue
        for n, (value, row) in enumerate(zip(values, csv_rows), 2):
            text = "" if value is None else ("true" if value is True else "false" if value is False else str(value))
            if text != row[field["name"]]:
                problems.add(f"{name}:{n}", f"{field['name']} is {text!r}, its CSV has {row[field['name']]!r}")
                break


def check_foreign_keys(tables, descriptor, problems):
    by_name = {r["name"]: r for r in descriptor["resources"]}
    for res in descriptor["resources"]:
        if res.get("format") != "csv":
            continue
        for fk in res["schema"].get("foreignKeys", []):
            ref = fk["reference"]
            target = ref.get("resource") or res["name"]
            local, remote = fk["fields"], ref["fields"]
            local, remote = ([local] if isinstance(local, str) else local), ([remote] if isinstance(remote, str) else remote)
            known = {tuple(r[k] for k in remote) for r in tables.get(target, [])}
            for n, row in enumerate(tables.get(res["name"], []), 2):
                key = tuple(row[k] for k in local)
                if any(key) and key not in known:
                    problems.add(f"{res['path']}:{n}", f"{', '.join(local)} {list(key)} is not in {by_name[target]['path']}")


def verify(root):
    root = Path(root)
    problems = Problems()
    try:
        descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return [f"datapackage.json: cannot be read ({e})"]
    check_files(root, descriptor, problems)
    tables = {}
    for res in descriptor["resources"]:
        if res.get("format") == "csv" and (root / res["path"]).is_file():
            tables[res["name"]] = read_table(root, res, problems)
    for res in descriptor["resources"]:
        twin = res["name"].removesuffix("-parquet")
        if res.get("format") == "parquet" and twin in tables and (root / res["path"]).is_file():
            check_parquet(root, res, tables[twin], problems)
    check_foreign_keys(tables, descriptor, problems)
    return problems


def main(argv):
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    problems = verify(root)
    for p in problems[:MAX_PROBLEMS]:
        print(p, file=sys.stderr)
    if len(problems) > MAX_PROBLEMS:
        print(f"... and {len(problems) - MAX_PROBLEMS} more", file=sys.stderr)
    if problems:
        print(f"verify: {len(problems)} problem(s) in {root}", file=sys.stderr)
        return 1
    print(f"verify: {root}: every file's sha256, every table against its schema, the Parquet files and the foreign keys hold")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
