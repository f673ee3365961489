"""A release zip is reproducible, and the consumer's helper rejects any altered byte."""
import csv
import datetime
import hashlib
import io
import shutil
import zipfile

import pytest

from pipeline import pin, release
from pipeline.files import BUILD

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def release_zip(tmp_path_factory):
    if not (BUILD / "datapackage.json").exists():
        pytest.skip("needs a build: run make")
    data = release.zip_bytes(BUILD)
    path = tmp_path_factory.mktemp("dist") / "aq-is-conflict-test.zip"
    path.write_bytes(data)
    path.with_name(path.name + ".sha256").write_text(hashlib.sha256(data).hexdigest() + "  " + path.name + "\n")
    return path


def test_the_same_build_gives_the_same_zip_bytes(release_zip):
    assert release.zip_bytes(BUILD) == release_zip.read_bytes()


def test_the_helper_returns_typed_tables(release_zip):
    tables = pin.open_release(release_zip)
    dates = tables["events"]["date_start"]  # a Parquet date32: pandas holds datetime.date values (dtype object)
    with open(BUILD / "events.csv", newline="", encoding="utf-8") as f:
        written = [row["date_start"] for row in csv.DictReader(f)]
    assert dates.notna().sum() > 0 and all(type(d) is datetime.date for d in dates.dropna())
    assert [d.isoformat() if isinstance(d, datetime.date) else "" for d in dates] == written
    assert str(tables["casualties"]["count_low"].dtype) in ("int64", "Int64")
    assert len(tables["evidence"]) > 0


def test_the_helper_rejects_a_zip_with_one_altered_byte(release_zip, tmp_path):
    broken = tmp_path / release_zip.name
    shutil.copy(release_zip, broken)
    shutil.copy(str(release_zip) + ".sha256", str(broken) + ".sha256")
    data = bytearray(broken.read_bytes())
    data[len(data) // 2] ^= 1
    broken.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256 does not match"):
        pin.open_release(broken)


def test_bench_timings_stay_out_of_a_release(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    for name in ("datapackage.json", "bench.json"):
        (build / name).write_text("{}")
    names = zipfile.ZipFile(io.BytesIO(release.zip_bytes(build))).namelist()
    assert [n.split("/", 1)[1] for n in names] == ["datapackage.json"]


def test_the_helper_rejects_a_file_inside_that_differs_from_its_record(release_zip, tmp_path):
    """A zip re-made with one file changed, and its new sha256 pinned, is still refused."""
    broken = tmp_path / release_zip.name
    with zipfile.ZipFile(release_zip) as old, zipfile.ZipFile(broken, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, b"changed\n" if info.filename.endswith("/quality.md") else data)
    with pytest.raises(ValueError, match="quality.md does not match its recorded sha256"):
        pin.open_release(broken, sha256=hashlib.sha256(broken.read_bytes()).hexdigest())


def test_pinning_needs_no_yaml_nor_the_pipeline():
    """`pipeline/pin.py` imports only the standard library (and pandas when called)."""
    import subprocess
    import sys
    code = "import sys, pipeline.pin; loaded = [m for m in ('yaml', 'pipeline.files', 'pandas') if m in sys.modules]; print(loaded); sys.exit(bool(loaded))"
    out = subprocess.run([sys.executable, "-c", code], cwd=release.ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_a_version_without_a_changelog_entry_is_refused(monkeypatch, tmp_path):
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n- a change\n\n## 0.9.0\n- old\n")
    monkeypatch.setattr(release, "ROOT", tmp_path)
    assert release.changelog_section("0.9.0").strip() == "- old"
    with pytest.raises(release.PipelineError, match="CHANGELOG.md: no entry for version 1.0.0"):
        release.changelog_section("1.0.0")
