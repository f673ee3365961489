"""Rules of the second coding pass that code decides, on a tiny inline text: named lists,
dates between two dated neighbours, a period the section heading gives."""
import pytest

from datetime import date as D

from pipeline import ingest
from pipeline.code import Sheet, code_sheet
from pipeline.files import PipelineError, read_yaml

pytestmark = pytest.mark.unit

TEXT = ("==Split==\n"
        "On 8 April 2013 ISIL announced a merger. The Taliban rejected it.\n"
        "In October 2013, months after the merger, ISIL attacked the Taliban.\n"
        "Commanders killed included Qari Sayed, Haji Musa and Sheikh Khetab.\n"
        "==Expansion south (October 2020 – May 2022)==\n"
        "JNIM expanded into Burkina Faso.\n")


def coded(tmp_path, body):
    path = tmp_path / "sheet.yaml"
    path.write_text("source: test\n" + body, encoding="utf-8")
    lines, sentences = ingest.segment(TEXT, {"heading_style": "wiki"}, ingest.boilerplate_rules())
    sheet = Sheet.__new__(Sheet)
    sheet.path, sheet.file, sheet.data, sheet.text = path, "sheet.yaml", read_yaml(path), TEXT
    sheet.doc = {"text": TEXT, "lines": lines, "sentences": sentences}
    return code_sheet(sheet)["records"]


def event(date, quotes):
    return ("events:\n  - {id: e, title: t, type: statement, conflict: c, summary: s, actors: {subject: [Taliban]},\n"
            f"     date: {date}, quote: {quotes}}}\n")


def test_a_record_between_two_dated_neighbours_is_dated_between_them(tmp_path):
    row = coded(tmp_path, event("{from: 8 April 2013, to: October 2013}",
                                "[The Taliban rejected it., On 8 April 2013 ISIL announced a merger., In October 2013]"))["events"][0]
    assert (row["date_start"], row["date_end"], row["date_edtf"]) == (D(2013, 4, 8), D(2013, 10, 31), "2013-04-08/2013-10")
    open_end = coded(tmp_path, event("{from: 8 April 2013}", "[The Taliban rejected it., On 8 April 2013 ISIL announced a merger.]"))
    assert (open_end["events"][0]["date_end"], open_end["events"][0]["date_edtf"]) == (None, "2013-04-08/..")


def test_a_period_the_section_heading_gives_may_date_a_record(tmp_path):
    row = coded(tmp_path, event('"October 2020 – May 2022"', "JNIM expanded into Burkina Faso."))["events"][0]
    assert (row["date_start"], row["date_end"]) == (D(2020, 10, 1), D(2022, 5, 31))
    with pytest.raises(PipelineError, match="not in the record's quotes or the headings of their section"):
        coded(tmp_path, event('"June 2021"', "JNIM expanded into Burkina Faso."))


def test_a_list_of_named_people_counts_at_least_the_names(tmp_path):
    casualty = ("  - {id: c, event: e, actor: Taliban, category: killed, scope: event,\n"
                "     count: {names: [Qari Sayed, Haji Musa, Sheikh Khetab]}, quote: \"Commanders killed included Qari Sayed, Haji Musa and Sheikh Khetab.\"}\n")
    rows = coded(tmp_path, event('"October 2013"', "In October 2013") + "casualties:\n" + casualty)["casualties"]
    assert (rows[0]["count_low"], rows[0]["count_high"], rows[0]["count_qualifier"]) == (3, None, "at_least")
    one = coded(tmp_path, event('"October 2013"', "In October 2013") + "casualties:\n" + casualty.replace(
        "{names: [Qari Sayed, Haji Musa, Sheikh Khetab]}", "{name: Haji Musa}"))["casualties"][0]
    assert (one["count_low"], one["count_high"], one["count_qualifier"]) == (1, 1, "exact")
    with pytest.raises(PipelineError, match="name words 'Mullah Omar' are not in the record's quotes"):
        coded(tmp_path, event('"October 2013"', "In October 2013") + "casualties:\n" + casualty.replace("Haji Musa,", "Mullah Omar,", 1))


def test_side_b_without_side_a_is_refused_with_line_and_fix(tmp_path):
    both = event('"October 2013"', "In October 2013").replace("{subject: [Taliban]}", "{side_a: [ISIL], side_b: [Taliban]}")
    assert [row["id"] for row in coded(tmp_path, both)["events"]] == ["e"]
    with pytest.raises(PipelineError, match=r"sheet\.yaml:3: `side_b` without `side_a`.*Fix: add the opposing actors as side_a"):
        coded(tmp_path, both.replace("side_a: [ISIL], ", ""))
