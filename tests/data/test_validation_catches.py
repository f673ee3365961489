"""The validate stage's rules fail on broken data (so the real build passing them means something)."""
import pytest

from pipeline import validate

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    frames = validate.load_tables()
    frames["casualties"].loc[0, "count_high"] = frames["casualties"].loc[0, "count_low"] - 1
    frames["evidence"].loc[0, "char_start"] += 1
    frames["evidence"] = frames["evidence"][frames["evidence"]["record_id"] != "battle-of-darzab-1"].reset_index(drop=True)
    war = frames["casualties"]["event_id"] == "al-qaeda-islamic-state-conflict"
    frames["casualties"].loc[war, "scope"] = "event"
    frames["events"].loc[0, "date_end"] = frames["events"].loc[0, "date_start"] - __import__("pandas").Timedelta(days=1)
    validate.derive_checks(frames)
    results = validate.run_expectations(frames, docs_dir=tmp_path_factory.mktemp("docs"))
    return {(r["table"], r["expectation"], r["kwargs"].get("column") or r["kwargs"].get("column_B")): r["success"] for r in results}


@pytest.mark.parametrize("key", [
    ("casualties", "expect_column_pair_values_a_to_be_greater_than_b", "count_low"),   # count_low <= count_high
    ("evidence", "expect_column_values_to_be_in_set", "quote_matches"),                 # offsets match the quote
    ("events", "expect_column_values_to_be_between", "evidence_rows"),                  # every record has evidence
    ("casualties", "expect_column_values_to_be_in_set", "scope_consistent"),            # a war total is not event scope
    ("events", "expect_column_pair_values_a_to_be_greater_than_b", "date_start"),       # date_start <= date_end
])
def test_each_rule_fails_on_data_that_breaks_it(broken, key):
    assert broken[key] is False


def test_the_untouched_rules_still_pass(broken):
    assert broken[("actors", "expect_column_values_to_be_in_set", "used_or_explained")] is True
