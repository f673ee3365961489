"""Nothing published holds more of a source's words than its redistribution policy allows:
measured over every file of build/ and of the release zip, however the text is stored."""
import csv
import html
import json
import sqlite3
import zipfile

import pandas as pd
import pytest

from pipeline import policy, release
from pipeline.files import BUILD
from pipeline.ingest import load_manifest, read_raw

pytestmark = [pytest.mark.data, pytest.mark.skipif(not (BUILD / "datapackage.json").exists(), reason="needs a build: run make")]

CAPS = policy.RULES


def sources():
    return {e["source_id"]: (e["redistribution"], read_raw(e)) for e in load_manifest()}


def capped():
    return {sid: text for sid, (rule, text) in sources().items() if rule != "full"}


def test_the_sources_table_publishes_each_policy_with_its_reason():
    with open(BUILD / "sources.csv", newline="", encoding="utf-8") as f:
        rows = {r["source_id"]: r for r in csv.DictReader(f)}
    for entry in load_manifest():
        assert rows[entry["source_id"]]["redistribution"] == entry["redistribution"]
        assert len(rows[entry["source_id"]]["redistribution_reason"]) > 30
    assert {r["redistribution"] for r in rows.values()} >= {"full", "excerpts"}


@pytest.fixture(scope="module")
def measured_build():
    return policy.measure(capped(), policy.tree_texts(BUILD))


@pytest.fixture(scope="module")
def measured_zip(tmp_path_factory):
    path = tmp_path_factory.mktemp("dist") / "aq-is-conflict-test.zip"
    path.write_bytes(release.zip_bytes(BUILD))
    return policy.measure(capped(), policy.tree_texts(path))


def test_no_source_that_is_not_full_is_published_beyond_its_caps(measured_build):
    assert policy.over_caps(measured_build) == []


def test_nor_in_the_release_zip(measured_zip):
    assert policy.over_caps(measured_zip) == []


def test_the_evidence_table_alone_stays_within_the_excerpt_limits():
    with open(BUILD / "evidence.csv", newline="", encoding="utf-8") as f:
        quotes = [r["quote"] for r in csv.DictReader(f)]
    for sid, m in policy.measure(capped(), quotes).items():
        assert m["longest"] <= CAPS["excerpt_passage"] and m["share"] <= CAPS["excerpt_share"], (sid, m)


def test_the_release_zip_holds_what_build_holds(measured_build, measured_zip):
    assert measured_zip == measured_build


def test_the_site_embeds_the_full_text_of_full_sources_only():
    published = set()
    for path in sorted((BUILD / "site" / "data" / "sources").glob("*.js")):  # one file per source
        data = path.read_text(encoding="utf-8")
        if "text" in json.loads(data[data.index("{"):data.rindex("}") + 1]):
            published.add(path.stem)
    assert published == {sid for sid, (rule, _) in sources().items() if rule == "full"}


def test_the_datasheet_prints_the_measured_shares(measured_build):
    datasheet = (BUILD / "docs" / "datasheet.md").read_text(encoding="utf-8")
    rules = {sid: rule for sid, (rule, _) in sources().items()}
    for sid, m in measured_build.items():
        row = next(line for line in datasheet.splitlines() if line.startswith(f"| `{sid}` |") and f"| `{rules[sid]}` |" in line)
        # the datasheet measures the files beside it (not itself), so its figure can only be lower or equal
        printed = float(row.split("|")[5].split("%")[0])
        assert printed <= round(100 * m["share"], 1) + 0.05 and printed > 0, row


# The measurement itself: text hidden in the ways published files hide it is found.

def hidden_copies(text, tmp_path):
    """The same text stored as JSON with \\u escapes, as HTML entities, in a SQLite database (long
    values span overflow pages), in a compressed Parquet file, and zipped."""
    out = {"escaped.json": json.dumps({"t": text}, ensure_ascii=True).encode(),
           "entities.html": html.escape(text).encode("ascii", "xmlcharrefreplace").replace(b" ", b"&#32;")}
    db = tmp_path / "t.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA page_size = 512")
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", (text,))
    out["t.sqlite"] = db.read_bytes()
    pd.DataFrame({"x": [text]}).to_parquet(tmp_path / "t.parquet", compression="zstd")
    out["t.parquet"] = (tmp_path / "t.parquet").read_bytes()
    with zipfile.ZipFile(tmp_path / "t.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("inner/t.txt", text)
    out["t.zip"] = (tmp_path / "t.zip").read_bytes()
    return out


def test_the_measurement_finds_a_source_however_it_is_stored(tmp_path):
    sid, text = next(iter(capped().items()))
    for name, data in hidden_copies(text, tmp_path).items():
        assert text.encode() not in data, name  # not there as plain bytes
        found = policy.measure({sid: text}, policy.file_texts(data))[sid]
        assert found["share"] > 0.95 and found["longest"] > CAPS["max_passage"], name


def test_the_measurement_counts_the_union_of_excerpts_and_ignores_short_shared_words():
    text = " ".join(f"word{i}" for i in range(1000))
    halves = [" ".join(f"word{i}" for i in range(0, 60)), " ".join(f"word{i}" for i in range(50, 120))]
    found = policy.measure({"s": text}, halves)["s"]
    assert found["found"] == len(" ".join(f"word{i}" for i in range(0, 120)))
    assert found["longest"] == found["found"]
    assert policy.measure({"s": text}, ["word1 word2 word3 word4"])["s"]["found"] == 0


def test_the_cut_keeps_an_excerpt_source_within_its_budget_and_passage_limit():
    text = " ".join(f"w{i:04d}" for i in range(4000))  # 23,999 characters
    spans = [(6 * i, 6 * i + 5 * 6 + 200) for i in range(0, 3900, 7)]
    rows = [{"source_id": "s", "char_start": a, "char_end": min(b, len(text))} for a, b in spans]
    policy.cut(rows, {"s": text}, {"s": "excerpts"})
    published = [(r["quote_start"], r["quote_end"]) for r in rows if r["quote_status"] != "withheld"]
    runs = policy._runs(published, text)
    assert published and sum(b - a for a, b in runs) <= CAPS["excerpt_share"] * len(text)
    assert max(b - a for a, b in runs) <= CAPS["excerpt_passage"]
    assert all(text[r["quote_start"]:r["quote_end"]] == r["quote"] for r in rows if r["quote"])
    none = [dict(r) for r in rows]
    policy.cut(none, {"s": text}, {"s": "none"})
    assert {r["quote_status"] for r in none} == {"withheld"} and not any(r["quote"] for r in none)


def test_reports_print_the_words_of_full_sources_only():
    quality = json.loads((BUILD / "quality.json").read_text(encoding="utf-8"))
    rules = {sid: rule for sid, (rule, _) in sources().items()}
    for sid, c in quality["candidate_coverage"].items():
        for item in c["waived"] + c["uncovered"]:
            assert bool(item["text"]) == (rules[sid] == "full"), (sid, item)
            assert item["char_end"] > item["char_start"]

