"""`make diff FROM=<git ref or release zip>`: what changed between that package and build/, row by
row (by primary key, with DuckDB) and in the schemas, as Markdown for the changelog and JSON.

FROM is untrusted: a zip is checked before anything is unpacked, and only into a temporary
folder; a ref is resolved to a commit by git; no name from either is ever spliced into SQL (file
paths are DuckDB parameters, columns quoted identifiers) or a shell."""
import json
import logging
import os
import stat
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

import duckdb

from .files import PipelineError, read_json, write_bytes_atomic, write_json
from .paths import BUILD, ROOT, WORK

log = logging.getLogger(__name__)

# A release zip is a few MB: far larger ones, or ones unpacking to far more, are refused unread.
MAX_ZIP_BYTES = 64 << 20
MAX_UNPACKED_BYTES = 256 << 20
MAX_MEMBERS = 10_000
NOT_A_RELEASE = "give FROM=dist/<name>.zip as `make release` writes it, or FROM=<tag, branch or commit>"


def cut(text, n=80):
    """A value from outside, shortened for a message."""
    text = str(text)
    return repr(text if len(text) <= n else text[:n] + "...")


def old_package(ref, tmp):
    """A built package for FROM: the files of a release zip, or a build of a git ref in a scratch copy."""
    if ref.endswith(".zip") or Path(ref).is_file():
        return unpack(Path(ref), Path(tmp))
    if ref.startswith("-"):
        raise PipelineError(cut(ref), 0, "a git ref cannot start with '-'", NOT_A_RELEASE)
    rev = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
                         cwd=ROOT, capture_output=True, text=True)
    if rev.returncode:
        raise PipelineError(cut(ref), 0, "neither a release zip nor a git ref", NOT_A_RELEASE)
    src = Path(tmp) / "src"
    src.mkdir()
    archive = subprocess.run(["git", "archive", rev.stdout.strip()], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    os.utime(src / "requirements.lock", (0, 0))  # reuse this checkout's .venv instead of reinstalling
    # a fresh make: none of this make's variables (FROM among them) reach the old Makefile
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "FROM", "SOURCE")}
    built = subprocess.run(["make", "--no-print-directory", "-C", str(src), f"VENV={ROOT / '.venv'}", "all"],
                           stdout=subprocess.DEVNULL, env=env)
    if built.returncode:
        raise PipelineError(cut(ref), 0, "the package of that ref does not build (its messages are above)", "diff against a ref that builds")
    return src / "build"


def unpack(path, tmp):
    """The package folder of a release zip, unpacked into tmp only after every member passed: one
    folder of plain files and folders, no absolute path, no `..`, no link or device, no encryption,
    and a bounded size packed and unpacked (no zip bomb)."""
    where = cut(path)
    if not path.is_file():
        raise PipelineError(where, 0, "no such file", NOT_A_RELEASE)
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise PipelineError(where, 0, f"larger than {MAX_ZIP_BYTES >> 20} MiB: not a release of this package", NOT_A_RELEASE)
    if not zipfile.is_zipfile(path):
        raise PipelineError(where, 0, "not a zip file", NOT_A_RELEASE)
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
            tops = {m.filename.split("/")[0] for m in members}
            problem = (f"more than {MAX_MEMBERS} members" if len(members) > MAX_MEMBERS
                       else next((p for p in map(_member_problem, members) if p), None)
                       or ("not one folder" if len(tops) != 1
                           else f"unpacks to more than {MAX_UNPACKED_BYTES >> 20} MiB" if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES
                           else "a name is used twice" if len({m.filename for m in members}) != len(members) else None))
            if problem:
                raise PipelineError(where, 0, f"refused: {problem}", NOT_A_RELEASE)
            left = MAX_UNPACKED_BYTES
            for m in members:
                dest = tmp / m.filename
                if m.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with z.open(m) as src, open(dest, "xb") as out:
                    while block := src.read(1 << 20):
                        left -= len(block)
                        if left < 0:  # sizes in a zip's headers can lie
                            raise PipelineError(where, 0, f"refused: unpacks to more than {MAX_UNPACKED_BYTES >> 20} MiB", NOT_A_RELEASE)
                        out.write(block)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as e:
        raise PipelineError(where, 0, f"a damaged or unsupported zip ({cut(e)})", NOT_A_RELEASE) from None
    folder = tmp / tops.pop()
    if not (folder / "datapackage.json").is_file():
        raise PipelineError(where, 0, "has no datapackage.json in its folder", NOT_A_RELEASE)
    return folder


