"""Stage docs: the codebook (every table, column and enumeration value, with the date and count
conventions, the confidence rule and the source grades) and the datasheet (the questions of
Gebru et al., "Datasheets for Datasets", answered with numbers computed from the validated
package and quality.json), as Markdown and as self-contained HTML pages in WORK/docs/.

Generated from schemas/, pipeline/conventions.yaml and the package, so the documentation
cannot disagree with the data; nothing in it depends on the clock, so rebuilds are identical."""
import csv
import html
import re
import sys
from collections import Counter

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from . import schemas
from .conventions import CONVENTIONS
from .files import PipelineError, check_recorded, read_json, rel, write_folder
from .files import version
from .paths import DOCS, PACKAGE, QUALITY, TEMPLATES, WORK, ingest_file

RECORD_TABLES = list(schemas.declaration("evidence", "record_table")["values"])  # the tables evidence supports


# ---------------------------------------------------------------- inputs

def codebook_tables():
    """Every table of schemas/ with its keys and columns, and each column's vocabulary."""
    out = []
    for table in schemas.table_names():
        schema = schemas.table_schema(table)
        columns = []
        for f in schema["fields"]:
            constraints = f.get("constraints", {})
            columns.append({"name": f["name"], "type": f["type"], "description": f["description"],
                            "required": bool(constraints.get("required")), "constraints": constraints,
                            **schemas.declaration(table, f["name"])})
        out.append({"name": table, "description": schemas.table_description(table), "columns": columns,
                    "primary_key": schema["primaryKey"], "foreign_keys": schema.get("foreignKeys", [])})
    return out


def check_documented(tables):
    """Refuse a column without a description, or an enumeration value without a meaning: the
    codebook must explain everything it lists."""
    for t in tables:
        if not str(t["description"] or "").strip():
            raise PipelineError("schemas/tables.yaml", 0, f"table {t['name']} has no description",
                                "write one sentence saying what a row of the table is")
        for c in t["columns"]:
            if not str(c["description"] or "").strip():
                raise PipelineError(c["file"], c["line"], f"column {t['name']}.{c['name']} has no description",
                                    "write one sentence saying what the column holds")
            if "enum" in c["constraints"]:
                for value in c["constraints"]["enum"]:
                    if not str((c["values"] or {}).get(value) or "").strip():
                        raise PipelineError(c["file"], c["line"], f"value {value!r} of {t['name']}.{c['name']} has no meaning",
                                            f"write its meaning under `values:` ({value}: \"...\")")


def read_package():
    """Every table of the validated package as rows of CSV strings, by table name."""
    descriptor = PACKAGE / "datapackage.json"
    if not descriptor.exists():
        raise PipelineError(rel(descriptor), 0, "the package is missing", "run make (package and validate) first")
    tables = {}
    for res in read_json(descriptor)["resources"]:
        if res["format"] == "csv":
            with open(PACKAGE / res["path"], newline="", encoding="utf-8") as f:
                tables[res["name"]] = list(csv.DictReader(f))
    return tables


def read_quality(package):
    """quality.json of this package: validation passed and its counts are the package's."""
    path = QUALITY
    if not path.exists():
        raise PipelineError(rel(path), 0, "the quality report is missing", "run make (validate) first")
    quality = read_json(path)
    counts = {t: len(package[t]) for t in schemas.table_names()}  # the exports are views of these
    if quality.get("counts") != counts or quality.get("version") != version():
        raise PipelineError(rel(path), 0, "the quality report is not the staged package's (its counts or version differ)",
                            "run make (validate) again")
    return quality


# ---------------------------------------------------------------- Markdown helpers

def md_text(value):
    """Free text safe inside Markdown (and a table cell): escapes what would become markup."""
    s = str(value).replace("\\", "\\\\").replace("\n", " ")
    s = re.sub(r"([`*\[\]<>|#])", r"\\\1", s)
    return re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", s)


def md_code(value):
    """An inline code span that survives backticks and pipes in the value."""
    s = str(value).replace("|", "\\|")
    fence = "``" if "`" in s else "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def slug(text):
    """The anchor of a heading, as GitHub writes it: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def pct(part, whole):
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def ordered(counts, table, column):
    """(value, count) for every value of an enumeration, in the schema's order."""
    return [(value, counts.get(value, 0)) for value in schemas.enum_values(table, column)]


# ---------------------------------------------------------------- the codebook

