"""Under two pytest-xdist workers, a file's tests that share a build made once for the module stay
on one worker; the others are spread one by one."""
import pytest

from conftest import work_unit

pytestmark = pytest.mark.unit


def test_a_file_with_a_shared_fixture_is_one_unit_and_other_tests_are_their_own():
    assert work_unit("tests/test_fixture_build.py::test_a_clean_rebuild_is_byte_identical") == "tests/test_fixture_build.py"
    assert work_unit("tests/data/test_sqlite.py::test_x[events]") == "tests/data/test_sqlite.py"
    assert work_unit("tests/unit/test_cli.py::test_help_lists_every_stage_with_its_line") == \
        "tests/unit/test_cli.py::test_help_lists_every_stage_with_its_line"
