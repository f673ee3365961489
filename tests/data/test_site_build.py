"""The site stage without a browser: the same bytes on every build, text escaped everywhere,
offsets the browser can slice with, and refusal of evidence that no longer matches raw/."""
import csv
import json
from collections import Counter
import re

import pytest
from markupsafe import escape

from pipeline import site
from pipeline.files import ROOT, PipelineError

pytestmark = pytest.mark.data

BUILD = ROOT / "build"


def rows(table):
    with open(BUILD / f"{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def files():
    return site.render()


def test_the_site_is_byte_identical_between_builds_and_equals_build_site(files):
    assert site.render() == files
    published = {p.relative_to(BUILD / "site").as_posix(): p.read_bytes() for p in (BUILD / "site").rglob("*") if p.is_file()}
    assert published == files


def test_the_page_loads_nothing_from_outside_the_site_folder(files):
    html = files["index.html"].decode("utf-8")
    loaded = re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="([^"#][^"]*)"', html)
    # the page loads its frame; site.js adds the other data files (all under data/) when needed
    assert sorted(set(loaded)) == ["data/meta.js", "site.css", "site.js"]
    assert sorted(n for n in files if n not in loaded and n != "index.html") == sorted(n for n in files if n.startswith("data/")
                                                                                     and n != "data/meta.js")
    # links a reader follows: only the codebook and datasheet, beside the site in build/docs/
    assert sorted(set(re.findall(r'<a [^>]*href="([^"#][^"]*)"', html))) == ["../docs/codebook.html", "../docs/datasheet.html"]
    for name, data in files.items():
        assert not re.search(rb"(src|href|url)\s*[=(]\s*[\"']?(https?:)?//", data), name
    assert b"fetch(" not in files["site.js"]


def data_file(files, name):
    """The payload of data/<name>.js: a script handing it to AQ.loaded (meta.js sets window.AQ)."""
    text = files[f"data/{name}.js"].decode("utf-8")
    assert text.count("\n") == 2 and "<" not in text
    body = text.split("\n", 1)[1].rstrip()
    if name == "meta":
        return json.loads(body.removeprefix("window.AQ = ").removesuffix(";"))
    prefix = f"AQ.loaded({json.dumps(name)}, "
    assert body.startswith(prefix) and body.endswith(");")
    return json.loads(body[len(prefix):-2])


def table_rows(files, meta, table):
    """Every row of a table, read back from its pages, with the evidence pages' spans."""
    pages = [data_file(files, f"tables/{table}/{n}") for n in range(meta["tables"][table]["pages"])]
    assert all(len(p["rows"]) == site.PAGE_ROWS for p in pages[:-1]) and len(pages[-1]["rows"]) <= site.PAGE_ROWS
    return [r for p in pages for r in p["rows"]], [s for p in pages for s in p.get("spans", [])]


def indexed(files, meta, name):
    """An index read back from its chunks; each chunk's first key is the fence meta.js gives."""
    mapping = {}
    for n, fence in enumerate(meta["indexes"][name]):
        chunk = data_file(files, f"index/{name}/{n}")
        assert min(chunk, key=site.data.js_order, default="") == fence
        mapping.update(chunk)
    return mapping


def test_the_site_publishes_the_text_of_full_sources_only_and_offsets_a_browser_can_slice(files):
    meta = data_file(files, "meta")
    sources = rows("sources")
    texts = {}
    for s in sources:
        doc = data_file(files, f"sources/{s['source_id']}")
        if s["redistribution"] == "full":
            texts[s["source_id"]] = doc["text"]
            assert doc["text"] == (ROOT / "raw" / s["file"]).read_text(encoding="utf-8")
        else:
            assert set(doc) == {"cards"}  # the text of a source that is not `full` is not written
    assert 0 < len(texts) < len(sources)
    for name, data in files.items():  # no other file holds a full text
        held = strings(json.loads(data[data.index(b"{"):data.rindex(b"}") + 1])) if name.startswith("data/") else set()
        for sid, text in texts.items():
            assert any(text[:400] in s for s in held) == (name == f"data/sources/{sid}.js"), (name, sid)
    evidence = rows("evidence")
    table, spans = table_rows(files, meta, "evidence")
    assert table == [list(r.values()) for r in evidence]
    for row, span in zip(evidence, spans, strict=True):
        if row["source_id"] not in texts:
            assert span is None
            continue
        start, end, first, last = span
        utf16 = texts[row["source_id"]].encode("utf-16-le")  # JavaScript indexes UTF-16 units
        assert utf16[2 * start:2 * end].decode("utf-16-le") == row["quote"]
        assert first <= start <= end <= last and last - first <= site.MAX_CONTEXT + (end - start)
    for record_table in meta["tables"]:
        if f"records/{record_table}" not in meta["indexes"]:
            continue
        for record_id, indexes in indexed(files, meta, f"records/{record_table}").items():
            assert {evidence[i]["record_table"] for i in indexes} == {record_table}
            assert {evidence[i]["record_id"] for i in indexes} == {record_id}
    assert set(indexed(files, meta, "records/events")) == {e["record_id"] for e in evidence if e["record_table"] == "events"}


def test_every_table_is_paged_in_package_order_and_found_by_its_key(files):
    meta = data_file(files, "meta")
    for table, info in meta["tables"].items():
        published = rows(table)
        assert table_rows(files, meta, table)[0] == [list(r.values()) for r in published]
        assert info["rows"] == len(published)
        if len(info["key"]) == 1:
            assert indexed(files, meta, f"rows/{table}") == {r[info["key"][0]]: i for i, r in enumerate(published)}
    assert meta["tables"]["evidence"]["pages"] > 1  # the real corpus already spans pages


def test_every_title_and_name_is_escaped_into_the_page(files):
    html = files["index.html"].decode("utf-8")
    for event in rows("events"):
        assert str(escape(event["title"])) in html
    quoted = [e["title"] for e in rows("events") if str(escape(e["title"])) != e["title"]]
    assert quoted, "no title with a quote or an ampersand to check escaping on"
    for title in quoted:
        assert f">{title}<" not in html and f'"{title}"' not in html


def test_svg_elements_escape_text_and_attributes():
    text = 'Woe to you, O\' "descendants" & <Harqous> ويل'
    out = str(site.el("text", {"data-id": text}, text))
    assert out == ('<text data-id="Woe to you, O&#39; &#34;descendants&#34; &amp; &lt;Harqous&gt; ويل">'
                   'Woe to you, O&#39; &#34;descendants&#34; &amp; &lt;Harqous&gt; ويل</text>')


def test_script_json_cannot_end_the_script_and_reads_back_unchanged():
    value = {"q": "</script><!-- & \u2028 \"x\" ويل"}
    text = site.script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_offsets_become_utf16_units_past_characters_outside_the_bmp():
    text = "a\U0001F600b ويل c"
    to_js = site.utf16_offsets(text)
    assert [to_js(i) for i in range(len(text) + 1)] == [len(text[:i].encode("utf-16-le")) // 2 for i in range(len(text) + 1)]
    assert site.utf16_offsets("plain")(3) == 3


def test_context_is_the_paragraph_or_a_window_in_a_long_one():
    text = "first line\nthe quote is here\nlast"
    start = text.index("quote")
    assert site.context_span(text, start, start + 5) == (11, 28)
    long = "x" * 5000 + "QUOTE" + "y" * 5000
    first, last = site.context_span(long, 5000, 5005)
    assert first < 5000 < 5005 < last and last - first <= site.MAX_CONTEXT


def test_evidence_that_no_longer_matches_its_raw_file_is_refused():
    sources, evidence = rows("sources"), rows("evidence")
    broken = dict(evidence[0], quote=evidence[0]["quote"] + "!")
    with pytest.raises(PipelineError, match="evidence.csv.*offsets do not point at the quote.*Fix: "):
        site.documents(sources, [broken])


def strings(value):
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value).union(*map(strings, value.values()))
    if isinstance(value, list):
        return set().union(*map(strings, value))
    return set()


def test_at_a_synthetic_scale_no_data_file_holds_every_row_and_each_text_has_its_own_file():
    """The published tables with every event and evidence row copied k times under new IDs (as
    pipeline.synth names copies, `-x<k>`), so events span several pages and index chunks."""
    descriptor = json.loads((BUILD / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in descriptor["resources"] if r["format"] == "csv" and not r["path"].startswith("exports/")}
    tables = {name: rows(name) for name in resources}
    copies = 3 * max(site.PAGE_ROWS, site.data.INDEX_KEYS) // len(tables["events"]) + 1
    tables["events"] = [dict(e, event_id=f"{e['event_id']}-x{k}") for k in range(1, copies + 1) for e in tables["events"]]
    tables["evidence"] = [dict(e, evidence_id=f"{e['evidence_id']}-x{k}", record_id=f"{e['record_id']}-x{k}")
                          for k in range(1, copies + 1) for e in tables["evidence"]]
    texts = site.documents(tables["sources"], tables["evidence"])
    files = site.data_files(resources, tables, texts)
    events = {e["event_id"] for e in tables["events"]}
    placed = {e["event_id"] for e in tables["events"] if e["place_id"]}  # the index of places lists these
    evidence = {e["evidence_id"] for e in tables["evidence"]}
    assert len(events) > 3 * site.PAGE_ROWS
    assert max(Counter(e["place_id"] for e in tables["events"] if e["place_id"]).values()) > site.data.REFERRERS_SHOWN
    payloads, held = {}, {}
    for name, data in files.items():
        text = data.decode("utf-8")
        payloads[name] = json.loads(text[text.index("{"):text.rindex("}") + 1])
        held[name] = strings(payloads[name])
        assert not placed <= held[name] and not evidence <= held[name], name
    meta = payloads["data/meta.js"]
    assert events & strings(meta) <= strings(meta["indexes"])  # the index chunks' first keys only
    pages = [p["rows"] for n, p in sorted(payloads.items()) if n.startswith("data/tables/events/")]
    assert len(pages) == meta["tables"]["events"]["pages"] >= 4
    assert sorted(r[0] for page in pages for r in page) == sorted(events)
    for sid, text in texts.items():  # a full text is in its own file only, never in a table page
        assert [n for n in files if any(text[:400] in s for s in held[n])] == [f"data/sources/{sid}.js"]