def vocabulary_title(key):
    if "." in key:
        group, member = key.split(".")
        return f"Values of `<prefix>_{member}` ({group} groups)"
    return f"Values of `{key}`"


def heading_text(markdown_heading):
    """The text a heading's anchor is made from (code spans keep their content)."""
    return markdown_heading.replace("`", "")


def vocabularies(tables, package):
    """Each enumeration once, in schema order: its values with meanings, the columns using it,
    and how many rows of the package hold each value."""
    out = {}
    for t in tables:
        for c in t["columns"]:
            if "enum" not in c["constraints"]:
                continue
            v = out.setdefault(c["key"], {"key": c["key"], "title": vocabulary_title(c["key"]), "columns": [],
                                          "values": c["values"], "rows": Counter()})
            v["columns"].append((t["name"], c["name"]))
            v["rows"].update(r[c["name"]] for r in package.get(t["name"], []))
    for v in out.values():
        v["anchor"] = slug(heading_text(v["title"]))
        v["values"] = [(value, meaning, v["rows"][value]) for value, meaning in v["values"].items()]
    return list(out.values())


def constraint_text(column, vocab_by_key):
    parts = []
    c = column["constraints"]
    if "pattern" in c:
        parts.append(f"pattern {md_code(c['pattern'])}")
    if "minimum" in c:
        parts.append(f"minimum {c['minimum']}")
    if "maximum" in c:
        parts.append(f"maximum {c['maximum']}")
    if "enum" in c:
        v = vocab_by_key[column["key"]]
        parts.append(f"one of the {len(c['enum'])} [values](#{v['anchor']})")
    return "; ".join(parts)


def date_examples(package):
    """Real date groups from the package: a few per precision, then the special cases."""
    seen, rows = set(), []
    for table, table_rows in package.items():
        prefixes = [c.removesuffix("_edtf") for c in schemas.columns(table) if c.endswith("_edtf")]
        for r in table_rows:
            for p in prefixes:
                ex = {k: r[f"{p}_{k}"] for k in ("text", "edtf", "start", "end", "precision", "year_inferred")}
                if ex["text"] and (ex["text"], ex["edtf"]) not in seen:
                    seen.add((ex["text"], ex["edtf"]))
                    rows.append(ex)
    rows.sort(key=lambda e: (len(e["text"]), e["text"], e["edtf"]))
    picked = []
    for precision in schemas.declaration("events", "date_precision")["values"]:
        picked += [e for e in rows if e["precision"] == precision][:2]
    special = [("a range", lambda e: re.search(r"\s(?:–|-|to|and)\s", e["text"]) and not e["edtf"].endswith("/..")),
               ("open-ended", lambda e: e["edtf"].endswith("/..")),
               ("year unknown", lambda e: e["edtf"].startswith("XXXX")),
               ("year inferred", lambda e: e["year_inferred"] == "true")]
    for label, test in special:
        picked += [{**e, "note": label} for e in rows if test(e) and e not in picked][:1]
    return picked


def count_examples(package):
    """Real count groups from the casualties table, up to two per qualifier."""
    rows = sorted({(r["count_text"], r["count_low"], r["count_high"], r["count_best"], r["count_qualifier"])
                   for r in package.get("casualties", [])}, key=lambda r: (len(r[0]), r))
    out = []
    for qualifier in schemas.declaration("casualties", "count_qualifier")["values"]:
        out += [r for r in rows if r[4] == qualifier][:2]
    return out


def confidence_rule():
    """The rule of conventions.yaml, one sentence per confidence value ("low: ...", "high: ...")."""
    levels = "|".join(map(re.escape, schemas.declaration("events", "confidence")["values"]))
    return [part.strip() for part in re.split(rf"\s(?=(?:{levels}): )", CONVENTIONS["confidence"]["meaning"].strip())]


