"""verify.py, published at the root of build/, lets anyone's CI check a copy of the package:
it passes on the build and fails, naming the file (and row), when one byte of a Parquet file
changes, when a cell breaks its schema, or when a foreign key dangles."""
import ast
import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.data

BUILD = REPO / "build"


@pytest.fixture
def package(tmp_path):
    return shutil.copytree(BUILD, tmp_path / "package")


def verify(folder):
    return subprocess.run([sys.executable, str(folder / "verify.py")], capture_output=True, text=True)


def rehash(folder, name):
    """Record a changed CSV's new size and hash in the descriptor, as a careless editor would."""
    descriptor = json.loads((folder / "datapackage.json").read_text())
    data = (folder / name).read_bytes()
    for res in descriptor["resources"]:
        if res["path"] == name:
            res["bytes"], res["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    (folder / "datapackage.json").write_text(json.dumps(descriptor))


def test_verify_is_published_and_passes_on_the_build(package):
    out = verify(package)
    assert out.returncode == 0, out.stderr


def test_verify_needs_only_the_standard_library_and_pyarrow():
    tree = ast.parse((BUILD / "verify.py").read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported - set(sys.stdlib_module_names) == {"pyarrow"}


def test_one_changed_byte_of_a_parquet_file_fails_naming_it(package):
    path = package / "events.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    out = verify(package)
    assert out.returncode == 1
    assert "events.parquet: sha256 differs" in out.stderr


def test_a_cell_outside_its_enumeration_fails_naming_file_and_row(package):
    lines = (package / "events.csv").read_text().split("\n")
    header, cells = next(csv.reader([lines[0]])), next(csv.reader([lines[1]]))
    cells[header.index("confidence")] = "certain"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    lines[1] = buf.getvalue()
    (package / "events.csv").write_text("\n".join(lines))
    rehash(package, "events.csv")
    out = verify(package)
    assert out.returncode == 1
    assert "events.csv:2: confidence: 'certain' is not one of" in out.stderr


@pytest.mark.parametrize("bad", ["1_000", " 36.2", "36,2", "infinity", "0x1p3", "1e"])
def test_a_number_float_takes_but_table_schema_does_not_fails_naming_file_and_row(package, bad):
    rows = list(csv.reader(io.StringIO((package / "events.csv").read_text(), newline="")))
    at = rows[0].index("latitude")
    n = next(i for i, r in enumerate(rows) if i and r[at])
    rows[n][at] = bad
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (package / "events.csv").write_text(buf.getvalue())
    rehash(package, "events.csv")
    out = verify(package)
    assert out.returncode == 1
    assert f"events.csv:{n + 1}: latitude: {bad!r} is not a number" in out.stderr


@pytest.mark.parametrize("good", ["36.2", "-0.5", "+7", "36.", ".5", "1e-05", "2E3", "NaN", "-INF"])
def test_the_lexical_forms_of_a_table_schema_number_pass(good):
    from pipeline.verify import check_cell
    assert check_cell(good, {"name": "x", "type": "number"}) == []


def test_a_dangling_foreign_key_fails(package):
    text = (package / "event_actors.csv").read_text()
    first = text.split("\n")[1]
    (package / "event_actors.csv").write_text(text.replace(first, first.replace(first.split(",")[0], "no-such-event", 1), 1))
    rehash(package, "event_actors.csv")
    out = verify(package)
    assert out.returncode == 1
    assert "event_actors.csv:2: event_id ['no-such-event'] is not in events.csv" in out.stderr


def test_sha256sums_lists_every_published_file_and_sha256sum_accepts_it():
    listed = {line.split("  ", 1)[1] for line in (BUILD / "SHA256SUMS").read_text().splitlines()}
    on_disk = {p.relative_to(BUILD).as_posix() for p in BUILD.rglob("*") if p.is_file()} - {"SHA256SUMS", "bench.json"}
    assert listed == on_disk
    out = subprocess.run(["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], cwd=BUILD, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_verify_names_a_file_that_differs_from_sha256sums(package):
    (package / "quality.md").write_text("changed\n")
    out = verify(package)
    assert out.returncode == 1
    assert "quality.md: sha256 differs from SHA256SUMS" in out.stderr
