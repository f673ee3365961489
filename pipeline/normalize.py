"""Read the verbatim date and count words a coder copied into bounded values.

Bounds are the widest reading the words allow, so a value is never more precise than its
source; the numbers behind vague words and parts of a period live in conventions.yaml, the
one table the codebook prints. The grammar is deliberately small: anything outside it is an
error for a person to fix, not a guess.
"""
import calendar
import re
from datetime import date

from .conventions import CONVENTIONS

COUNTS, DATES = CONVENTIONS["counts"], CONVENTIONS["dates"]


class NormalizeError(ValueError):
    """A date or count fragment the grammar does not cover; message names the text and says what forms are accepted."""


# ---------------------------------------------------------------- dates

DATE_FORMS = ("26 April 2019, April 26, 2019, the 8th March 2016, April 2019, 2019, early/mid/late 2020, "
              "first/second half of 2020, spring/summer/autumn/winter 2020, early/mid/late July 2018, "
              "the (early/mid/late) 2000s; ranges 3–4 March 2020, May–June 2019, April/May 2013, 2019–2021, "
              "between X and Y, from X to Y, X through Y, X–present; open at one end: after X, by X, until X, before X")
RANK = {"day": 0, "month": 1, "season": 2, "year": 3, "decade": 4}
PRECISION = {"day": "day", "bare_day": "day", "month": "month", "month_part": "month", "quad": "season",
             "half": "season", "season": "season", "year": "year", "decade": "decade"}
TABLE = {"month_part": DATES["part_of_month"], "quad": DATES["part_of_year"],
         "half": DATES["half_of_year"], "season": DATES["seasons"]}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
SURROGATE_YEAR = 2000  # a leap year: checks day and order when the year is unknown

