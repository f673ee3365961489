"""The working tree keeps every promise of the last release, or raises the MAJOR version."""
from pipeline import compat


def test_no_breaking_change_without_a_major_version():
    problems = compat.check()
    assert not problems, "breaking changes without a MAJOR version bump:\n  " + "\n  ".join(problems)
