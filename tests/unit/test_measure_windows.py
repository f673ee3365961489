"""The redistribution measure reads a text a slice at a time: a run of words across a cut between
slices is found as in one piece, and words are normalized alike in ASCII and other text."""
import pytest

from pipeline import policy

pytestmark = pytest.mark.unit

TEXT = ("Al-Qaeda  and the Islamic State\n fought for ÉMIRATS in the Sahel; "
        "ﬁghters of JNIM\tand ISGS met at Tin-Akoff. ") * 7


@pytest.mark.parametrize("chars", [1, 5, 13, 64, 1 << 22])
def test_windows_across_slice_cuts_are_found_as_in_one_piece(chars):
    n = 5
    every = set(policy._windows(policy._words(TEXT), n))
    assert policy._found_windows(TEXT, n, every, chars=chars) == every
    some = {w for w in every if "émirats" in w or "fighters" in w}
    assert some and policy._found_windows(TEXT, n, some, chars=chars) == some


def test_ascii_and_other_words_are_normalized_alike():
    assert policy._words("ÉMIRATS ﬁghters JNIM") == ["émirats", "fighters", "jnim"]
    assert policy._words("Emirats JNIM") == ["emirats", "jnim"]
