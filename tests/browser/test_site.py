"""The built site (build/site/index.html) in a real browser: Debian's chromium, headless, driven
by playwright's Python package. `make test` builds the site first. Every expected number is
computed here from the published CSV files, not read from the page.

chromium is installed with apt-get when /usr/bin/chromium is missing; `playwright install` is
never used (it downloads a browser from a CDN)."""
import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import apt_commands, run_one_at_a_time
from pipeline.files import ROOT
from pipeline.site import NETWORK_RELATIONS, PAGE_ROWS

pytestmark = pytest.mark.browser

BUILD = ROOT / "build"
SITE = BUILD / "site" / "index.html"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
APT_INSTALL = apt_commands(["chromium"])
FIX = "run `apt-get update && apt-get install -y --no-install-recommends chromium` as root"


def rows(table):
    with open(BUILD / f"{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def ensure_chromium():
    """Install Debian's chromium when /usr/bin/chromium is missing; fail with the fix otherwise."""
    if CHROMIUM.exists():
        return
    try:
        failed = run_one_at_a_time(APT_INSTALL, CHROMIUM.exists)
    except OSError as e:
        pytest.fail(f"{CHROMIUM} is missing and apt-get could not run ({e}). Fix: {FIX}", pytrace=False)
    if failed:
        command, out = failed
        pytest.fail(f"{CHROMIUM} is missing and `{' '.join(command)}` failed (exit {out.returncode}):\n"
                    f"{(out.stderr or out.stdout)[-2000:]}\nFix: {FIX}", pytrace=False)
    if not CHROMIUM.exists():
        pytest.fail(f"apt-get installed chromium but {CHROMIUM} does not exist. Fix: {FIX}", pytrace=False)


@pytest.fixture(scope="session")
def browser():
    if not SITE.exists():
        pytest.fail(f"{SITE} is missing. Fix: run `make` (or `make test`, which builds first)", pytrace=False)
    ensure_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page on the site; console errors, page errors and any request that is not a local
    file fail the test."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.problems, page.requests = [], []
    page.on("console", lambda m: page.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(SITE.as_uri())
    page.wait_for_selector('[data-count="evidence"]:not(:empty)', state="attached")
    yield page
    problems, outside = page.problems, [u for u in page.requests if not u.startswith("file://")]
    page.close()
    assert not problems, problems
    assert not outside, f"the page asked the network for {outside}"


def open_table(page, table):
    page.click(f'button[data-tab="{table}"]')
    return page.locator(f'table[data-data-table="{table}"] tbody tr')


def row_of(page, table, index):
    """Row `index` of a table (its number in the CSV, from 0), turning the table's pages to it."""
    open_table(page, table)
    while True:
        shown = page.text_content(f'[data-pages="{table}"]')
        first, last = (int(n) for n in re.search(r"rows (\d+)–(\d+)", shown).groups())
        if first - 1 <= index < last:
            return page.locator(f'table[data-data-table="{table}"] tr[data-row="{index}"]')
        page.click(f'[data-{"next" if index >= last else "prev"}="{table}"]')
        page.wait_for_function("([t, s]) => document.querySelector(`[data-pages='${t}']`).textContent !== s", arg=[table, shown])


def column_values(page, table, column):
    index = list(rows(table)[0]).index(column)
    return page.evaluate("([t, i]) => Array.from(document.querySelectorAll(`table[data-data-table='${t}'] tbody tr`))"
                         ".map(tr => tr.children[i].textContent)", [table, index])


def settled(page):
    """Wait until the evidence panel shows what was last asked for (its files are loaded)."""
    page.wait_for_selector('#evidence[aria-busy="false"]', state="attached")


def marks_in_panel(page):
    settled(page)
    return page.locator("#evidence-body mark").all_text_contents()


def quotes_of(table, record_id):
    """The published quotes of a record: a withheld quote (an excerpts source) is empty and shows no mark."""
    return [e["quote"] for e in rows("evidence") if e["record_table"] == table and e["record_id"] == record_id and e["quote"]]


def test_the_page_loads_from_the_file_system_without_errors_and_is_screenshotted(page, tmp_path_factory, capsys):
    assert page.title().startswith("Al-Qaeda")
    assert all(u.startswith("file://") for u in page.requests)
    folder = tmp_path_factory.mktemp("site-screenshots")
    page.screenshot(path=folder / "site-full.png", full_page=True)
    open_table(page, "events").first.locator("td").first.click()
    settled(page)
    page.screenshot(path=folder / "site-evidence-panel.png")
    with capsys.disabled():  # printed in the test output, to be looked at
        print(f"\nsite screenshots: {folder / 'site-full.png'} and {folder / 'site-evidence-panel.png'}")


def test_every_chart_has_drawn_marks_one_per_row(page):
    charts = page.locator("svg.chart")
    assert charts.count() >= 5
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.locator("rect, circle, path, line").count() > 0, chart.get_attribute("id")

    def ids(chart_id):
        return sorted(page.eval_on_selector_all(f"#{chart_id} .mark", "ms => ms.map(m => m.dataset.id)"))

    events = rows("events")
    assert ids("chart-timeline") == sorted(e["event_id"] for e in events if e["date_start"])
    undated = [e["event_id"] for e in events if not e["date_start"]]
    assert undated and sorted(page.eval_on_selector_all("#undated li", "ls => ls.map(l => l.dataset.id)")) == sorted(undated)

    casualties = rows("casualties")
    assert ids("chart-casualties") == sorted(c["casualty_id"] for c in casualties if c["scope"] == "event")
    assert ids("chart-casualty-totals") == sorted(c["casualty_id"] for c in casualties if c["scope"] != "event")
    for chart in ("chart-casualties", "chart-casualty-totals"):
        scope = (lambda c: c["scope"] == "event") if chart == "chart-casualties" else (lambda c: c["scope"] != "event")
        chosen = [c for c in casualties if scope(c)]
        assert page.locator(f"#{chart} .mark.claimed").count() == sum(1 for c in chosen if c["claimed_by"])
        assert page.locator(f"#{chart} .mark.open").count() == sum(1 for c in chosen if not c["count_high"])

    edges = [p["pledge_id"] for p in rows("pledges") if p["date_start"]]
    edges += [r["relation_id"] for r in rows("relations") if r["relation"] in NETWORK_RELATIONS and r["valid_start"]]
    assert ids("chart-network") == sorted(edges)

    pairs = {(e["source_id"], e["record_table"]) for e in rows("evidence")}
    assert page.locator("#chart-overview .mark").count() == len(pairs)


def test_typing_in_a_search_box_filters_the_tables_page(page):
    for table, query in (("events", "darzab"), ("evidence", "bay'ah"), ("actors", "province")):
        all_rows = rows(table)
        on_page = all_rows[:PAGE_ROWS]  # the first page is shown
        where = " on this page" if len(all_rows) > PAGE_ROWS else ""
        expected = sum(1 for r in on_page if any(query in v.lower() for v in r.values()))
        table_rows = open_table(page, table)
        assert table_rows.count() == len(on_page)
        page.fill(f'input[data-search="{table}"]', query)
        assert 0 < expected < len(on_page)
        assert table_rows.count() == expected, (table, query)
        assert page.text_content(f'[data-count="{table}"]') == f"{expected} of {len(on_page)} rows{where}"
        page.fill(f'input[data-search="{table}"]', "")
        assert table_rows.count() == len(on_page)


def test_a_table_longer_than_a_page_is_shown_a_page_at_a_time(page):
    evidence = rows("evidence")
    pages = -(-len(evidence) // PAGE_ROWS)
    assert pages >= 2
    assert page.text_content('[data-pages="evidence"]') == f"page 1 of {pages} · rows 1–{PAGE_ROWS} of {len(evidence)}"
    assert page.locator('[data-prev="evidence"]').is_disabled()
    last = row_of(page, "evidence", len(evidence) - 1)
    assert last.locator("td").first.text_content() == evidence[-1]["evidence_id"]
    assert column_values(page, "evidence", "evidence_id") == [e["evidence_id"] for e in evidence[(pages - 1) * PAGE_ROWS:]]
    assert page.locator('[data-next="evidence"]').is_disabled()
    assert page.text_content('[data-count="evidence"]') == f"{len(evidence) - (pages - 1) * PAGE_ROWS} rows on this page"


def test_data_files_load_only_when_needed(page):
    """At first the page asks for the first page of each table and nothing else; a source's text
    is asked for when a quote of it is shown."""
    loaded = sorted(u.split("/site/", 1)[1] for u in page.requests if "/site/data/" in u)
    tables = [r["name"] for r in json.loads((BUILD / "datapackage.json").read_text(encoding="utf-8"))["resources"]
              if r["format"] == "csv" and not r["path"].startswith("exports/")]
    assert len(tables) >= 12 and loaded == sorted(["data/meta.js"] + [f"data/tables/{t}/0.js" for t in tables])
    full = {s["source_id"] for s in rows("sources") if s["redistribution"] == "full"}
    event = next(e for e in rows("evidence") if e["record_table"] == "events" and e["source_id"] in full)
    page.locator(f'#chart-timeline .mark[data-id="{event["record_id"]}"], #undated li[data-id="{event["record_id"]}"]').first.dispatch_event("click")
    assert event["quote"] in marks_in_panel(page)
    asked = {u.split("/site/", 1)[1] for u in page.requests if "/data/sources/" in u}
    assert f"data/sources/{event['source_id']}.js" in asked and asked <= {f"data/sources/{sid}.js" for sid in full | {
        e["source_id"] for e in rows("evidence") if e["record_table"] == "events" and e["record_id"] == event["record_id"]}}


def test_clicking_a_header_sorts_numbers_as_numbers_and_text_by_code_point(page):
    events = rows("events")
    open_table(page, "events")
    header = page.locator('table[data-data-table="events"] th[data-col="%d"]' % list(events[0]).index("deaths_low"))
    header.click()
    filled = [e for e in events if e["deaths_low"]]
    ascending = sorted(filled, key=lambda e: int(e["deaths_low"])) + [e for e in events if not e["deaths_low"]]
    assert column_values(page, "events", "event_id") == [e["event_id"] for e in ascending]
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    descending = sorted(filled, key=lambda e: -int(e["deaths_low"])) + [e for e in events if not e["deaths_low"]]
    assert column_values(page, "events", "event_id") == [e["event_id"] for e in descending]
    assert header.get_attribute("aria-sort") == "descending"
    page.locator('table[data-data-table="events"] th[data-col="%d"]' % list(events[0]).index("title")).click()
    assert column_values(page, "events", "title") == sorted(e["title"] for e in events)


def test_clicking_a_row_shows_each_quote_highlighted_in_its_source_text(page):
    evidence = rows("evidence")
    events = rows("events")
    # an event whose quotes contain double quotes, and one told by several sources
    with_quotes = next(e["record_id"] for e in evidence if e["record_table"] == "events" and '"' in e["quote"])
    several = next(e["event_id"] for e in events if int(e["source_count"]) > 1)
    for event_id in (with_quotes, several):
        index = [e["event_id"] for e in events].index(event_id)
        row_of(page, "events", index).locator("td").first.click()
        assert marks_in_panel(page) == quotes_of("events", event_id)
        grades = {s["source_id"]: s["reliability"] for s in rows("sources")}
        shown = page.locator("#evidence-body article.evidence .grade").all_text_contents()
        assert shown == [grades[e["source_id"]] for e in evidence if e["record_table"] == "events" and e["record_id"] == event_id]
        page.keyboard.press("Escape")
        assert page.locator("#evidence").is_hidden()

    # an evidence row quoting Arabic script, from the evidence table itself
    arabic = next(i for i, e in enumerate(evidence) if re.search("[\u0600-\u06ff]", e["quote"]))
    row_of(page, "evidence", arabic).locator("td").first.click()
    assert marks_in_panel(page) == [evidence[arabic]["quote"]]
    page.keyboard.press("Escape")

    # a row of a table without evidence of its own shows the evidence of the row it names
    event_actor = rows("event_actors")[0]
    open_table(page, "event_actors")
    page.locator('table[data-data-table="event_actors"] tr[data-row="0"] td').first.click()
    assert marks_in_panel(page) == quotes_of("events", event_actor["event_id"])


def test_a_source_row_shows_the_whole_document_with_its_quotes_marked(page):
    index, source = next((i, s) for i, s in enumerate(rows("sources")) if s["redistribution"] == "full")
    text = (ROOT / "raw" / source["file"]).read_text(encoding="utf-8")
    spans = sorted((int(e["char_start"]), int(e["char_end"])) for e in rows("evidence") if e["source_id"] == source["source_id"])
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    row_of(page, "sources", index).locator("td").first.click()
    settled(page)
    assert page.text_content("#evidence-body .passage") == text
    assert marks_in_panel(page) == [text[s:e] for s, e in merged]


def test_a_source_whose_words_are_not_published_shows_offsets_hashes_and_excerpts_only(page):
    quoted = Counter(e["source_id"] for e in rows("evidence") if e["quote"])
    index, source = max(((i, s) for i, s in enumerate(rows("sources")) if s["redistribution"] != "full"),
                        key=lambda pair: (quoted[pair[1]["source_id"]], -pair[0]))
    text = (ROOT / "raw" / source["file"]).read_text(encoding="utf-8")
    evidence = [e for e in rows("evidence") if e["source_id"] == source["source_id"]]
    row_of(page, "sources", index).locator("td").first.click()
    settled(page)
    body = page.text_content("#evidence-body")
    assert "not published" in body and source["redistribution_reason"] in body
    first = {}
    for e in evidence:
        first.setdefault((e["char_start"], e["char_end"]), e)
    assert page.locator("#evidence-body article.evidence").count() == len(first)
    for e in first.values():
        assert f"characters {e['char_start']}–{e['char_end']}" in body and e["quote_sha256"] in body
    assert marks_in_panel(page) == [e["quote"] for e in first.values() if e["quote"]]
    assert max(len(p) for p in page.locator("#evidence-body .passage").all_text_contents() or [""]) <= 300
    assert text[:200] not in body


def test_chart_marks_open_their_evidence_and_the_type_filter_dims_the_rest(page):
    pledge = next(p for p in rows("pledges") if p["date_start"])
    page.locator(f'#chart-network .mark[data-id="{pledge["pledge_id"]}"]').dispatch_event("click")
    assert marks_in_panel(page) == quotes_of("pledges", pledge["pledge_id"])
    page.keyboard.press("Escape")
    dated = [e for e in rows("events") if e["date_start"]]
    chosen = dated[0]["event_type"]
    page.select_option("#type-filter", chosen)
    assert page.locator("#chart-timeline .mark.dim").count() == sum(1 for e in dated if e["event_type"] != chosen)


def test_the_map_draws_one_mark_per_located_event_sized_by_precision_and_clicks_open_evidence(page):
    located = {e["event_id"]: e for e in rows("events") if e["latitude"]}
    assert len(located) >= 70
    marks = page.eval_on_selector_all("#chart-map .mark", "ms => ms.map(m => [m.dataset.id, m.getAttribute('r'), "
                                                          "m.querySelector('title').textContent])")
    assert sorted(m[0] for m in marks) == sorted(located)
    radius = {}
    for event_id, r, title in marks:
        assert title.startswith(located[event_id]["title"] + "\n")
        radius.setdefault(located[event_id]["where_prec"], set()).add(float(r))
    assert all(len(rs) == 1 for rs in radius.values())  # one size per precision, growing with coarseness
    sizes = [radius[p].pop() for p in sorted(radius, key=int)]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes) >= 3
    assert page.locator("#chart-map path.country").count() >= 20  # Natural Earth outlines, drawn at build time
    event_id = next(iter(sorted(located)))
    page.locator(f'#chart-map .mark[data-id="{event_id}"]').dispatch_event("click")
    assert marks_in_panel(page) == quotes_of("events", event_id)


def test_a_place_row_shows_the_quotes_of_the_events_there(page):
    place = "baghdad"
    events = [e["event_id"] for e in rows("events") if e["place_id"] == place]
    index = column_values(page, "places", "place_id").index(place)
    open_table(page, "places").nth(index).locator("td").first.click()
    assert marks_in_panel(page) == [q for event_id in events for q in quotes_of("events", event_id)]
    assert len(events) >= 2


def test_conflicts_are_shown_by_name_never_by_slug(page):
    conflicts = rows("conflicts")
    names, slugs = {c["name"] for c in conflicts}, {c["conflict_id"] for c in conflicts} - {c["name"] for c in conflicts}
    lanes = page.eval_on_selector_all("#chart-timeline text.lane-label", "ts => ts.map(t => t.textContent)")
    assert lanes and all(lane.rsplit(" (", 1)[0] in names for lane in lanes), lanes
    matrix = page.eval_on_selector_all("#timeline table.matrix th.rot span", "ss => ss.map(s => s.textContent)")
    tree = page.locator("#conflict-tree .conflict-name").all_text_contents()
    assert sorted(tree) == sorted(names)
    for text in lanes + matrix + tree:
        assert text.rsplit(" (", 1)[0] not in slugs, text


def test_the_conflict_tree_nests_each_conflict_in_its_parent(page):
    for c in rows("conflicts"):
        inside = page.locator(f'#conflict-tree li[data-conflict="{c["parent_conflict_id"]}"] > ul > li[data-conflict="{c["conflict_id"]}"]')
        top = page.locator(f'#conflict-tree > ul > li[data-conflict="{c["conflict_id"]}"]')
        assert (inside if c["parent_conflict_id"] else top).count() == 1, c["conflict_id"]


def test_deaths_by_dyad_and_year_follow_the_summing_rule_with_claims_apart(page):
    """Computed here from the CSV files: death rows of single events with an empty part_of, best
    figure (else low), by the event's dyad and year; a party's claims in their own number."""
    events = {e["event_id"]: e for e in rows("events")}
    expected = {}
    for c in rows("casualties"):
        e = events[c["event_id"]]
        if c["category"] not in ("killed", "executed") or c["scope"] != "event" or c["part_of"] or not e["dyad_id"]:
            continue
        year = e["date_start"][:4] if e["date_start"] and e["date_end"][:4] == e["date_start"][:4] else "?"
        cell = expected.setdefault((e["dyad_id"], year), [0, 0])
        cell[1 if c["claimed_by"] else 0] += int(c["count_best"] or c["count_low"])
    shown = page.eval_on_selector_all("#dyad-years td[data-deaths]", "tds => tds.map(td => [td.parentElement.dataset.dyad, "
                                      "td.dataset.year, +td.dataset.deaths, +td.dataset.claimed, td.textContent])")
    assert {(d, y): [a, b] for d, y, a, b, _ in shown} == expected
    assert any(b for _, _, _, b, _ in shown), "no claimed figure shown apart"
    for _, _, _, claimed, text in shown:
        assert (f"({claimed} claimed)" in text) == bool(claimed)


def test_a_chromium_that_cannot_be_installed_fails_with_the_fix(monkeypatch, tmp_path):
    monkeypatch.setitem(globals(), "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setitem(globals(), "APT_INSTALL", [["false"]])
    with pytest.raises(pytest.fail.Exception, match="(?s)no-chromium is missing and `false` failed.*Fix: run `apt-get update"):
        ensure_chromium()


def test_on_a_390_pixel_screen_chart_text_stays_readable(page):
    """A phone: every chart's text is drawn at least 8 px tall (charts scroll sideways rather than shrink)."""
    page.set_viewport_size({"width": 390, "height": 844})
    heights = page.eval_on_selector_all(
        "svg.chart", "svgs => svgs.filter(s => s.getBoundingClientRect().width > 0).map(s => { const t = s.querySelector('text');"
        " return t ? t.getBoundingClientRect().height : 99; })")
    assert heights and min(heights) >= 8, heights


def test_the_front_page_links_the_codebook_and_datasheet_and_embeds_the_json_ld(page):
    links = page.eval_on_selector_all("header nav a", "as => as.map(a => a.getAttribute('href'))")
    assert {"../docs/codebook.html", "../docs/datasheet.html"} <= set(links)
    for href in ("../docs/codebook.html", "../docs/datasheet.html"):
        assert (SITE.parent / href).resolve().is_file()
    data = json.loads(page.eval_on_selector('script[type="application/ld+json"]', "s => s.textContent"))
    assert data["@type"] == "sc:Dataset" and data["conformsTo"] == "http://mlcommons.org/croissant/1.1"