_M = (r"(?P<m>january|february|march|april|may|june|july|august|september|october|november|december"
      r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?")
_D = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(?P<y>\d{4})"
_OF_Y = rf"(?: (?:of )?{_Y})?"
_PARTS = [(kind, re.compile(rf"(?:the )?{pattern}")) for kind, pattern in [
    ("day", rf"{_D} (?:of )?{_M}(?: {_Y})?"),
    ("day", rf"{_M} {_D}(?: {_Y})?"),
    ("month", rf"{_M}{_OF_Y}"),
    ("month_part", rf"(?P<sub>early|mid|late) {_M}{_OF_Y}"),
    ("year", _Y),
    ("quad", rf"(?P<sub>early|mid|late) (?:of )?{_Y}"),
    ("half", rf"(?P<sub>first|second) half (?:of )?{_Y}"),
    ("season", rf"(?P<sub>spring|summer|autumn|fall|winter){_OF_Y}"),
    ("decade", rf"(?:(?:early|mid|late) )?(?P<y>\d{{3}}0)'?s"),
    ("bare_day", _D),
    ("present", r"present"),
]]
_PREFIX = re.compile(r"(?:on|in|by|since|sometime in|the) ")
_SEP = re.compile(r"\s*[-/]\s*| (?:to|through|thru|until|till|and) ")


def _fail(text, why):
    raise NormalizeError(f"date {text!r}: {why}; accepted forms: {DATE_FORMS}")


def _part(s, text):
    """One side of a range as {kind, y, m, d, sub}; y and m may still be missing."""
    for kind, rx in _PARTS:
        m = rx.fullmatch(s)
        if m:
            g = m.groupdict()
            p = {"kind": kind, "y": None, "m": None, "d": None, "sub": g.get("sub"), "own_year": False}
            if g.get("y"):
                p["y"], p["own_year"] = int(g["y"]), True
                if not 1000 <= p["y"] <= 2999:
                    _fail(text, f"year {p['y']} is outside 1000–2999")
            if g.get("m"):
                p["m"] = MONTHS.index(g["m"][:3]) + 1
            if g.get("d"):
                p["d"] = int(g["d"])
            return p
    _fail(text, f"{s!r} is not a date form")


def _month_end(y, m):
    return date(y, m, calendar.monthrange(y, m)[1])


def _bounds(p):
    """First and last day the part allows (its year must be set)."""
    k, y, m = p["kind"], p["y"], p["m"]
    if k == "day":
        return date(y, m, p["d"]), date(y, m, p["d"])
    if k == "month":
        return date(y, m, 1), _month_end(y, m)
    if k == "month_part":
        first, last = TABLE[k][p["sub"]]["days"]
        return date(y, m, first), (date(y, m, last) if last else _month_end(y, m))
    if k in ("quad", "half", "season"):
        first, last = TABLE[k][p["sub"]]["months"]
        return date(y, first, 1), _month_end(y + (last < first), last)
    if k == "year":
        return date(y, 1, 1), date(y, 12, 31)
    return date(y, 1, 1), date(y + 9, 12, 31)  # decade


def _edtf(p, known):
    y = f"{p['y']:04d}" if known else "XXXX"
    k = p["kind"]
    if k == "day":
        return f"{y}-{p['m']:02d}-{p['d']:02d}"
    if k == "month":
        return f"{y}-{p['m']:02d}"
    if k == "month_part":
        first, last = TABLE[k][p["sub"]]["days"]
        last = last or calendar.monthrange(p["y"], p["m"])[1]  # y is the leap surrogate when unknown
        return f"{y}-{p['m']:02d}-{first:02d}/{y}-{p['m']:02d}-{last:02d}"
    if k in ("quad", "half", "season"):
        return f"{y}-{TABLE[k][p['sub']]['edtf']}"
    return y if k == "year" else f"{y[:3]}X"


def _endpoint(p, side, known, open_end):
    """A part as one end of an EDTF interval. The edtf library reads no interval with a level-2
    season (or an open interval from a decade), so those ends are written as their bounding day."""
    e = _edtf(p, known)
    if p["kind"] == "month_part":
        return e.split("/")[side]
    if p["kind"] in ("quad", "half") or (open_end and p["kind"] == "decade"):
        return _bounds(p)[side].isoformat()
    return e


def _first_month(p):
    """The month a part starts in, to tell a range that runs into the next year."""
    if p["kind"] in ("quad", "half", "season"):
        return TABLE[p["kind"]][p["sub"]]["months"][0]
    return p["m"] or 1


def parse_date(text: str, context_year: int | None = None) -> dict:
    """The date words as {start, end, edtf, precision, text, year_inferred, ongoing}.

    context_year (a year the caller found in the surrounding text) fills in only a year the
    words lack; with neither, start and end are None and the EDTF year is XXXX.
    """
    if not isinstance(text, str):
        raise NormalizeError(f"date {text!r} is not text")
    if context_year is not None and not (isinstance(context_year, int) and 1000 <= context_year <= 2999):
        raise NormalizeError(f"context year {context_year!r} is not a year in 1000–2999")
    s = re.sub(r"\s+", " ", text.strip().lower().replace(",", " ").replace("–", "-").replace("—", "-"))
    s = re.sub(r"\b(early|mid|late)-(?=\w)", r"\1 ", s)
    bound = _BOUND.fullmatch(s)
    if bound:
        return _bounded(text, bound.group(1), parse_date(bound.group(2), context_year))
    while _PREFIX.match(s):
        s = _PREFIX.sub("", s, count=1)
    between = re.fullmatch(r"(?:between|from) (.+)", s)
    pieces = _SEP.split(between.group(1) if between else s)
    if len(pieces) > 2 or (between and len(pieces) != 2):
        _fail(text, "it is not one date or one range of two")
    if not s:
        _fail(text, "it is empty")
    parts = [_part(piece, text) for piece in pieces]
    if parts[0]["kind"] == "present":
        _fail(text, "'present' can only end a range")
    a, b = parts[0], parts[-1]
    ongoing = b["kind"] == "present"
    if ongoing:
        parts = [a]
    elif len(parts) == 2:
        if b["kind"] == "bare_day":
            _fail(text, "a day number alone ends the range")
        if a["kind"] == "bare_day":
            if b["kind"] != "day":
                _fail(text, "a day number alone must be followed by a day and month")
            a.update(kind="day", m=b["m"])
        a["y"] = b["y"] if a["y"] is None else a["y"]
        b["y"] = a["y"] if b["y"] is None else b["y"]
    if a["kind"] == "bare_day":
        _fail(text, "it lacks a month")

    year_inferred = a["y"] is None and context_year is not None
    known = a["y"] is not None or year_inferred
    if not known and (ongoing or any(p["kind"] == "season" for p in parts)):
        _fail(text, "a season or an open-ended date needs a year, in the words or from the context")
    for p in parts:
        if p["y"] is None:
            p["y"] = context_year if known else SURROGATE_YEAR
    try:
        spans = [_bounds(p) for p in parts]
        if len(parts) == 2 and spans[1][1] < spans[0][0] and not b["own_year"] and _first_month(b) < _first_month(a):
            b["y"] += 1  # a yearless end month before the start month is in the next year (November – February)
            spans = [_bounds(p) for p in parts]
    except ValueError as e:
        _fail(text, f"no such day ({e})")
    if spans[-1][1] < spans[0][0]:
        _fail(text, "the range ends before it starts")

    if ongoing:
        edtf = f"{_endpoint(a, 0, known, True)}/.."
    elif len(parts) == 2:
        edtf = f"{_endpoint(a, 0, known, False)}/{_endpoint(b, 1, known, False)}"
    else:
        edtf = _edtf(a, known)
    precision = max((PRECISION[p["kind"]] for p in parts), key=RANK.get)
    return {"start": spans[0][0] if known else None, "end": spans[-1][1] if known and not ongoing else None,
            "edtf": edtf, "precision": precision, "text": text, "year_inferred": year_inferred, "ongoing": ongoing}


_BOUND = re.compile(r"(after|by|until|till|before|no later than) (.+)")


def first_day_edtf(group):
    """The EDTF of a group's first day as an interval end the edtf library reads."""
    first = group["edtf"].split("/")[0]
    return group["start"].isoformat() if group["precision"] == "season" or first.startswith("..") else first


def _bounded(text, word, group):
    """'after May 2015' (from May 2015, no end), 'by 18 July 2015' / 'until 2014' (ending then,
    no earliest day), 'before May 2015' (ending the day before): an interval open at one end."""
    if group["start"] is None:
        raise NormalizeError(f"date {text!r}: an open-ended date needs a year, in the words or from the context")
    if group["ongoing"] or group["end"] is None:
        raise NormalizeError(f"date {text!r}: {word!r} bounds one date, not an open range")
    out = {**group, "text": text, "ongoing": False}
    if word == "after":
        return {**out, "end": None, "edtf": f"{first_day_edtf(group)}/.."}
    end = group["end"] if word != "before" else date.fromordinal(group["start"].toordinal() - 1)
    last = group["edtf"].split("/")[-1] if word != "before" and group["precision"] != "season" else end.isoformat()
    return {**out, "start": None, "end": end, "edtf": f"../{last}"}


def no_date() -> dict:
    """The date group of a record whose source gives no date."""
    return {"start": None, "end": None, "edtf": "", "precision": "unknown", "text": "", "year_inferred": False, "ongoing": False}


# ---------------------------------------------------------------- relative dates

_RELATIVE = re.compile(r"(?:in )?(?:(?P<n>[\w-]+) (?P<unit>day|week|month|year)s? later"
                       r"|within (?P<wn>[\w-]+) (?P<wunit>day|week|month|year)s? of (?:that|this|the same) date"
                       r"|the (?:following|next) (?P<nunit>day|week|month|year)"
                       r"|(?P<later>later )?(?:that|the same|that same) (?P<sunit>month|year)"
                       r"|the (?P<punit>month|year) (?:prior|before)"
                       r"|(?P<soon>(?:soon |shortly |not long )?after(?:wards)?|after that|afterwards|later|subsequently|thereafter"
                       r"|since the (?:establishment|founding|creation|rise|declaration) of [\w'’ -]+)"
                       r"|(?P<same>(?:around|at|about) (?:this|that|the) same time|meanwhile|at the time|currently|now)"
                       r"|(?:on |last |this )?(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday))")
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _add(d, n, unit):
    """d moved by n days, weeks, months or years (a month end stays in its month)."""
    if unit in ("day", "week"):
        return date.fromordinal(d.toordinal() + n * (7 if unit == "week" else 1))
    months = d.year * 12 + d.month - 1 + n * (12 if unit == "year" else 1)
    y, m = divmod(months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def shift_date(text: str, anchor: dict) -> dict:
    """Relative date words ("three days later", "within a month of that date", "the following
    day") read against an anchor date group (the parse of date words the same passage gives)."""
    m = _RELATIVE.fullmatch(" ".join(str(text).split()).lower()) if isinstance(text, str) else None
    if not m:
        raise NormalizeError(f"relative date {text!r} not understood; accepted: 'N days/weeks/months/years later', "
                             "'within N days/months of that date', 'the following day/week/month/year', 'that same year', "
                             "'later that month', 'the month prior', 'soon after', 'around this same time', 'currently', a weekday")
    if anchor["start"] is None or anchor["end"] is None:
        raise NormalizeError(f"relative date {text!r} needs an anchor with a known year and an end")
    if m.group("sunit") or m.group("punit"):
        return _same_period(text, anchor, m)
    if m.group("soon") or m.group("same") or m.group("wd"):
        return _around(text, anchor, m)
    unit = m.group("unit") or m.group("wunit") or m.group("nunit")
    words = m.group("n") or m.group("wn")
    n = 1 if words is None or words in ("a", "an", "one") else _number(words)
    if n is None or not 0 < n < 1000:
        raise NormalizeError(f"relative date {text!r}: {words!r} is not a number of {unit}s")
    start, end = (date.fromisoformat(str(anchor["start"])), date.fromisoformat(str(anchor["end"])))
    if m.group("wn") is not None:
        start, end = _add(start, -n, unit), _add(end, n, unit)
    else:
        start, end = _add(start, n, unit), _add(end, n, unit)
    edtf = start.isoformat() if start == end else f"{start.isoformat()}/{end.isoformat()}"
    return {"start": start, "end": end, "edtf": edtf, "precision": anchor["precision"] if start == end or m.group("wn") is None else "month",
            "text": text, "year_inferred": anchor["year_inferred"], "ongoing": False}


def _around(text, anchor, m):
    """'soon after' (from the anchor on, no end), 'around this same time' / 'currently' (the
    anchor's own interval), a weekday ('Monday': the last such day on or before the anchor's
    last day, within the anchor; anchor a dated article's publication date)."""
    start, end = date.fromisoformat(str(anchor["start"])), date.fromisoformat(str(anchor["end"]))
    base = {"text": text, "year_inferred": anchor["year_inferred"], "ongoing": False}
    if m.group("same"):
        return {**anchor, **base}
    if m.group("soon"):
        return {**anchor, **base, "end": None, "edtf": f"{first_day_edtf({**anchor, 'start': start})}/.."}
    wd = WEEKDAYS.index(m.group("wd"))
    last = date.fromordinal(end.toordinal() - (end.weekday() - wd) % 7)
    first = date.fromordinal(start.toordinal() + (wd - start.weekday()) % 7)
    if start == end:  # a dated article: its Monday is the last one up to its date
        return {**base, "start": last, "end": last, "edtf": last.isoformat(), "precision": "day"}
    if last < start:
        raise NormalizeError(f"relative date {text!r}: no {m.group('wd')} falls within the anchor {anchor['edtf']}")
    if first == last:
        return {**base, "start": first, "end": first, "edtf": first.isoformat(), "precision": "day"}
    return {**base, "start": first, "end": last, "edtf": f"{first.isoformat()}/{last.isoformat()}", "precision": anchor["precision"]}


def _same_period(text, anchor, m):
    """'that same year', 'later that month', 'the month prior': the anchor's (or the previous) month or year."""
    unit = m.group("sunit") or m.group("punit")
    first = date.fromisoformat(str(anchor["start"]))
    if m.group("punit"):
        first = _add(first.replace(day=1), -1, unit)
    if unit == "year":
        start, end, edtf, precision = date(first.year, 1, 1), date(first.year, 12, 31), f"{first.year}", "year"
    else:
        start = first.replace(day=1)
        end = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
        edtf, precision = f"{first.year}-{first.month:02d}", "month"
    if m.group("later"):
        start = date.fromisoformat(str(anchor["start"]))
        edtf = f"{start.isoformat()}/{end.isoformat()}"
    return {"start": start, "end": end, "edtf": edtf, "precision": precision, "text": text,
            "year_inferred": anchor["year_inferred"], "ongoing": False}


# ---------------------------------------------------------------- counts

VAGUE = COUNTS["vague"]
COUNT_FORMS = ("a number (79, 2,000, seventy-nine, a hundred); N+ or N or more; "
               + "; ".join(f"{' / '.join(COUNTS[q]['words'])} N" for q in ("approximately", "nearly", "at_least",
                                                                        "more_than", "up_to"))
               + "; A to B, A-B, between A and B; or one of: " + ", ".join(VAGUE))
_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_WORDS = re.compile(r"[a-z]+(?:[ -][a-z]+)*")


def _count_fail(text, why):
    raise NormalizeError(f"count {text!r}: {why}; accepted forms: {COUNT_FORMS}")


def _number(s):
    """A non-negative whole number in digits (thousands commas allowed) or English words; else None."""
    if _DIGITS.fullmatch(s):
        return int(s.replace(",", ""))
    if not _WORDS.fullmatch(s) or s in ("a", "and"):
        return None
    from text_to_num import text2num  # here, so that link, which reads only dates, does not import it
    try:
        return text2num(re.sub(r"^an? ", "one ", s), "en")
    except ValueError:
        return None


def _pair(s, sep):
    """(A, B) for the first split of s on sep where both sides are numbers."""
    for m in re.finditer(sep, s):
        lo, hi = _number(s[:m.start()]), _number(s[m.end():])
        if lo is not None and hi is not None:
            return lo, hi
    return None


def parse_count(text: str) -> dict:
    """The number words as {low, high, best, qualifier, text}; high None means no upper bound."""
    if not isinstance(text, str):
        raise NormalizeError(f"count {text!r} is not text")
    s = re.sub(r"\s+", " ", text.strip().lower().replace("–", "-").replace("—", "-"))
    s = re.sub(r" of$", "", s)

    def result(low, high, best, qualifier):
        return {"low": low, "high": high, "best": best, "qualifier": qualifier, "text": text}

    if re.match(r"(-|−|minus |negative )", s):
        _count_fail(text, "a count cannot be negative")
    if s in VAGUE:
        return result(VAGUE[s]["low"], VAGUE[s]["high"], None, "vague")
    n = _number(s)
    if n is not None:
        return result(n, n, n, "exact")
    suffixed = re.fullmatch(r"(.+?)(?:\s*\+| or more)", s)  # N+, N or more
    n = _number(suffixed.group(1)) if suffixed else None
    if n is not None:
        return result(n, None, n, "at_least")
    for qualifier in ("approximately", "nearly", "at_least", "more_than", "up_to"):
        for word in COUNTS[qualifier]["words"]:
            n = _number(s[len(word) + 1:]) if s.startswith(word + " ") else None
            if n is None:
                continue
            pct = COUNTS[qualifier].get("margin_percent", 0)
            low, high = n * (100 - pct) // 100, -(-n * (100 + pct) // 100)  # integers: no float rounding
            if qualifier == "approximately":
                return result(low, high, n, qualifier)
            if qualifier == "nearly":
                return result(low, n, n, qualifier)
            if qualifier == "at_least":
                return result(n, None, n, qualifier)
            if qualifier == "more_than":
                return result(n + 1, None, n + 1, qualifier)
            return result(0, n, None, "range")  # up to N
    between = re.fullmatch(r"between (.+)", s)
    pair = (_pair(between.group(1), r" and ") if between
            else _pair(s, r" to ") or (_pair(s, r"\s*-\s*") if re.fullmatch(r"[\d,]+\s*-\s*[\d,]+", s) else None))
    if pair is None:
        _count_fail(text, "it is not a number phrase")
    if pair[0] > pair[1]:
        _count_fail(text, "the range's low end is above its high end")
    return result(pair[0], pair[1], None, "range")