def codebook_context(tables, package):
    """Everything the codebook prints: schemas/, conventions.yaml, and row counts of the package."""
    vocabs = vocabularies(tables, package)
    by_key = {v["key"]: v for v in vocabs}
    for t in tables:
        t["anchor"] = slug(f"table {t['name']}")
        t["rows"] = len(package[t["name"]])
        for c in t["columns"]:
            c["constraint_text"] = constraint_text(c, by_key)
    dates = CONVENTIONS["dates"]
    categories = {}
    for event_type, category in CONVENTIONS["event_categories"].items():
        categories.setdefault(category, []).append(event_type)
    return {
        "version": version(), "tables": tables, "vocabularies": vocabs, "counts": CONVENTIONS["counts"],
        "vague": CONVENTIONS["counts"]["vague"], "dates": dates, "date_parts": [
            ("part_of_month", "Part of a month", "days"), ("part_of_year", "Part of a year", "months"),
            ("half_of_year", "Half of a year", "months"), ("seasons", "Seasons", "months")],
        "date_examples": date_examples(package), "count_examples": count_examples(package),
        "categories": [(c, categories.get(c, [])) for c in schemas.declaration("events", "event_category")["values"]],
        "confidence": CONVENTIONS["confidence"], "independence": CONVENTIONS["independence"],
        "confidence_rule": confidence_rule(), "disputed": CONVENTIONS["disputed"],
        "grades": schemas.declaration("sources", "reliability")["values"],
        "sources": package["sources"], "n_columns": sum(len(t["columns"]) for t in tables),
        "dyads": CONVENTIONS["dyads"], "deaths": CONVENTIONS["deaths"], "exports": exports_context(package),
        "acled_types": CONVENTIONS["acled"]["event_types"], "without_dyad": without_dyad(package),
    }


def without_dyad(package):
    """Violent events that have no dyad (their sources name one party, or the same party twice),
    so a user summing by dyad knows what the sum leaves out."""
    parties = {}
    for ea in package["event_actors"]:
        parties.setdefault(ea["event_id"], set()).add(ea["actor_id"])
    return [{"event_id": e["event_id"], "title": e["title"], "parties": sorted(parties.get(e["event_id"], ()))}
            for e in sorted(package["events"], key=lambda e: e["event_id"])
            if e["event_category"] == "violent" and not e["dyad_id"]]


def exports_context(package):
    """Each export's notes (schemas/exports.yaml), its rule (conventions.yaml) and its row counts."""
    rules = {"ucdp-ged": CONVENTIONS["ged"]["meaning"], "acled": CONVENTIONS["acled"]["meaning"]}
    out = []
    for name in schemas.export_names():
        spec, rows = schemas.export_spec(name), len(package[name])
        out.append({**spec, "name": name, "rows": rows, "events": len(package["events"]), "rule": rules[name],
                    "left_out_rows": len(package["events"]) - rows, "columns": schemas.columns(name)})
    return out


# ---------------------------------------------------------------- the datasheet

def measured_exposure(sources):
    """How much of each source the other published files hold (policy.measure over everything
    promote publishes but these documents, whose own words the test suite measures). A source
    above its policy's caps is logged and marked in the datasheet; the test suite fails on it."""
    from . import policy
    from .promote import PUBLISHED
    texts = {s["source_id"]: read_json(ingest_file(s['source_id']))["text"] for s in sources}
    measured = policy.measure(texts, policy.tree_texts(*(WORK / src for src, dst in PUBLISHED if dst != "docs")))
    for problem in policy.over_caps({s["source_id"]: measured[s["source_id"]] for s in sources if s["redistribution"] != "full"}):
        print(f"docs: warning: {problem}", file=sys.stderr)
    return measured


