"""The redistribution measure reads a text a piece and a line at a time, and matches a line seen
before by its first and last words only; a file's views are read in step, piece by piece. A run of
words across a cut between pieces or lines is found as in one piece, a run that is in no text is
not, words are normalized alike in ASCII and other text, and each view is found as in the whole
text. Held to a plain reference: every run of the sources' words against every run of the texts'
words (and of the whole texts' views), as tuples."""
import html
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
    matcher = policy._Matcher(runs)
    for text in texts:
        matcher.read(text, size=chars)
    out = set()
    for source in sources:
        words = policy._words(source)
        hits = np.flatnonzero(matcher.found[runs.ids(runs.word_ids(words))] & (runs.ids(runs.word_ids(words)) > 0))
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


VIEWED = ("<p class=x>Al-Qaeda &amp; the\nIslamic State</p> fought <b\n>for</b> ÉMIRATS in the Sahel; "
          "\\u00c9MIRATS \\\"ﬁghters\\\" of JNIM\\tand ISGS &lt;met&gt; at <i>Tin</i>-Akoff.\\n"
          "JNIM \\\\ and &#73;SGS <unclosed and the Islamic State fought for \\ud83d\\ude00 the Sahel")


def whole_views(text):
    """The views of a whole text, as the measure defines them."""
    out = []
    for view in ([text, policy._unescape(text)] if "\\" in text else [text]):
        entities = html.unescape(view)
        out += [view, entities, policy.TAG.sub("", entities)]
    return out


@pytest.mark.parametrize("chars", [1, 3, 7, 20, 1 << 22])
@pytest.mark.parametrize("text", [VIEWED, VIEWED * 3, VIEWED.replace("<unclosed", "unclosed"), "plain words only " * 40])
def test_views_read_a_piece_at_a_time_are_the_views_of_the_whole_text(chars, text):
    sources = [policy.TAG.sub("", html.unescape(policy._unescape(VIEWED))), "ISGS met at Tin-Akoff. JNIM and ISGS fought"]
    expected = reference(sources, whole_views(text))
    assert measured(sources, [policy.Viewed(iter(text[i:i + 5] for i in range(0, len(text), 5)))], chars) == expected
    assert expected or "Sahel" not in text  # the sources are in the views


def test_a_text_is_cut_only_before_whitespace_no_backslash_escapes():
    text = "a\\ b\\\\ c\\\\\\\ndone"
    pieces = list(policy._pieces([text], 1))
    assert "".join(pieces) == text and all(p[0] in " \t\n\f" for p in pieces[1:])
    assert [policy._cut(text, 0)] == [text.index("\\\\ ") + 2]


WORDS = [f"zq{i}" for i in range(80)]
HIDDEN = {  # a word as only one view shows it; markup that a cut could split, with a `<` inside
    "entities": lambda w: "&amp;" + w,
    "bare": lambda w: f"<i title=a <b>{w}",
    "escaped": lambda w: "\\t" + w,
    "escaped entities": lambda w: "\\u0026amp;" + w,
    "escaped bare": lambda w: f"\\u003ci title=a \\u003cb>{w}",
}


@pytest.mark.parametrize("chars", [1, 8, 30, 100, 1 << 22])
@pytest.mark.parametrize("view", sorted(HIDDEN))
def test_each_view_alone_finds_the_runs_it_alone_shows(view, chars):
    """Every seventh word is written so that only `view` shows it as the source has it: the runs
    through it are in that view alone, and cross pieces where the view differs from its parent and
    pieces where it does not."""
    source = " ".join(WORDS)
    text = " ".join(HIDDEN[view](w) if i % 7 == 3 else w for i, w in enumerate(WORDS))
    every_run = _tuples(policy._words(source))
    assert reference([source], whole_views(text)) == every_run
    assert len(every_run - reference([source], [text])) > 40  # runs through a hidden word
    assert measured([source], [policy.Viewed(iter([text]))], chars) == every_run
