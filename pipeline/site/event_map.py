"""The map: located events over Natural Earth's country outlines, sized by precision."""
import math
from collections import Counter

import shapely
from markupsafe import Markup

from ..places import OUTLINES_SOURCE, country_outlines as place_outlines
from .layout import MAP as L, MAP_RADIUS, MAP_SWATCH, MOST_MARKS, TICK_DX, WIDTH
from .selection import largest
from .svg import el, legend, mark_attrs, num, svg


def event_map(tables):
    """Located events (a point and where_prec 1-4) on an equirectangular map of their extent, one
    circle per event sized by its precision, over Natural Earth's country outlines (clipped to the
    extent and simplified to about a pixel), a graticule and the places' names."""
    located = sorted((e for e in tables["events"] if e["latitude"]), key=lambda e: (-int(e["where_prec"]), e["event_id"]))
    if not located:
        return {"chart": "", "located": 0, "places": 0, "outlines": OUTLINES_SOURCE, "legend": "", "grid": L["grid_degrees"],
                "per_place": False, "drawn": 0}
    step, pad, margin = L["grid_degrees"], L["pad_degrees"], L["margin"]
    lats, lons = [float(e["latitude"]) for e in located], [float(e["longitude"]) for e in located]
    south, north = math.floor(min(lats) / step) * step - pad, math.ceil(max(lats) / step) * step + pad
    west, east = math.floor(min(lons) / step) * step - pad, math.ceil(max(lons) / step) * step + pad
    scale = (WIDTH - 2 * margin) / (east - west)
    x = lambda lon: margin + (lon - west) * scale
    y = lambda lat: margin + (north - lat) * scale
    height = y(south) + margin
    grid = []
    for lon in range(west, east + 1, step):
        grid.append(el("line", {"class": "grid", "x1": x(lon), "x2": x(lon), "y1": y(north), "y2": y(south)}))
        grid.append(el("text", {"class": "tick", "x": x(lon) + TICK_DX, "y": y(south) - L["tick_dy"]},
                       f"{abs(lon)}°{'E' if lon >= 0 else 'W'}"))
    for lat in range(south, north + 1, step):
        grid.append(el("line", {"class": "grid", "x1": x(west), "x2": x(east), "y1": y(lat), "y2": y(lat)}))
        grid.append(el("text", {"class": "tick", "x": x(west) + TICK_DX, "y": y(lat) - L["lat_tick_dy"]},
                       f"{abs(lat)}°{'N' if lat >= 0 else 'S'}"))
    outlines = []
    for iso, (name, shape) in sorted(place_outlines().items()):
        clipped = shapely.clip_by_rect(shape, west, south, east, north).simplify(1 / scale, preserve_topology=True)
        if clipped.is_empty:
            continue
        rings = [ring for poly in getattr(clipped, "geoms", [clipped]) if poly.geom_type == "Polygon"
                 for ring in (poly.exterior, *poly.interiors)]
        d = " ".join("M" + " L".join(f"{num(x(lon))},{num(y(lat))}" for lon, lat in ring.coords[:-1]) + "Z" for ring in rings)
        if d:
            outlines.append(el("path", {"class": "country", "d": d, "data-iso3": iso}, el("title", {}, name)))
    places = {p["place_id"]: p for p in tables["places"]}
    marks, labelled = [], {}
    for e in located:
        p, prec = places[e["place_id"]], int(e["where_prec"])
        # coarse places come first: a point is named after its most precise place
        labelled[(e["latitude"], e["longitude"])] = (p["name"] if prec <= 2 else (p["admin2_name"] or p["admin1_name"] or p["name"]))
    at_place = Counter(e["place_id"] for e in located)
    # too many events for a circle each: one circle per place (the places with most events first)
    kept = largest(dict.fromkeys(at_place, 1), MOST_MARKS, rank=lambda p: (-at_place[p], p)) if len(located) > MOST_MARKS else None
    for e in located:
        p, prec = places[e["place_id"]], int(e["where_prec"])
        if kept is None:
            marks.append(el("circle", {**mark_attrs("events", e["event_id"], f"prec-{prec}"), "cx": x(float(e["longitude"])),
                                       "cy": y(float(e["latitude"])), "r": MAP_RADIUS[prec], "data-place": e["place_id"]},
                            el("title", {}, f"{e['title']}\n{p['name']} · where_prec {prec} · {p['coord_source']}")))
        elif e["place_id"] in kept:
            kept.discard(e["place_id"])
            marks.append(el("circle", {"class": f"place prec-{prec}", "cx": x(float(e["longitude"])), "cy": y(float(e["latitude"])),
                                       "r": MAP_RADIUS[prec], "data-place": e["place_id"]},
                            el("title", {}, f"{p['name']}: {at_place[e['place_id']]} events · where_prec {prec} · {p['coord_source']}")))
    labels, taken = [], []
    at = Counter((e["latitude"], e["longitude"]) for e in located)  # the busiest places are named first
    for (lat, lon), name in sorted(labelled.items(), key=lambda kv: (-at[kv[0]], kv[1])):
        left, base = x(float(lon)) + L["label_dx"], y(float(lat))
        box = (left, base - L["label_up"], left + L["label_char_w"] * len(name), base - L["label_down"])
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
            continue  # a name that would overprint another is left to the mark's hover text
        taken.append(box)
        labels.append(el("text", {"class": "place-label", "x": box[0], "y": box[3] - L["label_dy"]}, name))
    chart = svg("map", WIDTH, height, f"Map of {len(located)} located events", *outlines, *grid, *marks, *labels)
    half = MAP_SWATCH // 2
    return {"chart": chart, "located": len(located), "places": len(labelled), "outlines": OUTLINES_SOURCE, "grid": step,
            "per_place": len(located) > MOST_MARKS, "drawn": len(marks),
            "legend": legend([(f"where_prec {k}", Markup(f'<svg class="swatch" viewBox="0 0 {MAP_SWATCH} {MAP_SWATCH}" '
                                                         f'width="{MAP_SWATCH}" height="{MAP_SWATCH}">'
                                                         f'<circle class="prec-{k}" cx="{half}" cy="{half}" r="{num(v)}"/></svg>'))
                              for k, v in MAP_RADIUS.items()])}
