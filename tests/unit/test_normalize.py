"""pipeline.normalize: the documented examples, and properties that the bounds always hold the words' meaning."""
import calendar
import functools
import re
from datetime import date

import edtf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.normalize import CONVENTIONS, NormalizeError, parse_count, parse_date, shift_date

pytestmark = pytest.mark.unit

D = date
MONTHS = list(calendar.month_name)[1:]
DATE_KEYS = {"start", "end", "edtf", "precision", "text", "year_inferred", "ongoing"}
COUNT_KEYS = {"low", "high", "best", "qualifier", "text"}


@functools.cache
def parse_edtf(text):
    """The edtf package's reading of an EDTF string (it raises on an invalid one), once per string:
    a parse takes about 10 ms, and the renderings of one date share their EDTF."""
    return edtf.parse_edtf(text)


# ------------------------------------------------------------------ dates: examples

@pytest.mark.parametrize("text, context, start, end, edtf, precision", [
    ("26 April 2019", None, D(2019, 4, 26), D(2019, 4, 26), "2019-04-26", "day"),
    ("April 26, 2019", None, D(2019, 4, 26), D(2019, 4, 26), "2019-04-26", "day"),
    ("August 30, 2016", None, D(2016, 8, 30), D(2016, 8, 30), "2016-08-30", "day"),
    ("the 8th March 2016", None, D(2016, 3, 8), D(2016, 3, 8), "2016-03-08", "day"),
    ("1st Sept. 2015", None, D(2015, 9, 1), D(2015, 9, 1), "2015-09-01", "day"),
    ("On 26 April 2019", None, D(2019, 4, 26), D(2019, 4, 26), "2019-04-26", "day"),
    ("26 April", None, None, None, "XXXX-04-26", "day"),
    ("14 March", 2020, D(2020, 3, 14), D(2020, 3, 14), "2020-03-14", "day"),
    ("April 2019", None, D(2019, 4, 1), D(2019, 4, 30), "2019-04", "month"),
    ("February 2020", None, D(2020, 2, 1), D(2020, 2, 29), "2020-02", "month"),
    ("February 2019", None, D(2019, 2, 1), D(2019, 2, 28), "2019-02", "month"),
    ("April", None, None, None, "XXXX-04", "month"),
    ("April", 2019, D(2019, 4, 1), D(2019, 4, 30), "2019-04", "month"),
    ("2019", None, D(2019, 1, 1), D(2019, 12, 31), "2019", "year"),
    ("2019", 2015, D(2019, 1, 1), D(2019, 12, 31), "2019", "year"),
    ("since 2019", None, D(2019, 1, 1), D(2019, 12, 31), "2019", "year"),
    ("early 2020", None, D(2020, 1, 1), D(2020, 4, 30), "2020-37", "season"),
    ("mid 2020", None, D(2020, 5, 1), D(2020, 8, 31), "2020-38", "season"),
    ("mid-2020", None, D(2020, 5, 1), D(2020, 8, 31), "2020-38", "season"),
    ("late 2020", None, D(2020, 9, 1), D(2020, 12, 31), "2020-39", "season"),
    ("the first half of 2020", None, D(2020, 1, 1), D(2020, 6, 30), "2020-40", "season"),
    ("first half of 2020", None, D(2020, 1, 1), D(2020, 6, 30), "2020-40", "season"),
    ("second half of 2020", None, D(2020, 7, 1), D(2020, 12, 31), "2020-41", "season"),
    ("spring 2020", None, D(2020, 3, 1), D(2020, 5, 31), "2020-21", "season"),
    ("the summer 2020", None, D(2020, 6, 1), D(2020, 8, 31), "2020-22", "season"),
    ("In the summer of 2020", None, D(2020, 6, 1), D(2020, 8, 31), "2020-22", "season"),
    ("autumn 2020", None, D(2020, 9, 1), D(2020, 11, 30), "2020-23", "season"),
    ("fall 2020", None, D(2020, 9, 1), D(2020, 11, 30), "2020-23", "season"),
    ("winter 2020", None, D(2020, 12, 1), D(2021, 2, 28), "2020-24", "season"),
    ("winter 2019", None, D(2019, 12, 1), D(2020, 2, 29), "2019-24", "season"),
    ("summer", 2016, D(2016, 6, 1), D(2016, 8, 31), "2016-22", "season"),
    ("early July 2018", None, D(2018, 7, 1), D(2018, 7, 10), "2018-07-01/2018-07-10", "month"),
    ("mid-July 2018", None, D(2018, 7, 11), D(2018, 7, 20), "2018-07-11/2018-07-20", "month"),
    ("mid July", None, None, None, "XXXX-07-11/XXXX-07-20", "month"),
    ("late July 2018", None, D(2018, 7, 21), D(2018, 7, 31), "2018-07-21/2018-07-31", "month"),
    ("late February 2019", None, D(2019, 2, 21), D(2019, 2, 28), "2019-02-21/2019-02-28", "month"),
    ("the 2000s", None, D(2000, 1, 1), D(2009, 12, 31), "200X", "decade"),
    ("2000s", None, D(2000, 1, 1), D(2009, 12, 31), "200X", "decade"),
    ("the mid-2000s", None, D(2000, 1, 1), D(2009, 12, 31), "200X", "decade"),
    ("early 2000s", None, D(2000, 1, 1), D(2009, 12, 31), "200X", "decade"),
    ("late 1990s", None, D(1990, 1, 1), D(1999, 12, 31), "199X", "decade"),
    ("3 and 4 March", None, None, None, "XXXX-03-03/XXXX-03-04", "day"),
    ("3 and 4 March", 2020, D(2020, 3, 3), D(2020, 3, 4), "2020-03-03/2020-03-04", "day"),
    ("between 3 and 4 March 2020", None, D(2020, 3, 3), D(2020, 3, 4), "2020-03-03/2020-03-04", "day"),
    ("3–4 March 2020", None, D(2020, 3, 3), D(2020, 3, 4), "2020-03-03/2020-03-04", "day"),
    ("26 April – 3 May 2019", None, D(2019, 4, 26), D(2019, 5, 3), "2019-04-26/2019-05-03", "day"),
    ("May 2019 – March 2020", None, D(2019, 5, 1), D(2020, 3, 31), "2019-05/2020-03", "month"),
    ("May–June 2019", None, D(2019, 5, 1), D(2019, 6, 30), "2019-05/2019-06", "month"),
    ("April/May 2013", None, D(2013, 4, 1), D(2013, 5, 31), "2013-04/2013-05", "month"),
    ("between 2019 and 2021", None, D(2019, 1, 1), D(2021, 12, 31), "2019/2021", "year"),
    ("2019–2021", None, D(2019, 1, 1), D(2021, 12, 31), "2019/2021", "year"),
    ("2019—2021", None, D(2019, 1, 1), D(2021, 12, 31), "2019/2021", "year"),
    ("December 2019 through January 2020", None, D(2019, 12, 1), D(2020, 1, 31), "2019-12/2020-01", "month"),
    ("from May 2019 to March 2020", None, D(2019, 5, 1), D(2020, 3, 31), "2019-05/2020-03", "month"),
    ("November – February", 2019, D(2019, 11, 1), D(2020, 2, 29), "2019-11/2020-02", "month"),
    ("early 2019 – mid-2020", None, D(2019, 1, 1), D(2020, 8, 31), "2019-01-01/2020-08-31", "season"),
    ("May 2019 – 2021", None, D(2019, 5, 1), D(2021, 12, 31), "2019-05/2021", "year"),
])
def test_date_examples(text, context, start, end, edtf, precision):
    got = parse_date(text, context)
    assert set(got) == DATE_KEYS
    assert (got["start"], got["end"], got["edtf"], got["precision"]) == (start, end, edtf, precision)
    assert got["text"] == text and got["ongoing"] is False
    assert got["year_inferred"] is (context is not None and not re.search(r"\d{4}", text))
    parse_edtf(got["edtf"])


