"""SVG helpers shared by the charts: escaped elements, a time axis, bar packing and legends."""
import datetime

from markupsafe import Markup, escape

from .layout import BAR_GAP, SWATCH_H, SWATCH_W, TICK_DX, TICK_DY, YEAR_LABEL_MIN_GAP, YEAR_LABEL_STEPS


def num(v):
    """Coordinates with one decimal, written the same way every time."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def el(tag, attrs=None, *children):
    """One SVG element; attribute values and text children are escaped."""
    parts = [tag] + [f'{k}="{escape(num(v) if isinstance(v, float) else v)}"'
                     for k, v in (attrs or {}).items() if v is not None]
    body = "".join(str(c) if isinstance(c, Markup) else str(escape(c)) for c in children)
    return Markup(f"<{' '.join(parts)}>{body}</{tag}>" if children or tag not in ("rect", "circle", "line", "path")
                  else f"<{' '.join(parts)}/>")


def svg(name, width, height, label, *children):
    return el("svg", {"class": f"chart chart-{name}", "id": f"chart-{name}", "viewBox": f"0 0 {num(width)} {num(height)}",
                      "role": "img", "aria-label": label, "xmlns": "http://www.w3.org/2000/svg"},
              el("title", {}, label), *children)


def mark_attrs(table, record_id, extra_class=""):
    return {"class": f"mark {extra_class}".strip(), "data-table": table, "data-id": record_id}


def parse_date(value):
    return datetime.date.fromisoformat(value) if value else None


class TimeAxis:
    """Whole years from the earliest start to the latest end, mapped onto [x0, x1]."""

    def __init__(self, dates, x0, x1):
        years = [d.year for d in dates] or [2000]
        self.first, self.last = datetime.date(min(years), 1, 1), datetime.date(max(years) + 1, 1, 1)
        self.x0, self.x1 = x0, x1

    def x(self, day):
        span = self.last.toordinal() - self.first.toordinal()
        return self.x0 + (day.toordinal() - self.first.toordinal()) / span * (self.x1 - self.x0)

    def ticks(self, top, bottom):
        """A grid line per year, labelled every year when there is room, else every few years."""
        years = list(range(self.first.year, self.last.year + 1))
        per_year = (self.x1 - self.x0) / max(1, len(years) - 1)
        step = next(s for s in YEAR_LABEL_STEPS if s * per_year >= YEAR_LABEL_MIN_GAP)
        out = []
        for year in years:
            x = self.x(datetime.date(year, 1, 1))
            out.append(el("line", {"class": "grid", "x1": x, "x2": x, "y1": float(top), "y2": float(bottom)}))
            if year % step == 0 and year < self.last.year:
                out.append(el("text", {"class": "tick", "x": x + TICK_DX, "y": float(top - TICK_DY)}, str(year)))
        return out


def pack(bars, gap=BAR_GAP):
    """First-fit rows for (x0, x1) bars so none overlap: returns each bar's row number."""
    ends, rows = [], []
    for x0, x1 in bars:
        row = next((i for i, end in enumerate(ends) if end + gap <= x0), len(ends))
        if row == len(ends):
            ends.append(x1)
        ends[row] = x1
        rows.append(row)
    return rows


def swatch(colour, dashed=False, hollow=False):
    """A small legend sample: a line for network kinds, a box otherwise."""
    w, h = float(SWATCH_W), float(SWATCH_H)
    if dashed:
        shape = el("line", {"x1": 1.0, "x2": w - 1, "y1": h / 2, "y2": h / 2, "stroke": colour, "stroke-width": 2.5,
                            "stroke-dasharray": "4 3"})
    else:
        shape = el("rect", {"x": 1.0, "y": 1.0, "width": w - 2, "height": h - 2, "rx": 2.0,
                            "fill": "#fff" if hollow else colour, "stroke": colour, "stroke-width": 1.5})
    return el("svg", {"class": "swatch", "viewBox": f"0 0 {SWATCH_W} {SWATCH_H}", "width": str(SWATCH_W),
                      "height": str(SWATCH_H), "aria-hidden": "true"}, shape)


def legend(items):
    """[(label, swatch svg)] -> an HTML legend."""
    return Markup("".join(f'<span class="key">{sample}{escape(label)}</span>' for label, sample in items))
