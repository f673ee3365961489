"""The compatibility gate: the schemas and IDs of every release are kept in releases/<version>.json;
a working tree that removes, renames or retypes a table, column or enumeration value, or drops a
published ID, must raise the MAJOR version (or list the ID as retired in CHANGELOG.md)."""
import csv
import json
import re

from .files import read_json
from .files import version
from .paths import BUILD, CHANGELOG, RELEASES


def snapshot(build_dir=BUILD):
    """What a release promises: each table's columns (type, constraints) and its primary-key values."""
    descriptor = read_json(build_dir / "datapackage.json")
    tables, ids = {}, {}
    for res in descriptor["resources"]:
        if res["format"] != "csv":
            continue
        schema = res["schema"]
        tables[res["name"]] = {f["name"]: {"type": f["type"], "enum": f.get("constraints", {}).get("enum")} for f in schema["fields"]}
        with open(build_dir / res["path"], newline="", encoding="utf-8") as f:
            ids[res["name"]] = sorted("|".join(row[k] for k in schema["primaryKey"]) for row in csv.DictReader(f))
    return {"version": descriptor["version"], "tables": tables, "ids": ids}


def retired_ids():
    """IDs the changelog lists as retired, written `retired: <table>/<id>`."""
    text = CHANGELOG.read_text(encoding="utf-8")
    return set(re.findall(r"retired: `?([a-z_]+/[^\s`]+)`?", text))


def breaking_changes(old, new, retired=frozenset()):
    """Each change that needs a MAJOR version, as a sentence naming the table, column or ID and the rule."""
    out = []
    for table, columns in old["tables"].items():
        if table not in new["tables"]:
            out.append(f"table {table!r} was removed or renamed (rule: removing or renaming a table is MAJOR)")
            continue
        for column, spec in columns.items():
            now = new["tables"][table].get(column)
            if now is None:
                out.append(f"column {table}.{column} was removed or renamed (rule: removing or renaming a column is MAJOR)")
            elif now["type"] != spec["type"]:
                out.append(f"column {table}.{column} changed type {spec['type']} -> {now['type']} (rule: retyping a column is MAJOR)")
            elif spec["enum"] and set(spec["enum"]) - set(now["enum"] or spec["enum"]):
                gone = sorted(set(spec["enum"]) - set(now["enum"]))
                out.append(f"column {table}.{column} lost enumeration values {gone} (rule: removing an enumeration value is MAJOR)")
        gone_ids = set(old["ids"].get(table, [])) - set(new["ids"].get(table, [])) - {i.split("/", 1)[1] for i in retired if i.startswith(table + "/")}
        for i in sorted(gone_ids):
            out.append(f"ID {table}/{i} was published in {old['version']} and is gone (rule: a dropped ID is MAJOR unless "
                       f"CHANGELOG.md lists it as `retired: {table}/{i}`)")
    return out


def last_release():
    versions = sorted((tuple(map(int, p.stem.split("."))), p) for p in RELEASES.glob("*.json"))
    return read_json(versions[-1][1]) if versions else None


def check():
    """Problems of the working tree against the last release; empty when compatible or MAJOR was raised."""
    old = last_release()
    if old is None or int(version().split(".")[0]) > int(old["version"].split(".")[0]):
        return []
    return breaking_changes(old, snapshot(), retired_ids())


def record():
    """Keep the release's promise (schemas and IDs) in releases/<version>.json."""
    path = RELEASES / f"{version()}.json"
    RELEASES.mkdir(exist_ok=True)
    path.write_text(json.dumps(snapshot(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path