def test_context_year_only_fills_a_missing_year():
    assert parse_date("14 March", 2020)["year_inferred"] is True
    assert parse_date("14 March 2019", 2020)["year_inferred"] is False
    assert parse_date("14 March 2019", 2020)["start"] == D(2019, 3, 14)
    assert parse_date("26 April", None)["year_inferred"] is False


@pytest.mark.parametrize("text, start, edtf, precision", [
    ("3 February 2014–present", D(2014, 2, 3), "2014-02-03/..", "day"),
    ("July 2019 – present", D(2019, 7, 1), "2019-07/..", "month"),
    ("2014-present", D(2014, 1, 1), "2014/..", "year"),
    ("from summer 2015 to the present", D(2015, 6, 1), "2015-22/..", "season"),
])
def test_open_ended(text, start, edtf, precision):
    got = parse_date(text)
    assert (got["start"], got["end"], got["edtf"], got["precision"], got["ongoing"]) == (start, None, edtf, precision, True)
    parse_edtf(got["edtf"])


@pytest.mark.parametrize("text", [
    "", "   ", "present", "31 February 2019", "29 February 2019", "30 April 2020 and", "4–3 March 2020", "2021–2019",
    "June – May 2019", "999", "3000", "summer", "3", "3 February–present", "yesterday", "26/04/2019", "2019-04-26",
    "between 2019", "Ramadan 2016", "the 2001s", "early", "1 2 3 March",
])
def test_date_rejects(text):
    with pytest.raises(NormalizeError):
        parse_date(text)


