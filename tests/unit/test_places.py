"""The gazetteer: PRIO-GRID cells, ACLED precision, places.yaml against the installed packages,
and the coder's helper."""
import pytest

from pipeline import places

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("lat, lon, gid", [(0, 0, 129961), (1.55, 1.25, 132123), (82, -102.99, 247835),
                                           (10.51, 2.29, 145085), (70.75, 179.25, 231839)])
def test_priogrid_gid_matches_the_published_vectors(lat, lon, gid):
    assert places.priogrid_gid(lat, lon) == gid


def test_priogrid_gid_clamps_the_north_pole_and_the_date_line_into_the_last_cell():
    assert places.priogrid_gid(90, 180) == 259200
    assert places.priogrid_gid(-90, -180) == 1
    assert places.priogrid_gid(None, None) is None


def test_acled_precision_follows_ucdp_and_is_empty_without_a_point():
    assert [places.geo_precision(p, True) for p in range(1, 8)] == [1, 2, 2, 3, 3, 3, 3]
    assert places.geo_precision(3, False) is None


@pytest.fixture(scope="module")
def resolved():
    entries, _ = places.load_entries()
    return entries, {e["id"]: places.resolve(e) for e in entries}


def test_every_point_in_places_yaml_lies_within_2_km_of_the_packages_point(resolved):
    entries, rows = resolved
    pointed = [e for e in entries if "point" in e]
    assert len(pointed) >= 30
    for e in pointed:
        r = rows[e["id"]]
        assert places.km(e["lat"], e["lon"], r["latitude"], r["longitude"]) <= 2, e["id"]
        assert r["coord_source"].startswith(f"GeoNames {e['point']['geonames_id']} ")


@pytest.mark.parametrize("place_id, geonames_id, admin1", [("mosul", 99072, "IQ-NI"), ("raqqa", 172955, "SY-RA"),
                                                           ("derna", 87205, "LY-DR"), ("darzab-district", 1143874, "AF-JOW")])
def test_reference_places_carry_the_geonames_entry_of_their_town(resolved, place_id, geonames_id, admin1):
    row = resolved[1][place_id]
    assert (row["geonames_id"], row["admin1_code"]) == (geonames_id, admin1)


def test_areas_and_countries_have_no_point_and_coarse_precision(resolved):
    entries, rows = resolved
    for e in entries:
        r = rows[e["id"]]
        if e["type"] in ("area", "country"):
            assert r.get("latitude") is None and r["where_prec"] >= 5, e["id"]
        if r["where_prec"] >= 5:
            assert r["priogrid_gid"] is None and r["geo_precision"] is None
    assert rows["sahel"]["where_prec"] == 5 and rows["tri-border-area"].get("latitude") is None


def test_country_codes_come_from_the_packages(resolved):
    afg = resolved[1]["afghanistan"]
    assert (afg["country_iso_numeric"], afg["country_gwno"]) == (4, 700)
    assert resolved[1]["mali"]["country_gwno"] == 432


def test_helper_finds_the_town_within_the_country_and_shows_distances():
    best = places.propose("Derna", "LBY")[0]
    assert best[2]["geonames_id"] == 87205
    near_koudougou = places.propose("Koutougou", "BFA", near=(14.0986, -1.6266))
    koudougou = next(r for _, _, r in near_koudougou if r.get("geonames_id") == 2358946)
    assert koudougou["km_from_near"] > 150


def test_every_point_lies_inside_its_places_country_on_natural_earths_outlines(resolved):
    """An independent check of the chosen GeoNames IDs: a namesake in another country (Derna in
    Romania, Solhan in Turkey) would fall outside the country the coder gave."""
    from shapely.geometry import Point
    outlines = places.country_outlines()
    rows = [r for r in resolved[1].values() if r.get("latitude") is not None]
    for r in rows:
        name, shape = outlines[r["country_iso3"]]
        assert shape.buffer(0.05).contains(Point(r["longitude"], r["latitude"])), (r["place_id"], name)


def test_make_places_prints_proposals_and_a_bad_country_gets_one_message(capsys):
    assert places.main(["Darzab", "--country", "afg", "--admin1", "AF-JOW"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "geonames_id=1143874" in out[1] and "admin2=AF.31.1703" in out[1]
    assert places.main(["Darzab", "--country", "XXX"]) == 1
    assert capsys.readouterr().err.strip() == "error: COUNTRY: 'XXX' is no ISO 3166-1 code. Fix: give COUNTRY=<ISO3>, e.g. AFG"
