"""The overview chart: per source, the records its quotes support, by table, with its grade."""
from collections import Counter

from .layout import MOST_ROWS, OVERVIEW as L, WIDTH
from .read import colours, enum
from .selection import largest
from .svg import el, legend, svg, swatch


def overview(resources, tables, quality):
    """Rows per table, and per source the records its quotes support, by table, with its grade."""
    record_tables = enum(resources, "evidence", "record_table")
    records = {s["source_id"]: {t: set() for t in record_tables} for s in tables["sources"]}
    quotes = Counter()
    for row in tables["evidence"]:
        records[row["source_id"]][row["record_table"]].add(row["record_id"])
        quotes[row["source_id"]] += 1
    colour = colours(record_tables)
    biggest = max([sum(len(v) for v in r.values()) for r in records.values()] or [1]) or 1
    scale = (WIDTH - L["label_w"] - L["right_w"]) / biggest
    marks, y, rows, cut = [], L["top"], [], L["title_chars"]
    # too many sources for a bar each: those that support the most rows
    kept = largest(dict.fromkeys(records, 1), MOST_ROWS, rank=lambda s: (-sum(len(v) for v in records[s].values()), s))
    for source in (s for s in tables["sources"] if s["source_id"] in kept):
        sid = source["source_id"]
        counts = {t: len(records[sid][t]) for t in record_tables}
        total = sum(counts.values())
        marks.append(el("text", {"class": "label", "x": L["label_w"] - L["label_dx"], "y": y + L["text_dy"], "text-anchor": "end"},
                        f"{source['title'][:cut]}{'…' if len(source['title']) > cut else ''} [{source['reliability']}]"))
        x = L["label_w"]
        for t in record_tables:
            if counts[t]:
                w = counts[t] * scale
                marks.append(el("rect", {"class": "mark", "data-source": sid, "data-record-table": t, "x": x, "y": y,
                                         "width": w, "height": L["bar_h"], "fill": colour[t]},
                                el("title", {}, f"{source['title']}: {counts[t]} {t} rows")))
                x += w
        marks.append(el("text", {"class": "value", "x": x + L["value_dx"], "y": y + L["text_dy"]}, str(total)))
        rows.append({"source": source, "counts": counts, "total": total, "quotes": quotes[sid],
                     "coverage": quality.get("candidate_coverage", {}).get(sid, {}).get("coverage")})
        y += L["row_h"]
    label = ("Rows supported by each source's quotes, by table" if len(kept) == len(records) else
             f"Rows supported by the quotes of the {len(kept)} of {len(records)} sources that support the most, by table")
    chart = svg("overview", WIDTH, y + L["bottom"], label, *marks)
    keys = legend([(t, swatch(colour[t])) for t in record_tables])
    counts = [{"table": name, "rows": len(tables[name]), "description": resources[name]["description"]}
              for name in resources]
    return {"chart": chart, "legend": keys, "sources": rows, "sources_count": len(records), "record_tables": record_tables,
            "counts": counts}
