"""Stage 4, package: write every table as CSV and typed Parquet with one Data Package
descriptor into .work/package/; promote publishes it once validation has passed.

Everything written is a function of the inputs and the last commit: no wall-clock time,
fixed Parquet writer settings, sorted rows and keys."""
import csv
import datetime
import hashlib
import io
import json
import logging
import os
import subprocess

from . import places, policy, schemas
from .exports import export_rows
from .card import card
from .croissant import croissant
from .files import read_json, rel, version, write_folder
from .ingest import load_manifest
from .paths import CODE, LINKED_TABLES, PACKAGE, ROOT, ingest_file
from .typed import parquet_bytes, read_rows

log = logging.getLogger(__name__)

# What csv_bytes writes, stated in the descriptor for readers that do not guess (RFC 4180, `\n` line ends)
CSV_DIALECT = {"header": True, "delimiter": ",", "lineTerminator": "\n", "quoteChar": "\"", "doubleQuote": True}


def last_commit_date():
    """`created` for the descriptor: SOURCE_DATE_EPOCH if set, else the last commit's date, so
    rebuilds of a commit are identical."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        stamp = datetime.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), datetime.timezone.utc)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%cI"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out = ""
    if not out:
        return "1970-01-01T00:00:00Z"
    return datetime.datetime.fromisoformat(out).astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cell(value, ftype):
    if value is None or value == "":
        return ""
    if ftype == "boolean":
        return "true" if value else "false"
    return str(value)


def csv_bytes(table, rows):
    fields = schemas.fields(table)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([f["name"] for f in fields])
    for row in rows:
        writer.writerow([_cell(row[f["name"]], f["type"]) for f in fields])
    return buf.getvalue().encode("utf-8")


def _digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(resources):
    manifest = {e["source_id"]: e for e in load_manifest()}
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "aq-is-conflict",
        "title": "Al-Qaeda–Islamic State Conflict Dataset",
        "description": "Events, actors, pledges of allegiance, casualties and relations of the conflict between "
                       "al-Qaeda, the Islamic State and their branches, each row with verbatim evidence.",
        "version": version(),
        "created": last_commit_date(),
        "licenses": [{"name": "CC-BY-SA-4.0", "path": "https://creativecommons.org/licenses/by-sa/4.0/",
                      "title": "Creative Commons Attribution-ShareAlike 4.0"},
                     places.GEONAMES_LICENSE],
        "x-redistribution": redistribution_statement(manifest.values()),
        "contributors": [{"title": "aq-is-conflict maintainers", "roles": ["author", "publisher"]}],
        "sources": [{"title": f"{m['title']} ({m['publisher']})", **({"path": m["url"]} if m["url"] else {}),
                     "version": m["sha256"]} for m in manifest.values()] + [places.geonames_source()],
        "resources": resources,
        "x-built-with": {name: _version_of(name) for name in ("frictionless", "pandas", "pyarrow", "edtf", "text2num")},
    }


def redistribution_statement(entries):
    """What the licence covers and which sources' words are cut or withheld, and why: one sentence
    per policy, from the manifest (the descriptor, README, site and datasheet say the same)."""
    by = {}
    for e in entries:
        by.setdefault(e["redistribution"], []).append(e)
    parts = ["The tables, the site and the documentation are ours, under CC BY-SA 4.0; the quotes in the evidence "
             "table remain their authors' words under each source's terms."]
    if by.get("full"):
        parts.append("Quoted whole (openly licensed): " + "; ".join(f"{e['source_id']} ({e['license']})" for e in by["full"]) + ".")
    if by.get("excerpts"):
        parts.append("Cut to short excerpts or withheld (quotation for research: no passage over "
                     f"{policy.RULES['max_passage']} characters, less than {policy.RULES['max_share']:.0%} of the text): "
                     + "; ".join(f"{e['source_id']} ({e['redistribution_reason']})" for e in by["excerpts"]))
    if by.get("none"):
        parts.append("Withheld entirely: " + "; ".join(f"{e['source_id']} ({e['redistribution_reason']})" for e in by["none"]))
    parts.append("No table holds a source's full text, and the site embeds the full text of the openly licensed sources "
                 "only; every evidence row keeps its offsets and the sha256 of the quoted span, so anyone holding the source "
                 "can check it.")
    return " ".join(parts)


def citation(package_descriptor):
    """How to cite this version, in one line (CITATION.cff says the same for GitHub and Zenodo)."""
    d = package_descriptor
    return f"{d['contributors'][0]['title']} ({d['created'][:4]}). {d['title']} ({d['name']}), version {d['version']}. Data package."


def _version_of(name):
    from importlib.metadata import version as v
    return v(name)


def package():
    """Write all tables, the Table Schemas and the descriptor into .work/package/."""
    tables = {t: read_rows(LINKED_TABLES / f"{t}.parquet", t, "link") for t in schemas.table_names()}
    manifest = load_manifest()
    texts = {e["source_id"]: read_json(ingest_file(e['source_id']))["text"] for e in manifest}
    policies = {e["source_id"]: e["redistribution"] for e in manifest}
    # what the other columns already hold of each source's words (names, date and count words,
    # titles, summaries) counts against the same budget as the evidence excerpts
    others = ["\n".join(str(r[c]) for r in rows if r[c] not in (None, "")) for table, rows in tables.items()
              for c in schemas.columns(table) if (table, c) != ("evidence", "quote")]
    taken = policy.found_runs({s: t for s, t in texts.items() if policies[s] != "full"}, others)
    policy.cut(tables["evidence"], texts, policies, taken)
    files, resources = {}, []
    exported = export_rows(tables)
    # the contract's tables at the top; the exports in other formats' columns under exports/
    for table, rows, folder in [(t, tables[t], "") for t in schemas.table_names()] + [(n, exported[n], "exports/") for n in exported]:
        csv_data, parquet_data = csv_bytes(table, rows), parquet_bytes(table, rows)
        files[f"{folder}{table}.csv"], files[f"{folder}{table}.parquet"] = csv_data, parquet_data
        files[f"schemas/{table}.json"] = _json_bytes(standalone_schema(table))
        common = {"type": "table", "description": schemas.table_description(table)}
        resources.append({"name": table, "path": f"{folder}{table}.csv", "format": "csv", "mediatype": "text/csv",
                          "encoding": "utf-8", "dialect": CSV_DIALECT, "bytes": len(csv_data), "hash": _digest(csv_data), **common,
                          "schema": schemas.table_schema(table)})
        # no `bytes` on Parquet: frictionless 5.21 fails it wrongly; validate checks size and hash itself
        resources.append({"name": f"{table}-parquet", "path": f"{folder}{table}.parquet", "format": "parquet",
                          "mediatype": "application/vnd.apache.parquet", "hash": _digest(parquet_data), **common,
                          "schema": schemas.table_schema(table, "-parquet")})
        log.debug("%s: %d rows, %d bytes CSV, %d bytes Parquet", table, len(rows), len(csv_data), len(parquet_data))
    package_descriptor = descriptor(resources)
    how_to_cite = citation(package_descriptor)
    files["croissant.json"] = _json_bytes(croissant(package_descriptor, how_to_cite))
    files["README.md"] = card(package_descriptor, how_to_cite, {**{t: len(tables[t]) for t in schemas.table_names()},
                                                                **{n: len(r) for n, r in exported.items()}}).encode("utf-8")
    # the package's own checker, for users' CI: standard library and pyarrow only
    files["verify.py"] = (CODE / "verify.py").read_bytes()
    files["datapackage.json"] = _json_bytes(package_descriptor)  # the Make target, last
    write_folder("package", PACKAGE, files)
    log.info("%d tables and %d exports, %d rows, as CSV and Parquet -> %s", len(schemas.table_names()), len(exported),
             sum(len(tables[t]) for t in schemas.table_names()),
             rel(PACKAGE))


def standalone_schema(table):
    """The published schemas/<table>.json validates its table alone (`frictionless validate
    events.csv --schema schemas/events.json`): foreign keys need the other tables, so they stay
    in datapackage.json, where the whole package is validated."""
    schema = schemas.table_schema(table)
    schema.pop("foreignKeys", None)
    return schema


def _json_bytes(obj):
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")
