"""The redistribution measure reads a text a slice and a line at a time, and matches a line seen
before by its first and last words only: a run of words across a cut between slices or lines is
found as in one piece, a run that is in no text is not, and words are normalized alike in ASCII
and other text. Held to a plain reference: every run of the sources' words against every run of
the texts' words, as tuples."""
import random

import numpy as np
import pytest

from pipeline import policy

pytestmark = pytest.mark.unit

N = 5
TEXT = ("Al-Qaeda  and the Islamic State\n fought for ÉMIRATS in the Sahel; "
        "ﬁghters of JNIM\tand ISGS met at Tin-Akoff.\nJNIM\n\nand\nISGS ") * 7


def _tuples(words):
    return set(zip(*(words[i:] for i in range(N))))


def reference(sources, texts):
    """The sources' runs of N words found in one of the texts, as tuples of words."""
    wanted = set().union(*(_tuples(policy._words(s)) for s in sources))
    return wanted & set().union(*(_tuples(policy._words(t)) for t in texts))


def measured(sources, texts, chars):
    runs = policy._Runs(sources, N)
    found, seen = np.zeros(runs.count[N] + 1, dtype=bool), policy._Seen(N)
    for text in texts:
        policy._found(text, runs, found, seen, chars=chars)
    out = set()
    for source in sources:
        words = policy._words(source)
        hits = np.flatnonzero(found[runs.ids(runs.word_ids(words))] & (runs.ids(runs.word_ids(words)) > 0))
        out |= {tuple(words[i:i + N]) for i in hits}
    return out


def shuffled_lines(text, seed):
    lines = text.split("\n")
    random.Random(seed).shuffle(lines)
    return "\n".join(lines)


@pytest.mark.parametrize("chars", [1, 5, 13, 64, 1 << 22])
@pytest.mark.parametrize("texts", [
    [TEXT],
    [TEXT.upper()],
    [TEXT, shuffled_lines(TEXT, 1)],  # lines seen before, in another order: only runs that cross lines in this order
    [shuffled_lines(TEXT, 2), shuffled_lines(TEXT, 3)],
    ["JNIM\nand\nISGS met at", "Tin-Akoff. JNIM and"],
    ["in the Sahel; ﬁghters", ""],
    ["JNIM and\ud800ISGS met at"],  # a lone surrogate (an unpaired escape undone) is no word character
])
def test_found_runs_are_the_runs_of_the_texts(chars, texts):
    sources = [TEXT, "ISGS met at Tin-Akoff. JNIM and ISGS fought", "nothing of it is here at all"]
    expected = reference(sources, texts)
    assert measured(sources, texts, chars) == expected
    if texts == [TEXT]:
        assert expected == _tuples(policy._words(TEXT))


def test_ascii_and_other_words_are_normalized_alike():
    assert policy._words("ÉMIRATS ﬁghters JNIM") == ["émirats", "fighters", "jnim"]
    assert policy._words("Emirats JNIM") == ["emirats", "jnim"]
    assert policy._words("ΣΑΣ ½ ǅ") == [w.casefold() for w in ["σας", "1⁄2", "dž"]]


def test_polars_finds_the_words_python_finds_in_every_code_point():
    """The measure finds words with polars (Rust's regex) by an explicit class of the characters
    Python's `\\w` matches: every code point, in order and shuffled, gives the same words."""
    import polars as pl
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    shuffled = points[:]
    random.Random(4).shuffle(shuffled)
    for text in ("".join(points), "".join(shuffled)):
        assert pl.Series([text]).str.extract_all(policy._word_pattern()).to_list()[0] == policy.WORD.findall(text)