def test_date_error_names_text_and_forms():
    with pytest.raises(NormalizeError, match=r"'yesterday'.*accepted forms: 26 April 2019"):
        parse_date("yesterday")


# ------------------------------------------------------------------ counts: examples

@pytest.mark.parametrize("text, low, high, best, qualifier", [
    ("79", 79, 79, 79, "exact"),
    ("2,000", 2000, 2000, 2000, "exact"),
    ("seventy-nine", 79, 79, 79, "exact"),
    ("three", 3, 3, 3, "exact"),
    ("a hundred", 100, 100, 100, "exact"),
    ("one hundred and ten", 110, 110, 110, "exact"),
    ("0", 0, 0, 0, "exact"),
    ("about 245", 220, 270, 245, "approximately"),
    ("around 100", 90, 110, 100, "approximately"),
    ("approximately 50", 45, 55, 50, "approximately"),
    ("some 40", 36, 44, 40, "approximately"),
    ("roughly 10", 9, 11, 10, "approximately"),
    ("nearly 30", 27, 30, 30, "nearly"),
    ("at least seven", 7, None, 7, "at_least"),
    ("10,000+", 10000, None, 10000, "at_least"),
    ("1,500+", 1500, None, 1500, "at_least"),
    ("20 or more", 20, None, 20, "at_least"),
    ("over seventy", 71, None, 71, "more_than"),
    ("more than 160", 161, None, 161, "more_than"),
    ("over a hundred", 101, None, 101, "more_than"),
    ("3,500 to 7,000", 3500, 7000, None, "range"),
    ("50-80", 50, 80, None, "range"),
    ("50–70", 50, 70, None, "range"),
    ("25 to 30", 25, 30, None, "range"),
    ("600 to 700", 600, 700, None, "range"),
    ("between 20 and 30", 20, 30, None, "range"),
    ("between one hundred and ten and two hundred", 110, 200, None, "range"),
    ("up to 40", 0, 40, None, "range"),
    ("a few", 2, 5, None, "vague"),
    ("several", 3, 9, None, "vague"),
    ("a dozen", 10, 14, None, "vague"),
    ("dozens", 24, 99, None, "vague"),
    ("Dozens of", 24, 99, None, "vague"),
    ("scores", 40, 99, None, "vague"),
    ("tens", 20, 99, None, "vague"),
    ("hundreds", 200, 999, None, "vague"),
    ("several hundred", 300, 999, None, "vague"),
    ("thousands", 2000, 9999, None, "vague"),
    ("several thousand", 3000, 9999, None, "vague"),
    ("tens of thousands", 20000, 99999, None, "vague"),
    ("many", 2, None, None, "vague"),
    ("multiple", 2, None, None, "vague"),
    ("some", 2, None, None, "vague"),
    ("a handful", 2, 6, None, "vague"),
])
def test_count_examples(text, low, high, best, qualifier):
    got = parse_count(text)
    assert set(got) == COUNT_KEYS
    assert (got["low"], got["high"], got["best"], got["qualifier"]) == (low, high, best, qualifier)
    assert got["text"] == text


