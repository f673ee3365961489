"""Quote location and alias resolution, on tiny inline texts."""
import pytest

from pipeline import actors, ingest
from pipeline.code import Sheet
from pipeline.files import PipelineError

pytestmark = pytest.mark.unit

TEXT = ("= Title =\n"
        "==Battle==\n"
        "On 26 April, ISIL attacked. The Taliban fled. ISIL attacked.\n"
        "Caption line\n"
        "Caption line\n"
        "Leave a Reply\n")


def sheet(text=TEXT):
    entry = {"heading_style": "wiki"}
    lines, sentences = ingest.segment(text, entry, ingest.boilerplate_rules())
    s = Sheet.__new__(Sheet)
    s.file, s.text, s.doc = "annotations/sources/test.yaml", text, {"text": text, "lines": lines, "sentences": sentences}
    return s


def test_a_unique_quote_gets_exact_offsets_and_its_section():
    ev = sheet().locate("The Taliban fled.", None, 3)
    assert TEXT[ev["char_start"]:ev["char_end"]] == "The Taliban fled."
    assert ev["section"] == "Battle"


def test_a_quote_not_in_the_source_is_an_error_naming_the_sheet_line():
    with pytest.raises(PipelineError, match=r"test.yaml:7: quote not found"):
        sheet().locate("The Taliban fled!", None, 7)


def test_an_ambiguous_quote_needs_a_context():
    with pytest.raises(PipelineError, match="ambiguous: it occurs 2 times"):
        sheet().locate("ISIL attacked.", None, 4)
    ev = sheet().locate("ISIL attacked.", "fled. ISIL attacked.", 4)
    assert ev["char_start"] == TEXT.rindex("ISIL attacked.")


def test_a_quote_inside_boilerplate_is_refused():
    with pytest.raises(PipelineError, match="inside boilerplate"):
        sheet().locate("Leave a Reply", None, 5)
    with pytest.raises(PipelineError, match="inside boilerplate"):
        sheet().locate("Caption line", None, 5)


def test_a_year_the_section_never_gives_stays_unknown():
    s = sheet()
    assert s._year_before(TEXT.index("26 April")) is None


def test_a_missing_year_comes_from_earlier_in_the_same_section_only():
    text = "==A==\nIn late February 2020 they advanced.\nOn 14 March they won.\n==B==\nOn 3 May they lost.\n"
    s = sheet(text)
    assert s._year_before(text.index("14 March")) == 2020
    assert s._year_before(text.index("3 May")) is None


def test_aliases_resolve_whatever_the_case():
    assert actors.resolve("Al-Khalayleh", "x.yaml", 1) == "abu-musab-al-zarqawi"
    assert actors.resolve("isil", "x.yaml", 1) == "islamic-state"
    assert actors.resolve("islamic-state", "x.yaml", 1) == "islamic-state"


def test_an_unknown_name_lists_the_closest_aliases():
    with pytest.raises(PipelineError, match=r"unknown actor 'Zarqawy'.*closest known: zarqawi"):
        actors.resolve("Zarqawy", "annotations/sources/x.yaml", 9)


def test_people_who_share_part_of_a_name_are_not_merged_by_a_shared_alias():
    _, index, _ = actors.load()
    assert "al-baghdadi" not in index  # Abu Bakr, Abu Umar and Abdullah bin Rashid al-Baghdadi share it
