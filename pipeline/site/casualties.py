"""The casualty charts: one line per figure, low..high on a log scale; event figures and totals apart."""
import math
from collections import defaultdict

from .layout import CASUALTIES as L, CLAIMED_KEY, MIN_BAR, MOST_ROWS, TICK_DX, WIDTH
from .read import colours, enum, short_names
from .selection import largest
from .svg import el, legend, mark_attrs, num, svg, swatch


def casualties(resources, tables):
    """One line per casualty row, low..high on a log scale, grouped by event; rows with scope
    aggregate or conflict_total go to a chart of their own, since they must never be added up
    with event rows. Open-ended figures run to the edge; claimed figures are hollow."""
    categories = enum(resources, "casualties", "category")
    scopes = enum(resources, "casualties", "scope")
    colour = colours(categories)
    actors = {a["actor_id"]: a["name"] for a in tables["actors"]}
    short = short_names(tables)
    events = {e["event_id"]: e for e in tables["events"]}
    rows = tables["casualties"]
    top_value = max([int(r["count_high"] or r["count_low"]) for r in rows] + [10])
    decades = max(1, math.ceil(math.log10(top_value)))
    label_w, top, row_h = L["label_w"], L["top"], L["row_h"]
    x0, x1 = label_w, WIDTH - L["right_w"]

    def x(value):
        return x0 + math.log10(max(1, value)) / decades * (x1 - x0)

    def when(event):
        """The source's date words, with the year when the words leave it out."""
        words = event["date_text"]
        if event["date_start"] and event["date_start"][:4] not in words:
            words = f"{words} ({event['date_start'][:4]})".strip()
        return f" — {words}" if words else ""

    def chart(name, chosen, label):
        parts, y = [], top + L["first_dy"]
        groups = defaultdict(list)
        for r in chosen:
            groups[r["event_id"]].append(r)
        # a line per figure: too many lines, and the events with the largest figures are drawn
        largest_low = {ev: max(int(r["count_low"]) for r in rows) for ev, rows in groups.items()}
        kept = largest({ev: len(rows) for ev, rows in groups.items()}, MOST_ROWS, rank=lambda ev: (-largest_low[ev], ev))
        drawn = sum(len(groups[ev]) for ev in kept)
        if drawn < len(chosen):
            label = f"{label}; {drawn} drawn, of the events with the largest figures"
        order = sorted(kept, key=lambda ev: (events[ev]["date_start"] or "9999", events[ev]["title"], ev))
        for ev in order:
            event = events[ev]
            parts.append(el("text", {"class": "group-label", "x": L["group_x"], "y": y + L["group_dy"]},
                            f"{event['title']}" + when(event)))
            y += row_h + L["group_gap"]
            for r in sorted(groups[ev], key=lambda r: (actors[r["actor_id"]], r["category"], r["casualty_id"])):
                low, high, open_end = int(r["count_low"]), r["count_high"], not r["count_high"]
                claimed = bool(r["claimed_by"])
                fill, stroke = ("#fff" if claimed else colour[r["category"]]), colour[r["category"]]
                cls = " ".join(c for c in ("claimed" if claimed else "", "open" if open_end else "",
                                           f"scope-{r['scope']}") if c)
                who = f"{short[r['actor_id']]} · {r['category']}" + (f" ({r['scope']})" if r["scope"] != "event" else "")
                note = [f"{actors[r['actor_id']]} · {r['category']}: {r['count_text']} ({r['count_qualifier']}) = {low}..{high or 'no upper bound'}"]
                if claimed:
                    note.append(f"claimed by {actors[r['claimed_by']]}")
                if r["inflicted_by"]:
                    note.append(f"inflicted by {actors[r['inflicted_by']]}")
                title = el("title", {}, "\n".join(note))
                parts.append(el("text", {"class": "label", "x": label_w - L["label_dx"], "y": y + L["text_dy"],
                                         "text-anchor": "end"}, who))
                cy = y + L["mid_dy"]
                if not open_end and int(high) == low:
                    parts.append(el("circle", {**mark_attrs("casualties", r["casualty_id"], cls), "cx": x(low), "cy": cy,
                                               "r": L["dot_r"], "fill": fill, "stroke": stroke, "stroke-width": L["stroke"]}, title))
                else:
                    end = x1 if open_end else x(int(high))
                    parts.append(el("rect", {**mark_attrs("casualties", r["casualty_id"], cls), "x": x(low), "y": cy - L["bar_h"] / 2,
                                             "width": max(end - x(low), MIN_BAR), "height": L["bar_h"], "fill": fill,
                                             "stroke": stroke, "stroke-width": L["stroke"]}, title))
                    if open_end:
                        w, h = L["arrow_w"], L["arrow_h"]
                        parts.append(el("path", {"class": "open-arrow", "d": f"M{num(x1)},{num(cy - h)} L{num(x1 + w)},{num(cy)} "
                                                 f"L{num(x1)},{num(cy + h)} z", "fill": stroke}))
                words = r["count_text"] + (f" — claimed by {short[r['claimed_by']]}" if claimed else "")
                parts.append(el("text", {"class": "value", "x": x1 + L["words_dx"], "y": y + L["text_dy"]}, words))
                y += row_h
            y += L["event_gap"]
        grid = []
        for d in range(decades + 1):
            grid.append(el("line", {"class": "grid", "x1": x(10 ** d), "x2": x(10 ** d), "y1": top, "y2": y}))
            grid.append(el("text", {"class": "tick", "x": x(10 ** d) + TICK_DX, "y": top - L["tick_dy"]}, f"{10 ** d:,}"))
        return svg(name, WIDTH, y + L["bottom"], label, *grid, *parts), drawn

    event_rows = [r for r in rows if r["scope"] == scopes[0]]
    total_rows = [r for r in rows if r["scope"] != scopes[0]]
    keys = [(c, swatch(colour[c])) for c in categories if any(r["category"] == c for r in rows)]
    keys.append(("claimed by a party (hollow)", swatch(CLAIMED_KEY, hollow=True)))
    event_chart, event_drawn = chart("casualties", event_rows, f"{len(event_rows)} casualty figures of single events")
    total_chart, total_drawn = chart("casualty-totals", total_rows, f"{len(total_rows)} aggregate and conflict-total figures")
    return {"event_chart": event_chart, "total_chart": total_chart, "event_drawn": event_drawn, "total_drawn": total_drawn,
            "event_rows": len(event_rows), "total_rows": len(total_rows), "legend": legend(keys),
            "scope_event": scopes[0], "total_scopes": scopes[1:],
            "open": sum(1 for r in rows if not r["count_high"]), "claimed": sum(1 for r in rows if r["claimed_by"])}
