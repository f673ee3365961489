"""Events in the built package have places: every event whose sheet names a place has one,
its point and codes are those of the place, and the sheets' countries agree with the gazetteer."""
import csv
import glob
from pathlib import Path

import pytest
import yaml

from pipeline import places

pytestmark = pytest.mark.data

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"


def rows(table):
    with open(BUILD / f"{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


EVENTS, PLACES = rows("events"), {p["place_id"]: p for p in rows("places")}
NO_PLACE = set(yaml.safe_load((ROOT / "annotations" / "places.yaml").read_text())["no_place"])


def test_every_event_whose_sheet_names_a_place_has_one_and_the_others_have_none():
    for e in EVENTS:
        named = e["location"].strip() and e["location"] not in NO_PLACE
        assert bool(e["place_id"]) == bool(named), e["event_id"]
        if not named:
            assert not (e["latitude"] or e["where_prec"] or e["priogrid_gid"]), e["event_id"]
    assert sum(bool(e["place_id"]) for e in EVENTS) >= 200


def test_an_events_point_codes_and_precision_are_its_places():
    for e in (e for e in EVENTS if e["place_id"]):
        p = PLACES[e["place_id"]]
        for column in ("latitude", "longitude", "where_prec", "geo_precision", "admin1_code", "priogrid_gid"):
            assert e[column] == p[column], (e["event_id"], column)
        assert e["admin2"] == p["admin2_name"]
        if p["country_iso3"]:
            assert e["country_iso3"] == p["country_iso3"], e["event_id"]


def test_located_events_are_in_their_priogrid_cell_and_areas_have_no_point():
    located = [e for e in EVENTS if e["latitude"]]
    assert len(located) >= 70
    for e in located:
        assert int(e["priogrid_gid"]) == places.priogrid_gid(float(e["latitude"]), float(e["longitude"]))
        assert int(e["where_prec"]) <= 4
    assert all(not e["latitude"] for e in EVENTS if e["where_prec"] and int(e["where_prec"]) >= 5)


def test_the_sheets_countries_agree_with_the_gazetteer():
    spelled = {n: p for p in yaml.safe_load((ROOT / "annotations" / "places.yaml").read_text())["places"] for n in p["names"]}
    for path in glob.glob(str(ROOT / "annotations" / "sources" / "*.yaml")):
        for record in yaml.safe_load(open(path, encoding="utf-8")).get("events") or []:
            place = spelled.get(record.get("location"))
            if place and place.get("country") and record.get("country"):
                assert record["country"] == place["country"], (path, record["id"])


def test_geonames_is_attributed_in_the_package():
    import json
    descriptor = json.loads((BUILD / "datapackage.json").read_text())
    assert any("GeoNames" in s["title"] for s in descriptor["sources"])
    assert any(lic["name"] == "CC-BY-4.0" for lic in descriptor["licenses"])


def test_every_spelling_in_the_gazetteer_is_a_location_wording_of_some_sheet():
    """places.yaml holds the places the sources name, not a general gazetteer."""
    wordings = {r.get("location") for path in glob.glob(str(ROOT / "annotations" / "sources" / "*.yaml"))
                for r in yaml.safe_load(open(path, encoding="utf-8")).get("events") or []}
    gazetteer = yaml.safe_load((ROOT / "annotations" / "places.yaml").read_text())
    spellings = [n for p in gazetteer["places"] for n in p["names"]] + gazetteer["no_place"]
    assert [s for s in spellings if s not in wordings] == []
