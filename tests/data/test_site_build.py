"""The site stage without a browser: the same bytes on every build, text escaped everywhere,
offsets the browser can slice with, and refusal of evidence that no longer matches raw/."""
import csv
import json
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
    assert sorted(set(loaded)) == sorted(n for n in files if n != "index.html")
    # links a reader follows: only the codebook and datasheet, beside the site in build/docs/
    assert sorted(set(re.findall(r'<a [^>]*href="([^"#][^"]*)"', html))) == ["../docs/codebook.html", "../docs/datasheet.html"]
    for name, data in files.items():
        assert not re.search(rb"(src|href|url)\s*[=(]\s*[\"']?(https?:)?//", data), name
    assert b"fetch(" not in files["site.js"]


def load_data(files):
    text = files["data.js"].decode("utf-8")
    assert text.count("\n") == 2 and "<" not in text
    return json.loads(text.split("window.AQ = ", 1)[1].rstrip().rstrip(";"))


def test_data_js_holds_each_full_document_once_and_offsets_a_browser_can_slice(files):
    data = load_data(files)
    sources = rows("sources")
    assert data["documents"] == {s["source_id"]: (ROOT / "raw" / s["file"]).read_text(encoding="utf-8") for s in sources
                                 if s["redistribution"] == "full"}
    assert len(data["documents"]) < len(sources)  # the text of a source that is not `full` is not embedded
    evidence = rows("evidence")
    assert data["tables"]["evidence"]["rows"] == [list(r.values()) for r in evidence]
    for row, span in zip(evidence, data["spans"], strict=True):
        if row["source_id"] not in data["documents"]:
            assert span is None
            continue
        start, end, first, last = span
        utf16 = data["documents"][row["source_id"]].encode("utf-16-le")  # JavaScript indexes UTF-16 units
        assert utf16[2 * start:2 * end].decode("utf-16-le") == row["quote"]
        assert first <= start <= end <= last and last - first <= site.MAX_CONTEXT + (end - start)
    for table in data["records"]:
        for record_id, indexes in data["records"][table].items():
            assert {evidence[i]["record_table"] for i in indexes} == {table}
            assert {evidence[i]["record_id"] for i in indexes} == {record_id}


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