def _member_problem(m):
    """Why a zip member may not be unpacked, or None."""
    name = m.filename
    parts = name.rstrip("/").split("/")
    kind = stat.S_IFMT(m.external_attr >> 16)
    if name.startswith("/") or "\\" in name or ":" in parts[0] or any(p in ("", ".", "..") for p in parts):
        return f"member {cut(name)} is not a plain relative path"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return f"member {cut(name)} is a link or a special file"
    if m.flag_bits & 0x1:
        return f"member {cut(name)} is encrypted"
    return None


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


def ident(name):
    """A column name as a DuckDB quoted identifier, whatever characters it has."""
    return '"' + str(name).replace('"', '""') + '"'


def inside(folder, path):
    """A resource path of a package, refused unless it names a file inside the package's folder."""
    target = (Path(folder) / str(path)).resolve()
    if not target.is_relative_to(Path(folder).resolve()) or not target.is_file():
        raise ValueError(f"resource path {cut(path)} is not a file inside the package")
    return str(target)


def row_diff(old_csv, new_csv, key):
    """Added and removed keys and changed rows (field, old, new) of one table, compared as text."""
    con = duckdb.connect()
    for alias, path in (("o", old_csv), ("n", new_csv)):
        con.execute(f"CREATE TABLE {alias} AS SELECT * FROM read_csv($path, all_varchar=true, header=true)", {"path": str(path)})
    con.execute("SET enable_external_access = false")  # both tables are read: no file access from here on
    k = " || '|' || ".join(f"coalesce({ident(c)}, '')" for c in key)
    added = [r[0] for r in con.execute(f"SELECT {k} FROM n EXCEPT SELECT {k} FROM o ORDER BY 1").fetchall()]
    removed = [r[0] for r in con.execute(f"SELECT {k} FROM o EXCEPT SELECT {k} FROM n ORDER BY 1").fetchall()]
    new_columns = {c[0] for c in con.execute("DESCRIBE n").fetchall()}
    common = [c[0] for c in con.execute("DESCRIBE o").fetchall() if c[0] in new_columns and c[0] not in key]
    changed = []
    for col in common:
        rows = con.execute(f"SELECT {k}, o.{ident(col)}, n.{ident(col)} FROM o JOIN n USING ({', '.join(map(ident, key))}) "
                           f"WHERE o.{ident(col)} IS DISTINCT FROM n.{ident(col)} ORDER BY 1").fetchall()
        changed += [{"id": r[0], "field": col, "old": r[1], "new": r[2]} for r in rows]
    return {"added": added, "removed": removed, "changed": sorted(changed, key=lambda c: (c["id"], c["field"]))}


def diff(ref):
    new = read_json(BUILD / "datapackage.json")
    with tempfile.TemporaryDirectory() as tmp:
        old_dir = old_package(ref, tmp)
        try:  # the old package is foreign data: any shape it has that we cannot read is its fault
            old = json.loads((old_dir / "datapackage.json").read_text(encoding="utf-8"))
            result = {"from": ref, "from_version": str(old["version"]), "to_version": new["version"],
                      "schema": schema_diff(old, new), "rows": {}}
            old_paths = {r["name"]: r["path"] for r in old["resources"] if r["format"] == "csv"}
            for res in new["resources"]:
                if res["format"] == "csv" and res["name"] in old_paths and res["schema"].get("primaryKey"):
                    result["rows"][res["name"]] = row_diff(inside(old_dir, old_paths[res["name"]]), inside(BUILD, res["path"]),
                                                           res["schema"]["primaryKey"])
        except (ValueError, KeyError, TypeError, AttributeError, duckdb.Error) as e:
            raise PipelineError(cut(ref), 0, f"its package cannot be read as one of this project ({type(e).__name__}: {cut(e, 200)})",
                                NOT_A_RELEASE) from None
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
