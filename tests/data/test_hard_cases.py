"""The hard parts of coding, pinned on the real documents (issue: complete coding)."""
import csv
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.data

BUILD = Path(__file__).resolve().parents[2] / "build"


def table(name):
    with open(BUILD / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def by_id(name):
    key = {"casualties": "casualty_id", "events": "event_id", "pledges": "pledge_id", "relations": "relation_id",
           "actors": "actor_id"}[name]
    return {r[key]: r for r in table(name)}


# -- a year the sentence leaves out ------------------------------------------------------

def test_a_missing_year_comes_from_earlier_in_the_section_and_is_flagged():
    event = by_id("events")["kunar-taliban-clear-kunar-2020"]  # "On 14 March" after "late February 2020"
    assert (event["date_start"], event["date_year_inferred"]) == ("2020-03-14", "true")
    clashes = by_id("events")["kunar-clashes-march-2020"]  # "Between 3 and 4 March"
    assert (clashes["date_start"], clashes["date_end"]) == ("2020-03-03", "2020-03-04")


def test_where_nothing_gives_the_year_it_stays_unknown():
    event = by_id("events")["darzab-1-abduction-of-drug-dealers"]
    assert event["date_edtf"] == "XXXX-04-26" and event["date_start"] == ""


def test_a_year_in_the_words_is_not_marked_inferred():
    assert by_id("events")["battle-of-darzab-2"]["date_year_inferred"] == "false"


# -- figures a party reports --------------------------------------------------------------

def test_figures_parties_report_carry_claimed_by():
    cas = by_id("casualties")
    assert cas["kunar-2020-iskp-surrendered-taliban-claim"]["claimed_by"] == "taliban"   # Taliban forces claimed
    assert cas["kunar-2020-iskp-surrendered-us-claim"]["claimed_by"] == "united-states"  # U.S. officials claimed
    assert cas["mopti-2020-jnim-killed"]["claimed_by"] == "islamic-state-sahel-province"  # according to ISGS
    assert cas["northern-burkina-2020-ansarul-islam-killed"]["claimed_by"] == "islamic-state-sahel-province"  # al-Naba


def test_the_source_speaking_in_its_own_voice_has_no_claimant():
    assert by_id("casualties")["darzab-1-taliban-killed"]["claimed_by"] == ""


# -- vague words and ranges follow the documented table -----------------------------------

def test_vague_words_and_ranges_follow_the_one_table():
    cas = by_id("casualties")
    expect = {"kunar-october-2019-airstrike-is-killed": ("24", "99", "vague"),          # dozens
              "inates-2019-nigerien-soldiers-killed": ("71", "", "more_than"),           # over seventy
              "kunar-2020-is-fighters-executed": ("7", "", "at_least"),                  # at least seven
              "kunar-2019-airstrikes-is-killed": ("50", "80", "range"),                  # 50-80
              "darzab-2-civilians-displaced": ("3500", "7000", "range"),                 # 3,500 to 7,000
              "al-qaeda-islamic-state-conflict-killed-total": ("10000", "", "at_least")}  # 10,000+
    for casualty_id, values in expect.items():
        row = cas[casualty_id]
        assert (row["count_low"], row["count_high"], row["count_qualifier"]) == values, casualty_id


def test_materiel_is_not_a_casualty():
    evidence = {e["record_id"]: e["quote"] for e in table("evidence") if e["record_table"] == "casualties"}
    for c in table("casualties"):
        assert not (c["count_text"].lower() == "forty" and "vehicles" in evidence[c["casualty_id"]]), c["casualty_id"]


def test_totals_are_never_event_scope():
    cas = by_id("casualties")
    assert cas["jnim-isgs-war-fighters-killed-2019-2021"]["scope"] == "aggregate"
    assert cas["jnim-isgs-war-deaths-total"]["scope"] == "conflict_total"


# -- people and names ----------------------------------------------------------------------

def test_people_who_share_part_of_a_name_are_different_actors():
    actors = by_id("actors")
    for distinct in (["adnan-abu-walid-al-sahrawi", "abdelhakim-al-sahrawi", "abu-al-bara-al-sahrawi"],
                     ["abu-bakr-al-baghdadi", "abu-umar-al-baghdadi", "abdullah-bin-rashid-al-baghdadi"],
                     ["mawlawi-basir", "mawlawi-bashir"], ["abu-hamza-al-muhajir", "abu-hamza-al-qurashi"]):
        assert all(a in actors for a in distinct), distinct


def test_one_person_known_by_kunya_and_birth_name_is_one_actor_with_both_aliases():
    aliases = {(a["actor_id"], a["alias"]) for a in table("actor_aliases")}
    assert {("abu-musab-al-zarqawi", "Ahmad al-Khalayleh"), ("abu-musab-al-zarqawi", "Abu Musab al-Zarqawi"),
            ("haji-murad", "Haji Qumandan"), ("abu-hamza-al-muhajir", "Yusuf al-Dardiri")} <= aliases


def test_renamed_and_merged_groups_are_linked_by_dated_relations():
    rel = by_id("relations")
    assert (rel["jtj-renamed-to-aqi"]["relation"], rel["jtj-renamed-to-aqi"]["valid_start"]) == ("renamed_to", "2004-01-01")
    assert (rel["aqi-member-of-msm"]["relation"], rel["aqi-member-of-msm"]["valid_text"]) == ("member_of", "January 2006")
    assert rel["isi-merged-into-isil"]["object_id"] == "islamic-state"


# -- pledges ---------------------------------------------------------------------------------

def test_secret_pledges_that_one_party_claims_are_marked_so():
    pledge = by_id("pledges")["al-dardiri-secret-bayah-to-bin-laden"]
    assert (pledge["visibility"], pledge["claimed_by"], pledge["disputed"]) == ("secret", "ayman-al-zawahiri", "true")


def test_every_answer_to_a_pledge_points_at_a_pledge():
    pledges = by_id("pledges")
    for p in pledges.values():
        if p["pledge_type"] in ("acceptance",):
            assert p["responds_to"] in pledges, p["pledge_id"]


# -- sources, independence, confidence ------------------------------------------------------

def test_a_passage_one_source_copies_from_another_counts_once():
    events = by_id("events")
    for event_id in ("founding-of-jnim", "jnim-isgs-ideological-split", "jnim-isgs-war"):
        assert (events[event_id]["source_count"], events[event_id]["independent_source_count"]) == ("2", "1"), event_id
    assert events["death-of-abu-musab-al-zarqawi"]["independent_source_count"] == "3"


def test_rows_resting_only_on_low_grade_sources_are_low_confidence():
    grades = {s["source_id"]: s["reliability"] for s in table("sources")}
    support = {}
    for e in table("evidence"):
        support.setdefault((e["record_table"], e["record_id"]), set()).add(grades[e["source_id"]])
    for name, key in (("events", "event_id"), ("pledges", "pledge_id"), ("casualties", "casualty_id"), ("relations", "relation_id")):
        for row in table(name):
            if support[(name, row[key])] <= set("DEF"):
                assert row["confidence"] == "low", row[key]


def test_the_quality_report_has_counts_coverage_and_disagreements():
    report = json.loads((BUILD / "quality.json").read_text())
    assert report["counts"]["events"] > 200
    assert all(c["coverage"] == 1.0 for c in report["candidate_coverage"].values())
    assert len(report["candidate_coverage"]) == 5
    assert "disagreements" in report


def test_sources_that_date_the_same_founding_differently_are_listed_and_the_row_marked():
    report = json.loads((BUILD / "quality.json").read_text())
    jtj = [d for d in report["disagreements"] if d["record_id"] == "founding-of-jama-at-al-tawhid-wal-jihad"]
    assert jtj and jtj[0]["disagreements"][0]["field"] == "date"
    event = by_id("events")["founding-of-jama-at-al-tawhid-wal-jihad"]
    assert event["disputed"] == "true" and event["confidence"] != "high"
    assert event["date_start"] == "2003-08-20"  # the best-graded source's dating (Orton, B) when they disagree


def test_relative_dates_are_read_against_the_date_they_follow():
    assert by_id("events")["declaration-of-islamic-state-of-iraq"]["date_start"] == "2006-10-15"  # "Three days later"
    burjan = by_id("events")["darzab-2-execution-of-mullah-burjan"]  # "three days later" after "On 15 July" (2018)
    assert (burjan["date_start"], burjan["date_year_inferred"]) == ("2018-07-18", "true")