@pytest.mark.parametrize("text", ["", " ", "-5", "unknown", "many many", "80-50", "2,00", "3 drug dealers", "about",
                                  "over", "a", "first", "between 5", "1.5"])
def test_count_rejects(text):
    with pytest.raises(NormalizeError, match="accepted forms"):
        parse_count(text)


@pytest.mark.parametrize("text", ["-5", "−70", "minus seventy", "negative 3", "-5 to 3"])
def test_a_negative_count_is_refused_as_negative(text):
    with pytest.raises(NormalizeError, match="a count cannot be negative"):
        parse_count(text)


def test_vague_table_is_documented():
    for word, row in CONVENTIONS["counts"]["vague"].items():
        assert row["meaning"] and row["low"] >= 0 and (row["high"] is None or row["low"] <= row["high"])
        assert parse_count(word)["low"] == row["low"]


# ------------------------------------------------------------------ properties

WORDS = st.sampled_from(["early", "mid", "late", "mid-", "the", "of", "between", "and", "to", "from", "present",
                         "first", "half", "summer", "winter", "2019", "2000s", "3", "4th", "March", "Feb", "–", "-",
                         "/", ",", "about", "over", "at least", "+", "dozens", "a", "hundred", "seventy-nine",
                         "1,500", "0", "31", "2999", "1000"])
TEXTS = st.one_of(st.text(max_size=40), st.lists(WORDS, max_size=6).map(" ".join))


def check_date(got):
    assert set(got) == DATE_KEYS
    if got["start"] and got["end"]:
        assert got["start"] <= got["end"]
    parse_edtf(got["edtf"])


@settings(deadline=None)
@given(TEXTS, st.one_of(st.none(), st.integers(1000, 2999)))
def test_parse_date_only_raises_normalize_error(text, context):
    try:
        got = parse_date(text, context)
    except NormalizeError:
        return
    check_date(got)


@settings(deadline=None)
@given(TEXTS)
def test_parse_count_only_raises_normalize_error(text):
    try:
        got = parse_count(text)
    except NormalizeError:
        return
    assert set(got) == COUNT_KEYS and got["low"] >= 0
    assert got["high"] is None or got["low"] <= got["high"]


def part_of(value, table, key):
    """The table entry (word) whose range holds value."""
    return next(w for w, row in table.items() if row[key][0] <= value <= (row[key][1] or 31))


def renderings(d):
    """Every single-date wording that contains day d, with its precision."""
    dates = CONVENTIONS["dates"]
    month, y = MONTHS[d.month - 1], d.year
    season_year = y - 1 if d.month < 3 else y
    season = next(w for w, row in dates["seasons"].items()
                  if d.month in ((12, 1, 2) if w == "winter" else range(row["months"][0], row["months"][1] + 1)))
    return [
        (f"{d.day} {month} {y}", "day"), (f"{month} {d.day}, {y}", "day"), (f"{month[:3]} {d.day} {y}", "day"),
        (f"{month} {y}", "month"), (f"{y}", "year"),
        (f"{part_of(d.month, dates['part_of_year'], 'months')} {y}", "season"),
        (f"the {'first' if d.month <= 6 else 'second'} half of {y}", "season"),
        (f"{season} {season_year}", "season"),
        (f"{part_of(d.day, dates['part_of_month'], 'days')} {month} {y}", "month"),
        (f"the {y // 10 * 10}s", "decade"),
    ]


