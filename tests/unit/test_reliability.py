"""The reliability study's comparison, on tiny inline texts and sheets: how main and blind
records pair, what counts as a disagreement, and Krippendorff's alpha checked against hand
computations (not against the package that computes it)."""
import pytest

from pipeline import ingest, reliability
from pipeline.code import Sheet, code_sheet
from pipeline.files import PipelineError, read_yaml

pytestmark = pytest.mark.unit

TEXT = ("==War==\n"
        "In June 2014 ISIL attacked the Taliban in Darzab.\n"
        "In July 2014 ISIL attacked the Taliban in Qush Tepa.\n"
        "In August 2014 ISIL bombed the Taliban in Sheberghan.\n"
        "In September 2014 ISIL bombed the Taliban in Mingajik.\n"
        "In the fighting 1 Taliban fighter was killed, then 2, then 3.\n")


def doc():
    lines, sentences = ingest.segment(TEXT, {"heading_style": "wiki"}, ingest.boilerplate_rules())
    return {"text": TEXT, "lines": lines, "sentences": sentences}


def coded(tmp_path, name, body, cls=Sheet):
    """A sheet written to a file (so its records carry their lines) and coded like a real one."""
    path = tmp_path / f"{name}.yaml"
    path.write_text("source: test\n" + body, encoding="utf-8")
    sheet = cls.__new__(cls)
    sheet.path, sheet.file, sheet.data, sheet.doc, sheet.text = path, f"{name}.yaml", read_yaml(path), doc(), TEXT
    return code_sheet(sheet)


def event(id, type, date, quote, side_b="Taliban"):
    return (f"  - {{id: {id}, title: t, type: {type}, date: \"{date}\", conflict: c, summary: s,\n"
            f"     actors: {{perpetrator: [ISIL], target: [{side_b}]}}, quote: \"{quote}\"}}\n")


SENTENCES = ["In June 2014 ISIL attacked the Taliban in Darzab.", "In July 2014 ISIL attacked the Taliban in Qush Tepa.",
             "In August 2014 ISIL bombed the Taliban in Sheberghan.", "In September 2014 ISIL bombed the Taliban in Mingajik."]
MAIN = "events:\n" + "".join(event(f"m{i}", t, d, q) for i, (t, d, q) in enumerate(zip(
    ["attack", "attack", "bombing", "bombing"], ["June 2014", "July 2014", "August 2014", "September 2014"], SENTENCES)))
# the blind coder calls the second attack a bombing, dates the first by its year only, and
# names the target of the last with a name the registry does not know
BLIND = "events:\n" + "".join(event(f"b{i}", t, d, q, side) for i, (t, d, q, side) in enumerate(zip(
    ["attack", "bombing", "bombing", "bombing"], ["2014", "July 2014", "August 2014", "September 2014"], SENTENCES,
    ["Taliban", "Taliban", "Taliban", "Taliban fighters of Mingajik"])))


def sample():
    return {"test": [{"start": TEXT.index(s), "end": TEXT.index(s) + len(s), "text": s} for s in SENTENCES]}


def run(tmp_path, main=MAIN, blind=BLIND, adjudication=None):
    m = coded(tmp_path, "main", main)
    b = coded(tmp_path, "blind", blind, reliability.BlindSheet)
    return reliability.study(sample(), {"test": m}, {"test": b}, adjudication or {})


def test_nominal_alpha_matches_a_hand_computation(tmp_path):
    # event_type, main a a b b, blind a b b b: coincidences o_aa=2, o_ab=o_ba=1, o_bb=4 (n=8);
    # D_o = 2/8, D_e = 2*3*5/(8*7) = 30/56, alpha = 1 - (2/8)/(30/56) = 8/15
    stats = run(tmp_path)["fields"]["events.event_type"]
    assert (stats["units"], stats["agree"], stats["percent_agreement"]) == (4, 3, 75.0)
    assert stats["alpha"] == pytest.approx(8 / 15, abs=1e-4)


def test_interval_alpha_matches_a_hand_computation():
    # values 1,2,3 against 1,2,4: D_o = (0+0+2*1^2)/6, D_e = (2*6*35 - 2*13^2)/(6*5) = 82/30,
    # alpha = 1 - (2/6)/(82/30) = 72/82
    assert reliability.alpha([1, 2, 3], [1, 2, 4], "interval") == pytest.approx(72 / 82, abs=1e-4)
    assert reliability.alpha([1, 2, 3], [1, 2, 3], "interval") == 1.0


def test_alpha_is_undefined_when_every_value_is_the_same():
    assert reliability.alpha(["a", "a"], ["a", "a"], "nominal") is None
    assert reliability.alpha([], [], "interval") is None


def test_dates_are_compared_by_their_bounds(tmp_path):
    report = run(tmp_path)
    # "2014" against "June 2014": a year is not its month, at either end
    assert report["fields"]["events.date_start"]["agree"] == report["fields"]["events.date_end"]["agree"] == 3
    d = [x for x in report["disagreements"] if x["field"] == "date_end"]
    assert [(x["main_record"], x["blind_record"], x["main"], x["blind"]) for x in d] == [("m0", "b0", "2014-06-30", "2014-12-31")]
    assert d[0]["sentence"] == SENTENCES[0] and d[0]["key"] == "test/events/m0/b0/date_end"


