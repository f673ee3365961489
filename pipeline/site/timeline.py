"""The timeline: dated events as date ranges in one lane per conflict, and the type x conflict matrix."""
import datetime
from collections import Counter, defaultdict

from .layout import CATEGORY_PALETTE, MIN_BAR, MOST_COLUMNS, MOST_MARKS, MOST_ROWS, TIMELINE as L, WIDTH
from .read import colours, enum
from .selection import largest
from .svg import TimeAxis, el, legend, mark_attrs, pack, parse_date, svg, swatch


def timeline(resources, events, names):
    """Dated events as date_start..date_end bars in one lane per conflict, coloured by category;
    the events without a known year are returned for a list of their own."""
    categories = enum(resources, "events", "event_category")
    colour = colours(categories, CATEGORY_PALETTE)
    dated = [e for e in events if e["date_start"]]
    undated = sorted((e for e in events if not e["date_start"]), key=lambda e: (names[e["conflict"]], e["title"], e["event_id"]))
    lanes = defaultdict(list)
    for e in dated:
        lanes[e["conflict"]].append(e)
    # the conflicts with the most events when all would be too many marks (one conflict: its first events)
    kept = largest({c: len(lane) for c, lane in lanes.items()}, MOST_MARKS)
    sizes = {c: len(lanes[c]) for c in kept}
    for c in kept:
        lanes[c] = sorted(lanes[c], key=lambda e: (e["date_start"], e["date_end"] or "9", e["event_id"]))[:MOST_MARKS]
    drawn = [e for c in kept for e in lanes[c]]
    axis = TimeAxis([parse_date(e["date_start"]) for e in drawn] + [parse_date(e["date_end"]) for e in drawn if e["date_end"]],
                    L["left"], WIDTH - L["right"])
    order = sorted(kept, key=lambda c: (lanes[c][0]["date_start"], names[c]))
    top, row_h = L["top"], L["row_h"]
    marks, y = [], top
    for conflict in order:
        marks.append(el("text", {"class": "lane-label", "x": L["left"], "y": y + L["text_dy"]},
                        f"{names[conflict]} ({len(lanes[conflict])}{'' if len(lanes[conflict]) == sizes[conflict] else f' of {sizes[conflict]}'})"))
        y += L["lane_label_h"]
        spans = []
        for e in lanes[conflict]:
            x0 = axis.x(parse_date(e["date_start"]))
            open_end = not e["date_end"]
            x1 = axis.x1 if open_end else axis.x(parse_date(e["date_end"]) + datetime.timedelta(days=1))
            spans.append((e, x0, max(x1, x0 + MIN_BAR), open_end))
        rows = pack([(x0, x1) for _, x0, x1, _ in spans])
        for (e, x0, x1, open_end), row in zip(spans, rows):
            notes = [f"{e['date_text'] or e['date_edtf']} ({e['date_edtf']}, {e['date_precision']})",
                     f"{e['event_type']} · {e['event_category']} · {e['confidence']} confidence"]
            if e["date_year_inferred"] == "true":
                notes.append("year inferred from the surrounding text")
            if open_end:
                notes.append("ongoing: no end date" if e["ongoing"] == "true" else "no end date")
            cls = " ".join(c for c in (f"cat-{e['event_category']}", "inferred" if e["date_year_inferred"] == "true" else "",
                                       "open" if open_end else "") if c)
            marks.append(el("rect", {**mark_attrs("events", e["event_id"], cls), "data-type": e["event_type"],
                                     "x": x0, "y": y + row * row_h, "width": x1 - x0, "height": L["bar_h"],
                                     "fill": colour[e["event_category"]]},
                            el("title", {}, "\n".join([e["title"]] + notes))))
        y += (max(rows) + 1) * row_h + L["lane_gap"]
    shown = "" if len(drawn) == len(dated) else f"{len(drawn)} of "
    chart = svg("timeline", WIDTH, y + L["bottom"], f"Timeline of {shown}{len(dated)} dated events by conflict",
                *axis.ticks(top, y), *marks)
    types = [t for t in enum(resources, "events", "event_type") if any(e["event_type"] == t for e in events)]
    per_conflict = Counter(e["conflict"] for e in events)
    columns = sorted(largest(dict.fromkeys(per_conflict, 1), MOST_COLUMNS, rank=lambda c: (-per_conflict[c], c)), key=lambda c: names[c])
    others = len(per_conflict) - len(columns)
    cells = Counter((e["event_type"], e["conflict"] if e["conflict"] in columns else "") for e in events)
    matrix = {"types": types, "conflicts": [(c, names[c]) for c in columns] + ([("", f"{others} other conflicts")] if others else []),
              "cells": {t: [cells[(t, c)] for c in columns + ([""] if others else [])] for t in types},
              "max": max(cells.values() or [1])}
    keys = legend([(c, swatch(colour[c])) for c in categories])
    return {"chart": chart, "legend": keys, "dated": len(dated), "drawn": len(drawn), "lanes": len(kept), "conflicts": len(lanes),
            "undated": undated[:MOST_ROWS], "undated_count": len(undated), "types": types, "matrix": matrix, "names": names}