@settings(deadline=None)
@given(st.dates(D(1900, 1, 1), D(2100, 12, 31)))
def test_bounds_contain_every_day_the_words_allow(d):
    for text, precision in renderings(d):
        got = parse_date(text)
        check_date(got)
        assert got["precision"] == precision, text
        assert got["start"] <= d <= got["end"], text
        if precision == "day":
            assert got["start"] == got["end"] == d


@settings(deadline=None)
@given(st.dates(D(1900, 1, 1), D(2100, 12, 31)), st.dates(D(1900, 1, 1), D(2100, 12, 31)),
       st.sampled_from([" – ", "-", " to ", " through "]))
def test_ranges_span_both_parts(d1, d2, sep):
    d1, d2 = min(d1, d2), max(d1, d2)
    for (t1, p1), (t2, p2) in zip(renderings(d1), renderings(d2)):
        got = parse_date(f"{t1}{sep}{t2}")
        check_date(got)
        assert got["start"] == parse_date(t1)["start"] and got["end"] == parse_date(t2)["end"]
        assert got["start"] <= d1 <= d2 <= got["end"]
    open_ended = parse_date(f"{renderings(d1)[0][0]}{sep}present")
    assert open_ended["ongoing"] and open_ended["start"] == d1 and open_ended["end"] is None


@settings(deadline=None)
@given(st.dates(D(1900, 1, 1), D(2100, 12, 31)))
def test_yearless_words_use_context_or_stay_unknown(d):
    text = f"{d.day} {MONTHS[d.month - 1]}"
    got = parse_date(text, d.year)
    assert (got["start"], got["end"], got["year_inferred"]) == (d, d, True)
    if (d.month, d.day) != (2, 29) or calendar.isleap(d.year):
        unknown = parse_date(text)
        assert (unknown["start"], unknown["end"], unknown["edtf"]) == (None, None, f"XXXX-{d:%m-%d}")
        parse_edtf(unknown["edtf"])


@settings(deadline=None)
@given(st.integers(0, 10**7))
def test_count_forms(n):
    digits, commas = str(n), f"{n:,}"
    for text in (digits, commas):
        assert parse_count(text) == {"low": n, "high": n, "best": n, "qualifier": "exact", "text": text}
    at_least = parse_count(f"at least {commas}")
    assert (at_least["low"], at_least["high"], at_least["best"]) == (n, None, n)
    assert parse_count(f"{commas}+")["low"] == n
    over = parse_count(f"over {digits}")
    assert (over["low"], over["high"], over["best"], over["qualifier"]) == (n + 1, None, n + 1, "more_than")
    about = parse_count(f"about {commas}")
    assert about["low"] <= n <= about["high"] and about["best"] == n
    assert about["low"] == n * 9 // 10 and about["high"] == -(-n * 11 // 10)
    assert about["high"] - about["low"] <= n // 5 + 2


@settings(deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(["-", "–", " to ", " - "]))
def test_count_ranges(a, b, sep):
    text = f"{a:,}{sep}{b:,}"
    if a > b:
        with pytest.raises(NormalizeError):
            parse_count(text)
    else:
        assert parse_count(text) == {"low": a, "high": b, "best": None, "qualifier": "range", "text": text}
        assert parse_count(f"between {a} and {b}")["high"] == b


# ---------------------------------------------------------------- relative dates



def test_relative_words_are_read_against_their_anchor():
    assert shift_date("Three days later", parse_date("12 October 2006"))["start"] == date(2006, 10, 15)
    within = shift_date("within a month of that date", parse_date("20 September 2003"))
    assert (within["start"], within["end"], within["edtf"]) == (date(2003, 8, 20), date(2003, 10, 20), "2003-08-20/2003-10-20")
    assert shift_date("the following day", parse_date("31 December 2019"))["start"] == date(2020, 1, 1)


