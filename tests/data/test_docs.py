"""The published codebook and datasheet (build/docs/): every column and value is explained,
every number is the package's, two renders are byte-identical, and the HTML is offline."""
import csv
import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from pipeline import docs, schemas
from pipeline.conventions import CONVENTIONS

pytestmark = pytest.mark.data

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
DOCS = BUILD / "docs"
CODEBOOK = (DOCS / "codebook.md").read_text(encoding="utf-8")
DATASHEET = (DOCS / "datasheet.md").read_text(encoding="utf-8")


def rows(table):
    with open(BUILD / f"{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def section(markdown, heading):
    """From a heading line to the next heading of the same or a higher level."""
    lines = markdown.split("\n")
    start = lines.index(heading)
    level = len(heading) - len(heading.lstrip("#"))
    end = next((i for i in range(start + 1, len(lines)) if re.match(rf"#{{1,{level}}} ", lines[i])), len(lines))
    return "\n".join(lines[start:end])


def table_rows(markdown):
    """The body rows of the Markdown tables in a text, as lists of cells (escaped pipes kept)."""
    out = []
    for line in markdown.split("\n"):
        if line.startswith("|") and not re.fullmatch(r"\|(?:\s*:?-+:?\s*\|)+", line):
            out.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return out


@pytest.mark.parametrize("table", schemas.table_names())
def test_every_column_is_in_the_codebook_with_type_required_and_description(table):
    listed = {r[0]: r for r in table_rows(section(CODEBOOK, f"### Table `{table}`"))}
    for f in schemas.fields(table):
        name, kind, required, constraints, description = listed[f"`{f['name']}`"]
        assert description.strip() and description == docs.md_text(f["description"]), (table, f["name"])
        assert kind == f["type"]
        assert required == ("yes" if f.get("constraints", {}).get("required") else "no")
        for key in ("pattern", "minimum", "enum"):
            assert (key in f.get("constraints", {})) == (({"enum": "values"}.get(key, key)) in constraints), (table, f["name"], key)
    assert len(listed) == len(schemas.fields(table)) + 1  # and the header row


def test_every_enumeration_value_is_in_the_codebook_with_its_meaning_and_row_count():
    checked = 0
    for table in schemas.table_names():
        for f in schemas.fields(table):
            if "enum" not in f.get("constraints", {}):
                continue
            declared = schemas.declaration(table, f["name"])
            block = section(CODEBOOK, f"### {docs.vocabulary_title(declared['key'])}")
            assert f"`{table}.{f['name']}`" in block  # listed under "Used by"
            listed = {r[0]: r for r in table_rows(block)}
            users = [(t, c["name"]) for t in schemas.table_names() for c in schemas.fields(t)
                     if "enum" in c.get("constraints", {}) and schemas.declaration(t, c["name"])["key"] == declared["key"]]
            held = Counter(r[c] for t, c in users for r in rows(t))
            for value in f["constraints"]["enum"]:
                _, meaning, count = listed[docs.md_code(value)]
                assert meaning.strip() and meaning == docs.md_text(declared["values"][value]), (table, f["name"], value)
                assert int(count) == held[value], (declared["key"], value)
                checked += 1
    assert checked > 100


def test_the_conventions_are_all_in_the_codebook():
    vague = {r[0]: r for r in table_rows(section(CODEBOOK, "### Vague words").split("Examples from this build")[0])}
    for word, spec in CONVENTIONS["counts"]["vague"].items():
        assert vague[word][1:3] == [str(spec["low"]), "" if spec["high"] is None else str(spec["high"])]
    dates = section(CODEBOOK, "### Dates")
    for part in ("part_of_month", "part_of_year", "half_of_year", "seasons", "part_of_decade", "present"):
        for spec in ([CONVENTIONS["dates"][part]] if "meaning" in CONVENTIONS["dates"][part] else CONVENTIONS["dates"][part].values()):
            assert docs.md_text(spec["meaning"]) in dates
    for sentence in docs.confidence_rule():
        assert docs.md_text(sentence) in section(CODEBOOK, "### Confidence")
    for source in rows("sources"):
        assert f"Grade **{source['reliability']}**: {docs.md_text(source['reliability_reason'])}" in CODEBOOK


def test_the_row_counts_in_both_documents_are_the_packages():
    counts = {t: len(rows(t)) for t in schemas.table_names()}
    datasheet = {r[0].strip("`"): int(r[1]) for r in table_rows(section(DATASHEET, "### What do the instances represent, and how many are there?"))[1:]}
    codebook = {re.match(r"\[`(\w+)`\]", r[0]).group(1): int(r[1]) for r in table_rows(section(CODEBOOK, "## Tables").split("\n### ")[0])[1:]}
    assert datasheet == counts == codebook
    for table, n in counts.items():
        assert f"Rows: {n}." in section(CODEBOOK, f"### Table `{table}`")


def test_the_datasheet_numbers_are_the_packages():
    sources = rows("sources")
    grades = {r[0].strip("`"): int(r[2]) for r in table_rows(section(DATASHEET, "### Is it a sample?")) if re.fullmatch(r"`[A-F]`", r[0])}
    assert grades == {g: sum(s["reliability"] == g for s in sources) for g in "ABCDEF"}
    assert f"**{len(sources)} source{'s' if len(sources) != 1 else ''}.**" in DATASHEET
    for column, label in (("disputed", "Rows marked `disputed`"), ("claimed_by", "Parties' claims")):
        line = next(l for l in DATASHEET.split("\n") if l.startswith(f"- {label}"))
        for table in schemas.table_names():
            if column in schemas.columns(table):
                n = sum((r[column] == "true") if column == "disputed" else bool(r[column]) for r in rows(table))
                assert f"`{table}` {n}" in line, (column, table)


def test_the_share_resting_on_low_grade_sources_matches_an_independent_count():
    """Recount with DuckDB: rows of the evidence-bearing tables whose every quote is from a low-grade source."""
    low = CONVENTIONS["confidence"]["low_grades"]
    ((total, only, any_),) = duckdb.sql(f"""
        WITH e AS (SELECT record_table, record_id, bool_and(s.reliability IN {tuple(low)}) AS all_low,
                          bool_or(s.reliability IN {tuple(low)}) AS some_low
                   FROM '{BUILD}/evidence.csv' e JOIN '{BUILD}/sources.csv' s USING (source_id) GROUP BY ALL)
        SELECT count(*), count(*) FILTER (WHERE all_low), count(*) FILTER (WHERE some_low) FROM e""").fetchall()
    assert total == sum(len(rows(t)) for t in schemas.enum_values("evidence", "record_table"))
    assert f"{any_} of the {total} rows of" in DATASHEET
    assert f"and {only} ({100 * only / total:.1f}%) rest on" in DATASHEET


def test_two_renders_are_byte_identical_and_equal_the_published_files():
    first, second = docs.render_all(), docs.render_all()
    assert first == second
    assert sorted(first) == ["codebook.html", "codebook.md", "datasheet.html", "datasheet.md"]
    for name, data in first.items():
        assert (DOCS / name).read_bytes() == data, f"build/docs/{name} is stale: run make"


@pytest.mark.parametrize("name", ["codebook.html", "datasheet.html"])
def test_the_html_is_one_offline_page_whose_links_all_land_in_it(name):
    page = (DOCS / name).read_text(encoding="utf-8")
    assert not re.search(r"""\b(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"<(?:script|link|img|iframe|object|embed)\b|@import|url\(", page, re.I)
    assert page.count("<style>") == 1
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    targets = re.findall(r'\bhref="([^"]*)"', page)
    assert targets and all(t.startswith("#") and t[1:] in ids for t in targets)
    contents = page[page.index("<nav"):page.index("</nav>")]
    for anchor in re.findall(r'<h2 id="([^"]+)"', page):
        assert f'href="#{anchor}"' in contents