def datasheet_context(tables, package, quality, descriptor):
    """Every number the datasheet prints, computed from the package and quality.json."""
    sources = package["sources"]
    grade_of = {s["source_id"]: s["reliability"] for s in sources}
    type_of = {s["source_id"]: s["source_type"] for s in sources}
    low_grades = CONVENTIONS["confidence"]["low_grades"]
    evidence = package["evidence"]
    support = {}  # (table, id) -> sources
    for e in evidence:
        support.setdefault((e["record_table"], e["record_id"]), set()).add(e["source_id"])
    key_of = {t: schemas.table_schema(t)["primaryKey"][0] for t in RECORD_TABLES}  # once per table, not per row
    records = {(t, r[key_of[t]]) for t in RECORD_TABLES for r in package[t]}
    low_sources = [s for s in sources if s["reliability"] in low_grades]
    low_only = sorted(k for k in records if support.get(k) and all(grade_of[s] in low_grades for s in support[k]))
    low_any = [k for k in records if any(grade_of[s] in low_grades for s in support.get(k, ()))]
    titles = {r["event_id"]: r["title"] for r in package["events"]}
    tally = {s["source_id"]: Counter() for s in sources}  # one pass over rows, not one per source
    for e in evidence:
        tally[e["source_id"]]["evidence"] += 1
    for k in records:
        for sid in support.get(k, ()):
            alone = support[k] == {sid}
            tally[sid].update({"records": 1, "only": alone, "events": k[0] == "events", "events_only": alone and k[0] == "events"})
    per_source = [{**s, **{n: tally[s["source_id"]][n] for n in ("evidence", "records", "only", "events", "events_only")}}
                  for s in sources]
    exposure = measured_exposure(sources)
    events = package["events"]
    dated = [e for e in events if e["date_start"]]
    disputed = {t: sum(r.get("disputed") == "true" for r in package[t]) for t in package if "disputed" in schemas.columns(t)}
    claimed = {t: sum(bool(r.get("claimed_by")) for r in package[t]) for t in package if "claimed_by" in schemas.columns(t)}
    actor_name = {a["actor_id"]: a["name"] for a in package["actors"]}
    casualties = package["casualties"]
    claimed_figures = Counter(actor_name.get(r["claimed_by"], r["claimed_by"]) for r in casualties if r["claimed_by"])
    confidence = {t: Counter(r["confidence"] for r in package[t]) for t in package if "confidence" in schemas.columns(t)}
    rows_by_key = {(t, r[key_of[t]]): r for t in RECORD_TABLES for r in package[t]}
    low_only_rated = [rows_by_key[k] for k in low_only if "confidence" in rows_by_key[k]]
    coverage = quality["candidate_coverage"]
    status = {s["source_id"]: Counter() for s in sources}
    for e in evidence:
        status[e["source_id"]][e["quote_status"]] += 1
    for s in per_source:
        s.update(status=status[s["source_id"]], **exposure[s["source_id"]])
    return {
        "version": version(), "sources": sources, "per_source": per_source, "n_sources": len(sources),
        "licenses": descriptor["licenses"], "contributors": descriptor["contributors"],
        "source_types": Counter(s["source_type"] for s in sources),
        "grades": [(g, meaning, sum(s["reliability"] == g for s in sources))
                   for g, meaning in schemas.declaration("sources", "reliability")["values"].items()],
        "low_grades": low_grades, "low_sources": low_sources, "n_records": len(records),
        "low_only": low_only, "low_only_by_table": Counter(t for t, _ in low_only),
        "low_any": len(low_any), "low_any_by_table": Counter(t for t, _ in low_any),
        "low_only_rated": len(low_only_rated), "low_only_rated_low": sum(r["confidence"] == "low" for r in low_only_rated),
        "records_by_table": Counter(t for t, _ in records),
        "low_only_events": [(i, titles[i]) for t, i in low_only if t == "events"],
        "record_tables": RECORD_TABLES,
        "counts": [(t["name"], len(package[t["name"]]), t["description"]) for t in tables],
        "n_rows": sum(len(rows) for rows in package.values()), "n_evidence": len(evidence),
        "disputed": disputed, "n_disputed": sum(disputed.values()), "claimed": claimed,
        "n_casualties": len(casualties), "claimed_figures": sorted(claimed_figures.items()),
        "n_claimed_figures": sum(claimed_figures.values()),
        "qualifiers": Counter(r["count_qualifier"] for r in casualties),
        "scopes": Counter(r["scope"] for r in casualties),
        "open_ended": sum(not r["count_high"] for r in casualties),
        "n_events": len(events), "precision": Counter(e["date_precision"] for e in events),
        "n_dated": len(dated), "year_unknown": sum(bool(e["date_text"]) and not e["date_start"] for e in events),
        "no_date": sum(not e["date_text"] for e in events),
        "year_inferred": sum(e["date_year_inferred"] == "true" for e in events),
        "first_day": min((e["date_start"] for e in dated), default=""),
        "last_day": max((e["date_end"] or e["date_start"] for e in dated), default=""),
        "ongoing": sum(e["ongoing"] == "true" for e in events),
        "by_year": sorted(Counter(e["date_start"][:4] for e in dated).items()),
        "location_unknown": sum(e["location_precision"] == "unknown" for e in events),
        "placed": sum(bool(e["place_id"]) for e in events), "located": sum(e["latitude"] not in (None, "") for e in events),
        "where_prec": sorted(Counter(int(e["where_prec"]) for e in events if e["where_prec"] not in (None, "")).items()),
        "conflicts": sorted(Counter(e["conflict"] for e in events).items(), key=lambda kv: (-kv[1], kv[0])),
        "countries": sorted(Counter(e["country_iso3"] for e in events).items(), key=lambda kv: (-kv[1], kv[0])),
        "evidence_by_type": Counter(type_of[e["source_id"]] for e in evidence),
        "multi_source": sum(int(e["source_count"]) > 1 for e in events),
        "multi_independent": sum(int(e["independent_source_count"]) > 1 for e in events),
        "confidence": [(t, [n for _, n in ordered(c, t, "confidence")]) for t, c in sorted(confidence.items())],
        "confidence_values": schemas.enum_values("events", "confidence"),
        "disagreements": quality["disagreements"], "shared_passages": quality["shared_passages"],
        "coverage": [(sid, c) for sid, c in sorted(coverage.items())],
        "flagged": sum(c["flagged"] for c in coverage.values()),
        "waived": sum(len(c["waived"]) for c in coverage.values()),
        "uncovered": sum(len(c["uncovered"]) for c in coverage.values()),
        "frictionless": quality["frictionless"], "expectations": quality["expectations"],
        "expectations_met": sum(x["success"] for x in quality["expectations"]),
        "actor_types": Counter(a["actor_type"] for a in package["actors"]),
        "n_actors": len(package["actors"]), "n_aliases": len(package["actor_aliases"]),
        "chars": sum(int(s["chars"]) for s in sources),
        "reliability": quality["reliability"], "reliability_rule": CONVENTIONS["reliability"],
        "rules": CONVENTIONS["redistribution"], "redistribution_statement": descriptor["x-redistribution"], "quote_statuses": schemas.enum_values("evidence", "quote_status"),
    }