def test_a_name_the_registry_lacks_is_kept_as_text_and_disagrees(tmp_path):
    d = [x for x in run(tmp_path)["disagreements"] if x["field"] == "parties"]
    assert len(d) == 1 and "target: taliban fighters of mingajik" in d[0]["blind"]
    with pytest.raises(PipelineError, match="unknown actor"):
        coded(tmp_path, "main", BLIND)  # the main sheets stay bound to the registry


def test_a_record_one_coder_lacks_disagrees_on_every_field(tmp_path):
    casualty = ("casualties:\n  - {id: c1, event: m0, actor: Taliban, inflicted_by: ISIL, category: killed, count: \"1\", scope: event,\n"
                "     quote: \"In the fighting 1 Taliban fighter was killed\"}\n")
    s = sample()
    fifth = "In the fighting 1 Taliban fighter was killed, then 2, then 3."
    s["test"].append({"start": TEXT.index(fifth), "end": TEXT.index(fifth) + len(fifth), "text": fifth})
    m, b = coded(tmp_path, "main", MAIN + casualty), coded(tmp_path, "blind", BLIND, reliability.BlindSheet)
    report = reliability.study(s, {"test": m}, {"test": b}, {})
    assert report["fields"]["casualties.count_low"] == {**report["fields"]["casualties.count_low"], "units": 1, "agree": 0, "pairable_units": 0}
    assert [(x["key"], x["main"], x["blind"]) for x in report["disagreements"] if x["table"] == "casualties"] == [
        ("test/casualties/c1/-/record", "c1", reliability.ABSENT)]


def test_records_pair_by_the_sentence_they_share_and_by_agreement(tmp_path):
    # two main events in one sentence: each pairs with the blind event that agrees with it most
    text_events = "events:\n" + event("x1", "attack", "June 2014", SENTENCES[0]) + event("x2", "bombing", "June 2014", SENTENCES[0])
    blind = "events:\n" + event("y2", "bombing", "June 2014", SENTENCES[0]) + event("y1", "attack", "June 2014", SENTENCES[0])
    report = run(tmp_path, text_events, blind)
    assert report["units"] == 2 and report["disagreements"] == []
    assert report["fields"]["events.event_type"]["percent_agreement"] == 100.0


def test_adjudications_close_disagreements_and_the_rest_stay_open(tmp_path):
    ruled = {"test/events/m1/b1/event_type": {"resolution": "blind coder wrong", "reason": "The text says attacked.", "line": 3}}
    report = run(tmp_path, adjudication=ruled)
    assert report["open"] == len(report["disagreements"]) - 1
    d = next(x for x in report["disagreements"] if x["key"] == "test/events/m1/b1/event_type")
    assert (d["resolution"], d["reason"]) == ("blind coder wrong", "The text says attacked.")


def test_a_correction_of_the_main_sheet_is_counted_against_first_agreement(tmp_path):
    ruled = {"test/events/m9/b9/event_type": {"resolution": "main sheet corrected", "reason": "Was typed attack.", "line": 3}}
    stats = run(tmp_path, adjudication=ruled)["fields"]["events.event_type"]
    assert (stats["agree"], stats["agree_before_corrections"]) == (3, 2)


def test_an_adjudication_of_no_disagreement_is_an_error_naming_its_line(tmp_path):
    ruled = {"test/events/m9/b9/event_type": {"resolution": "both acceptable", "reason": "Either reading holds.",
                                              "file": "annotations/reliability/adjudication/test.yaml", "line": 7}}
    with pytest.raises(PipelineError, match=r"adjudication/test.yaml:7: 1 adjudication\(s\) name no current disagreement"):
        run(tmp_path, adjudication=ruled)


def test_the_adjudication_file_refuses_an_unknown_resolution(tmp_path):
    (tmp_path / "a.yaml").write_text("adjudications:\n  - {disagreement: a/b/c/d/e, resolution: fine, reason: it is fine really}\n")
    with pytest.raises(PipelineError, match=r"a.yaml:2: resolution 'fine' is not one of"):
        reliability.read_adjudication(tmp_path)


def test_an_adjudication_filed_under_another_source_is_refused_at_its_line(tmp_path):
    (tmp_path / "a.yaml").write_text("adjudications:\n  - {disagreement: b/events/x/y/date_start, resolution: both acceptable, reason: either reading holds}\n")
    with pytest.raises(PipelineError, match=r"a.yaml:2: disagreement .* is not about source 'a'"):
        reliability.read_adjudication(tmp_path)



def test_a_blind_date_the_grammar_cannot_read_is_compared_as_empty_and_listed(tmp_path):
    path = tmp_path / "blind.yaml"
    path.write_text("source: test\n" + BLIND.replace('"2014"', '"that Monday"', 1), encoding="utf-8")
    sheet = reliability.BlindSheet.__new__(reliability.BlindSheet)
    sheet.path, sheet.file, sheet.data, sheet.doc, sheet.text, sheet.unreadable = path, "blind.yaml", read_yaml(path), doc(), TEXT, []
    row = code_sheet(sheet)["records"]["events"][0]
    assert (row["date_start"], row["date_text"]) == (None, "that Monday")
    assert [u["value"] for u in sheet.unreadable] == ["that Monday"]
