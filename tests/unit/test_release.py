"""A release zip is reproducible, and the consumer's helper rejects any altered byte."""
import hashlib
import io
import shutil
import zipfile

import pytest

from pipeline import release
from pipeline.files import BUILD


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
    tables = release.open_release(release_zip)
    assert str(tables["events"]["date_start"].dtype).startswith(("datetime64", "object"))
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
        release.open_release(broken)


def test_bench_timings_stay_out_of_a_release(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    for name in ("datapackage.json", "bench.json"):
        (build / name).write_text("{}")
    names = zipfile.ZipFile(io.BytesIO(release.zip_bytes(build))).namelist()
    assert [n.split("/", 1)[1] for n in names] == ["datapackage.json"]
