"""`make diff FROM=<git ref or release zip>`: what changed between that package and build/, row by
row (by primary key, with DuckDB) and in the schemas, as Markdown for the changelog and JSON."""
import json
import logging
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path

import duckdb

from .files import BUILD, ROOT, WORK, PipelineError, read_json, write_json, write_bytes_atomic

log = logging.getLogger(__name__)


def old_package(ref, tmp):
    """A built package for FROM: the files of a release zip, or a build of a git ref in a scratch copy."""
    if ref.endswith(".zip"):
        with zipfile.ZipFile(ref) as z:
            z.extractall(tmp)
        return next(Path(tmp).iterdir())
    src = Path(tmp) / "src"
    src.mkdir()
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True)
    if archive.returncode:
        raise PipelineError(ref, 0, "neither a release zip nor a git ref", "give FROM=<tag, branch or commit> or FROM=dist/<name>.zip")
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    os.utime(src / "requirements.lock", (0, 0))  # reuse this checkout's .venv instead of reinstalling
    subprocess.run(["make", "--no-print-directory", "-C", str(src), f"VENV={ROOT / '.venv'}", "all"], check=True,
                   stdout=subprocess.DEVNULL)
    return src / "build"


def schema_diff(old, new):
    old_s = {r["name"]: r["schema"] for r in old["resources"] if r["format"] == "csv"}
    new_s = {r["name"]: r["schema"] for r in new["resources"] if r["format"] == "csv"}
    out = {"tables_added": sorted(set(new_s) - set(old_s)), "tables_removed": sorted(set(old_s) - set(new_s)), "columns": []}
    for table in sorted(set(old_s) & set(new_s)):
        of = {f["name"]: f for f in old_s[table]["fields"]}
        nf = {f["name"]: f for f in new_s[table]["fields"]}
        for name in sorted(set(of) | set(nf)):
            a, b = of.get(name), nf.get(name)
            if a is None or b is None:
                out["columns"].append({"table": table, "column": name, "change": "added" if a is None else "removed"})
                continue
            if a["type"] != b["type"]:
                out["columns"].append({"table": table, "column": name, "change": "type", "old": a["type"], "new": b["type"]})
            ac, bc = a.get("constraints", {}), b.get("constraints", {})
            added, removed = sorted(set(bc.get("enum") or []) - set(ac.get("enum") or [])), sorted(set(ac.get("enum") or []) - set(bc.get("enum") or []))
            if added or removed:
                out["columns"].append({"table": table, "column": name, "change": "enum", "added": added, "removed": removed})
            other = {k: (ac.get(k), bc.get(k)) for k in set(ac) | set(bc) if k != "enum" and ac.get(k) != bc.get(k)}
            if other:
                out["columns"].append({"table": table, "column": name, "change": "constraints",
                                       "old": {k: v[0] for k, v in other.items()}, "new": {k: v[1] for k, v in other.items()}})
    return out


def row_diff(old_dir, new_dir, table, key):
    """Added and removed keys and changed rows (field, old, new) of one table, compared as text."""
    con = duckdb.connect()
    con.execute(f"CREATE VIEW o AS SELECT * FROM read_csv('{old_dir / (table + '.csv')}', all_varchar=true, header=true)")
    con.execute(f"CREATE VIEW n AS SELECT * FROM read_csv('{new_dir / (table + '.csv')}', all_varchar=true, header=true)")
    k = " || '|' || ".join(f'coalesce("{c}", \'\')' for c in key)
    added = [r[0] for r in con.execute(f"SELECT {k} FROM n EXCEPT SELECT {k} FROM o ORDER BY 1").fetchall()]
    removed = [r[0] for r in con.execute(f"SELECT {k} FROM o EXCEPT SELECT {k} FROM n ORDER BY 1").fetchall()]
    common = [c[0] for c in con.execute("DESCRIBE o").fetchall() if c[0] in {d[0] for d in con.execute("DESCRIBE n").fetchall()}]
    changed = []
    for col in common:
        rows = con.execute(f'SELECT {k.replace(chr(34), chr(34))}, o."{col}", n."{col}" FROM o JOIN n USING ({", ".join(chr(34) + c + chr(34) for c in key)}) '
                           f'WHERE o."{col}" IS DISTINCT FROM n."{col}" ORDER BY 1').fetchall() if col not in key else []
        changed += [{"id": r[0], "field": col, "old": r[1], "new": r[2]} for r in rows]
    return {"added": added, "removed": removed, "changed": sorted(changed, key=lambda c: (c["id"], c["field"]))}


def diff(ref):
    with tempfile.TemporaryDirectory() as tmp:
        old_dir = old_package(ref, tmp)
        old, new = read_json(old_dir / "datapackage.json"), read_json(BUILD / "datapackage.json")
        result = {"from": ref, "from_version": old["version"], "to_version": new["version"],
                  "schema": schema_diff(old, new), "rows": {}}
        old_tables = {r["name"] for r in old["resources"] if r["format"] == "csv"}
        for res in new["resources"]:
            if res["format"] == "csv" and res["name"] in old_tables:
                result["rows"][res["name"]] = row_diff(old_dir, BUILD, res["name"], res["schema"]["primaryKey"])
    write_json(WORK / "diff.json", result)
    text = markdown(result)
    write_bytes_atomic(WORK / "diff.md", text.encode("utf-8"))
    print(text, end="")
    log.info("%d tables compared, %d schema changes, %d rows added, %d removed, %d changed",
             len(result["rows"]), sum(len(v) for v in result["schema"].values()),
             *(sum(len(r[k]) if k != "changed" else len({c["id"] for c in r[k]}) for r in result["rows"].values())
               for k in ("added", "removed", "changed")))


def markdown(d):
    out = [f"## Changes from {d['from_version']} ({d['from']}) to {d['to_version']}", ""]
    s = d["schema"]
    for t in s["tables_added"]:
        out.append(f"- table `{t}` added")
    for t in s["tables_removed"]:
        out.append(f"- table `{t}` removed")
    for c in s["columns"]:
        detail = {"added": "added", "removed": "removed", "type": f"type {c.get('old')} → {c.get('new')}",
                  "enum": f"enumeration +{c.get('added')} −{c.get('removed')}",
                  "constraints": f"constraints {c.get('old')} → {c.get('new')}"}[c["change"]]
        out.append(f"- column `{c['table']}.{c['column']}`: {detail}")
    for table, r in d["rows"].items():
        if r["added"] or r["removed"] or r["changed"]:
            out += ["", f"### {table}: {len(r['added'])} added, {len(r['removed'])} removed, {len({c['id'] for c in r['changed']})} changed", ""]
            out += [f"- added `{i}`" for i in r["added"]] + [f"- removed `{i}`" for i in r["removed"]]
            out += [f"- `{c['id']}` {c['field']}: {c['old']!r} → {c['new']!r}" for c in r["changed"]]
    if len(out) == 2:
        out.append("No changes.")
    return "\n".join(out) + "\n"