# ---------------------------------------------------------------- rendering

def environment():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             autoescape=lambda name: bool(name) and name.endswith(".html.j2"))
    env.filters.update(text=md_text, code=md_code, slug=slug)
    env.globals.update(pct=pct, ordered=ordered)
    return env


def add_heading_ids(tokens):
    """Give every heading an id (its GitHub-style anchor) and return the headings for the contents."""
    headings, used = [], Counter()
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        text = "".join(child.content for child in inline.children if child.type in ("text", "code_inline", "softbreak"))
        anchor = slug(text)
        if used[anchor]:
            anchor = f"{anchor}-{used[anchor]}"
        used[slug(text)] += 1
        token.attrSet("id", anchor)
        headings.append((int(token.tag[1]), anchor, inline))
    return headings


def to_html(title, markdown, env):
    """One self-contained page: the Markdown rendered, a table of contents, an inline stylesheet."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(markdown)
    headings = add_heading_ids(tokens)
    body = md.renderer.render(tokens, md.options, {})
    contents = [(level, anchor, md.renderer.renderInline(inline.children, md.options, {}))
                for level, anchor, inline in headings if level in (2, 3)]
    page = env.get_template("page.html.j2").render(title=title, body=Markup(body),
                                                   contents=[(level, anchor, Markup(h)) for level, anchor, h in contents])
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    for target in re.findall(r'\bhref="([^"]*)"', page):
        if not target.startswith("#") or html.unescape(target[1:]) not in ids:
            raise PipelineError(f"pipeline/templates ({title})", 0, f"link {target!r} leads nowhere in the page",
                                "link only to headings of the same page")
    return page


def render_all():
    """{file name: bytes} of the codebook and the datasheet, Markdown and HTML."""
    tables = codebook_tables()
    check_documented(tables)
    check_recorded("package", "validate")  # the package and report as validated, not altered since
    package = read_package()
    quality = read_quality(package)
    descriptor = read_json(PACKAGE / "datapackage.json")
    env = environment()
    pages = {"codebook": ("Codebook", env.get_template("codebook.md.j2").render(**codebook_context(tables, package))),
             "datasheet": ("Datasheet", env.get_template("datasheet.md.j2").render(
                 **datasheet_context(tables, package, quality, descriptor)))}
    out = {}
    for name, (title, markdown) in pages.items():
        out[f"{name}.md"] = markdown.encode("utf-8")
        out[f"{name}.html"] = to_html(f"{title}: aq-is-conflict {version()}", markdown, env).encode("utf-8")
    return out


def docs():
    """The stage: render both documents and write them into WORK/docs/ (promote publishes them)."""
    files = render_all()
    write_folder("docs", DOCS, files)
    print(f"docs: wrote {', '.join(sorted(files))} into {rel(DOCS)}", file=sys.stderr)