def test_a_relative_date_keeps_the_anchors_inferred_year_flag():
    assert shift_date("three days later", parse_date("15 July", context_year=2018))["year_inferred"] is True


def test_a_relative_date_without_a_known_anchor_year_is_refused():
    with pytest.raises(NormalizeError):
        shift_date("three days later", parse_date("15 July"))
    with pytest.raises(NormalizeError):
        shift_date("soon after", parse_date("15 July"))
    with pytest.raises(NormalizeError):
        shift_date("yesterday", parse_date("15 July 2018"))


def test_same_and_previous_periods_follow_their_anchor():
    same = shift_date("In the same month", parse_date("mid-June 2019"))
    assert (same["start"], same["end"], same["precision"]) == (date(2019, 6, 1), date(2019, 6, 30), "month")
    prior = shift_date("the month prior", parse_date("January 2020"))
    assert (prior["start"], prior["end"], prior["edtf"]) == (date(2019, 12, 1), date(2019, 12, 31), "2019-12")
    assert shift_date("that same year", parse_date("2015"))["edtf"] == "2015"


@pytest.mark.parametrize("text", ["79", "about 245", "nearly 30", "almost 200", "at least seven", "10,000+", "more than 100",
                                  "up to 50", "50-80", "dozens"])
def test_every_qualifier_the_parser_gives_is_a_published_value(text):
    from pipeline import schemas
    assert parse_count(text)["qualifier"] in schemas.enum_values("casualties", "count_qualifier")


@pytest.mark.parametrize("text, start, end, edtf, precision", [
    ("after May 2015", D(2015, 5, 1), None, "2015-05/..", "month"),
    ("by 18 July 2015", None, D(2015, 7, 18), "../2015-07-18", "day"),
    ("By January 2020", None, D(2020, 1, 31), "../2020-01", "month"),
    ("until 2014", None, D(2014, 12, 31), "../2014", "year"),
    ("before May 2015", None, D(2015, 4, 30), "../2015-04-30", "month"),
    ("by early 2020", None, D(2020, 4, 30), "../2020-04-30", "season"),
])
def test_bounded_dates_are_intervals_open_at_one_end(text, start, end, edtf, precision):
    got = parse_date(text)
    assert (got["start"], got["end"], got["edtf"], got["precision"], got["ongoing"]) == (start, end, edtf, precision, False)
    parse_edtf(got["edtf"])


def test_a_bounded_date_needs_a_year():
    assert parse_date("by 18 July", context_year=2015)["end"] == D(2015, 7, 18)
    with pytest.raises(NormalizeError, match="needs a year"):
        parse_date("after 26 April")


def test_soon_after_opens_from_the_anchor_and_the_same_time_is_the_anchor():
    soon = shift_date("soon after", parse_date("October 2021"))
    assert (soon["start"], soon["end"], soon["edtf"]) == (D(2021, 10, 1), None, "2021-10/..")
    same = shift_date("Around this same time", parse_date("late 2020"))
    assert (same["start"], same["end"], same["precision"]) == (D(2020, 9, 1), D(2020, 12, 31), "season")


def test_a_weekday_is_the_last_one_on_or_before_a_dated_anchor():
    # 12 June 2017 was a Monday; 14 June a Wednesday
    assert shift_date("Monday", parse_date("14 June 2017"))["start"] == D(2017, 6, 12)
    assert shift_date("on Wednesday", parse_date("14 June 2017"))["end"] == D(2017, 6, 14)
    year = shift_date("Monday", parse_date("2017"))
    assert (year["start"], year["end"], year["precision"]) == (D(2017, 1, 2), D(2017, 12, 25), "year")
    assert shift_date("currently", parse_date("30 August 2016"))["edtf"] == "2016-08-30"
