"""Redistribution policy: how much of each source's words the dataset may publish.

Each source in raw/sources.yaml is `full` (openly licensed: every quote whole), `excerpts`
(quotation for research: no passage over `max_passage` characters, no more than `max_share` of
the source's characters in all published files together) or `none` (no words at all).

Two things live here and nowhere else:
- `cut`: the package stage decides, once, what every evidence row publishes of its quote
  (whole, an excerpt inside the span, or nothing), within a per-source budget; every later
  stage (validate's report, sqlite, site, docs) uses only these published rows.
- `measure`: how much of a source's text can be found in a set of published files, looking
  through the ways text hides (JSON and JavaScript escapes, HTML entities and tags, Markdown
  escapes, compressed Parquet pages, SQLite pages, zip members). The test suite holds build/
  and the release zip to the caps with it, and the datasheet prints what it finds."""
import bisect
import functools
import hashlib
import html
import io
import itertools
import re
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections import Counter
from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd

from .conventions import CONVENTIONS

RULES = CONVENTIONS["redistribution"]
WORD = re.compile(r"\w+")


def sha256_text(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- the cut

def _runs(intervals, text):
    """The union of [start, end) intervals as sorted runs; runs separated only by spaces or
    punctuation count as one passage (a reader joins them)."""
    runs = []
    for start, end in sorted(intervals):
        if runs and (start <= runs[-1][1] or not WORD.search(text, runs[-1][1], start)):
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end])
    return runs


def _word_end(text, start, end):
    """The largest end <= `end` that does not cut a word in two (start itself when none)."""
    if end >= len(text) or not (text[end - 1:end].isalnum() and text[end:end + 1].isalnum()):
        return end
    m = None
    for m in re.finditer(r"\W", text[start:end]):
        pass
    return start + m.start() if m else start


def _fits(intervals, text, budget):
    runs = _runs(intervals, text)
    return sum(b - a for a, b in runs) <= budget and all(b - a <= RULES["excerpt_passage"] for a, b in runs)


class _Passages:
    """The runs (_runs) of what is published of one source, kept sorted as excerpts are added,
    with their total length: whether one more fits is a look at its neighbours, not a sort of
    everything published so far (quadratic at 100 times our corpus)."""

    def __init__(self, intervals, text):
        self.text, self.runs = text, _runs(intervals, text)
        self.starts = [a for a, _ in self.runs]
        self.total = sum(b - a for a, b in self.runs)
        self.too_long = any(b - a > RULES["excerpt_passage"] for a, b in self.runs)

    def _joined(self, start, end):
        """The runs [first, last) that [start, end) joins, and the run they make together."""
        first = last = bisect.bisect_right(self.starts, start)
        if first:
            a, b = self.runs[first - 1]
            if start <= b or not WORD.search(self.text, b, start):
                first, start, end = first - 1, a, max(b, end)
        while last < len(self.runs):
            a, b = self.runs[last]
            if not (a <= end or not WORD.search(self.text, end, a)):
                break
            end, last = max(end, b), last + 1
        return first, last, start, end

    def fits(self, start, end, budget):
        first, last, a, b = self._joined(start, end)
        total = self.total - sum(y - x for x, y in self.runs[first:last]) + b - a
        return not self.too_long and total <= budget and b - a <= RULES["excerpt_passage"]

    def add(self, start, end):
        first, last, a, b = self._joined(start, end)
        self.total += b - a - sum(y - x for x, y in self.runs[first:last])
        self.runs[first:last], self.starts[first:last] = [[a, b]], [a]
        self.too_long = self.too_long or b - a > RULES["excerpt_passage"]


def cut(evidence, texts, policies, taken=None):
    """Set quote, quote_start, quote_end, quote_status and quote_sha256 on every evidence row.

    `full`: the quote as it is. `none`: withheld. `excerpts`: each distinct span gets a prefix
    of at most `excerpt_chars` characters (cut at a word end), while the union of everything
    published from the source stays within `excerpt_share` of its characters and every joined
    passage within `excerpt_passage`; a span the budget cannot reach is withheld. The caps the
    cut works to are below the published caps: the short verbatim fields (dates, counts, names,
    headings) are words of the sources too: `taken` ({source_id: runs}) is what the other
    published columns already hold of each source, and the excerpts get what is left. The spans
    most rows rely on come first, then the order of the text, so the result depends only on the
    spans and `taken`."""
    chosen, uses_of = {}, {}
    for e in evidence:
        uses_of.setdefault(e["source_id"], Counter())[int(e["char_start"]), int(e["char_end"])] += 1
    for source_id, policy in sorted(policies.items()):
        uses = uses_of.get(source_id, Counter())
        spans = sorted(uses, key=lambda span: (-uses[span], span))
        text = texts.get(source_id, "")
        if policy == "full":
            chosen.update({(source_id, s, e): (s, e) for s, e in spans})
            continue
        if policy == "none":
            continue
        budget = int(len(text) * RULES["excerpt_share"])
        published = _Passages([tuple(r) for r in (taken or {}).get(source_id, [])], text)
        for start, end in spans:
            stop = _word_end(text, start, min(end, start + RULES["excerpt_chars"]))
            while stop > start and not published.fits(start, stop, budget):
                stop = _word_end(text, start, stop - 1)
            stop = start + len(text[start:stop].rstrip())
            if stop - start >= RULES["excerpt_min_chars"] or stop == end > start:
                chosen[(source_id, start, end)] = (start, stop)
                published.add(start, stop)
    for row in evidence:
        source_id, start, end = row["source_id"], int(row["char_start"]), int(row["char_end"])
        text = texts[source_id]
        row["quote_sha256"] = sha256_text(text[start:end])
        window = chosen.get((source_id, start, end))
        if window is None:
            row.update(quote="", quote_start=None, quote_end=None, quote_status="withheld")
        else:
            row.update(quote=text[window[0]:window[1]], quote_start=window[0], quote_end=window[1],
                       quote_status="full" if window == (start, end) else "excerpt")
    return evidence


def quote_ok(row, text, policy):
    """The evidence contract for one row: raw_text[char_start:char_end] hashes to quote_sha256;
    a full quote is the whole span, an excerpt a prefix of it (raw_text[quote_start:quote_end]),
    a withheld quote empty; and the status is one the source's policy allows."""
    start, end, status = int(row["char_start"]), int(row["char_end"]), row["quote_status"]
    quote = "" if _missing(row["quote"]) else row["quote"]
    q_start, q_end = (None if _missing(row[k]) else int(row[k]) for k in ("quote_start", "quote_end"))
    if sha256_text(text[start:end]) != row["quote_sha256"]:
        return False
    if status == "full":
        return quote == text[start:end] and (q_start, q_end) == (start, end) and policy != "none"
    if status == "excerpt":
        return (policy == "excerpts" and q_start == start and q_end is not None and start < q_end < end
                and quote == text[q_start:q_end])
    return status == "withheld" and quote == "" and q_start is None and q_end is None and policy != "full"


def _missing(value):
    return value is None or str(value) == "<NA>" or value == "" or value != value  # pandas' NA has no truth value


def excerpt_problems(evidence, texts, policies):
    """The evidence table alone against the cut's own limits, per `excerpts` source."""
    out, quoted = [], {}
    for r in evidence:
        if r["quote_status"] != "withheld":
            quoted.setdefault(r["source_id"], set()).add((int(r["quote_start"]), int(r["quote_end"])))
    for source_id, policy in sorted(policies.items()):
        if policy != "excerpts":
            continue
        text = texts[source_id]
        runs = _runs(quoted.get(source_id, set()), text)
        if not _fits([tuple(r) for r in runs], text, int(len(text) * RULES["excerpt_share"])):
            out.append(f"evidence: the quotes of {source_id} publish {sum(b - a for a, b in runs)} characters in passages up to "
                       f"{max((b - a for a, b in runs), default=0)} long, beyond the excerpt limits of pipeline/conventions.yaml")
    return out


def redact_coverage(coverage, policies):
    """The candidate coverage for the quality report: a flagged sentence keeps its words only
    when its source is `full`; otherwise its offsets say where it is (the words are withheld)."""
    out = {}
    for source_id, c in coverage.items():
        keep = policies.get(source_id) == "full"
        out[source_id] = {**c, **{k: [{**x, "text": x["text"] if keep else ""} for x in c[k]] for k in ("waived", "uncovered")}}
    return out


# ---------------------------------------------------------------- the measurement

ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\([nrtbf])|\\(.)", re.S)
TAG = re.compile(r"<[^>]*>")
SURROGATE = re.compile("[\ud800-\udfff]")
CONTROL = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


def _unescape(text):
    """JSON, JavaScript and Markdown backslash escapes undone (surrogate pairs joined)."""
    def one(m):
        if m.group(1):
            return chr(int(m.group(1), 16))
        if m.group(2):
            return chr(int(m.group(2), 16))
        if m.group(3):
            return CONTROL[m.group(3)]
        return m.group(4)
    out = ESCAPE.sub(one, text)
    if not SURROGATE.search(out):  # the round trip below changes only surrogates (and copies a large text twice)
        return out
    return out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


CUTS = re.compile(r"[ \t\n\f]")


def _cut(text, at):
    """The first place from `at` on before a space, tab, newline or form feed that no backslash
    escapes (an even number of backslashes before it), or None."""
    for m in CUTS.finditer(text, at):
        first = m.start()
        while first and text[first - 1] == "\\":
            first -= 1
        if (m.start() - first) % 2 == 0:
            return m.start()
    return None


def _pieces(chunks, size=1 << 22):
    """The text that `chunks` make one after another, as pieces of at least `size` characters (the
    last may be shorter), each cut before a space, tab, newline or form feed that no backslash
    escapes: no word, backslash escape or HTML entity spans a cut, so the views of the text are
    the views of its pieces one after another, and no piece of a large file is the whole file."""
    held, length = [], 0
    for chunk in chunks:
        held.append(chunk)
        length += len(chunk)
        if length <= size:
            continue
        text, start = "".join(held), 0
        while (cut := _cut(text, start + size)) is not None:
            yield text[start:cut]
            start = cut
        held, length = [text[start:]], len(text) - start
    if length:
        yield "".join(held)


class Viewed:
    """A text (`chunks`, one after another) to be read with its views: as written, with HTML
    entities undone, without markup, and the same three with backslash escapes undone."""

    def __init__(self, chunks):
        self.chunks = chunks


def _values(conn_or_table):
    return "\n".join(str(v) for v in conn_or_table if v is not None)


def _lines(texts):
    """"\n".join(texts), as chunks."""
    for i, text in enumerate(texts):
        yield ("\n" if i else "") + text


def _decoded(read, block=1 << 22):
    """The bytes that read(n) gives, decoded as UTF-8 (bad bytes replaced) a block at a time."""
    import codecs
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    while data := read(block):
        yield decoder.decode(data)
    yield decoder.decode(b"", final=True)


def file_texts(data):
    """Every text a published file (bytes, or a path read a block at a time) holds, however stored,
    one at a time as a Viewed: the bytes decoded, plus the cell values of a Parquet file (its pages
    are compressed), of a SQLite database (long values span pages) and the members of a zip."""
    path = Path(data) if isinstance(data, (str, Path)) else None
    with (open(path, "rb") if path else io.BytesIO(data)) as f:
        head = f.read(16)
        f.seek(0)
        yield Viewed(_decoded(f.read))
        if head[:4] == b"PAR1":
            import pyarrow.parquet as pq
            parquet = pq.ParquetFile(f)  # a column at a time
            yield Viewed(_lines(_values(parquet.read([c]).column(0).to_pylist()) for c in parquet.schema_arrow.names))
        elif head == b"SQLite format 3\x00":
            yield from _sqlite_texts(path or data)
        elif head[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(f) as z:
                for info in z.infolist():
                    if not info.is_dir():
                        yield from file_texts(z.read(info))


def _sqlite_texts(path_or_data):
    """The cell values of each table of a SQLite database (a path, or bytes written to a temporary
    file), one Viewed per table, a cell per line."""
    if not isinstance(path_or_data, Path):
        with tempfile.NamedTemporaryFile(suffix=".sqlite") as f:
            f.write(path_or_data)
            f.flush()
            yield from _sqlite_texts(Path(f.name))
        return
    conn = sqlite3.connect(f"{path_or_data.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in names:
            quoted = '"' + table.replace('"', '""') + '"'
            yield Viewed(_lines(_values(row) for row in conn.execute(f"SELECT * FROM {quoted}")))
    finally:
        conn.close()


def tree_texts(*roots):
    """file_texts of every file under the given folders (or files), a file at a time, each read a
    block at a time (a package 100 times ours does not fit in memory as text at once)."""
    for root in map(Path, roots):
        for path in ([root] if root.is_file() else sorted(root.rglob("*"))):
            if path.is_file():
                yield from file_texts(path)


def _words(text, start=0, end=None):
    """The normalized words of text[start:end] (NFKC, casefolded), normalized all at once: joined
    by a newline, which no word holds and NFKC neither makes nor composes across."""
    words = WORD.findall(text[start:end])
    if not words:
        return []
    joined = "\n".join(words)
    return (joined.lower() if joined.isascii() else unicodedata.normalize("NFKC", joined).casefold()).split("\n")


class _Runs:
    """Integer ids for the runs of n consecutive words of the sources: a run's id comes from the
    ids of its two halves through an exact integer key looked up in a hash table of the keys of
    the sources' runs, so a published text is matched with array operations, not a Python step (or
    a tuple) per word. Id 0: a word or run that is in no source."""

    def __init__(self, sources, n):
        self.n, self.vocabulary, self.keys = n, {}, {}
        for words in map(_words, sources):
            self.vocabulary.update((w, 0) for w in words)
        self.vocabulary = {w: i for i, w in enumerate(sorted(self.vocabulary), 1)}
        self.spelled = _Spellings(self.vocabulary)
        self.count = {1: len(self.vocabulary)}
        gap = np.zeros(n, dtype=np.int64)  # no run crosses from one source into the next
        self._ids(np.concatenate([gap] + [x for s in sources for x in (self.word_ids(_words(s)), gap)]), n, {}, build=True)

    def word_ids(self, words):
        return np.fromiter(map(self.vocabulary.get, words, repeat(0)), dtype=np.int64, count=len(words))

    def line_ids(self, lines):
        """The word ids of each of `lines` (a polars Series), one line after another, and how many
        words each line has: the words are found and normalized as _words does, each distinct
        word of the lines once."""
        import polars as pl
        words = lines.str.extract_all(_word_pattern())
        lengths, flat = words.list.len().to_numpy().astype(np.int64), words.explode(empty_as_null=False)
        distinct = flat.unique()
        ids = pl.Series(list(map(self.spelled.__getitem__, distinct.to_list())), dtype=pl.Int64)
        return flat.replace_strict(distinct, ids, return_dtype=pl.Int64).to_numpy(), lengths

    def ids(self, word_ids):
        """The id of each run of n words starting at each position (len - n + 1 of them)."""
        return self._ids(word_ids, self.n, {})

    def _ids(self, ids, n, done, build=False):
        if n == 1 or n in done:
            return ids if n == 1 else done[n]
        half = n // 2
        left, right = self._ids(ids, half, done, build), self._ids(ids, n - half, done, build)
        m = max(len(ids) - n + 1, 0)
        left, right = left[:m], right[half:half + m]
        both = np.flatnonzero((left > 0) & (right > 0))  # only these can be a run of the sources
        key = left[both] * (self.count[n - half] + 1) + right[both]
        if build:
            self.keys[n] = pd.Index(np.unique(key))
            self.count[n] = len(self.keys[n])
        done[n] = np.zeros(m, dtype=np.int64)
        done[n][both] = self.keys[n].get_indexer(key) + 1
        return done[n]


@functools.cache
def _word_pattern():
    """WORD's `\\w` (Python's: a letter, digit or numeral, or `_`) as an explicit class for polars,
    whose regex engine's `\\w` is Unicode's and differs (it takes marks, not all numerals)."""
    points = "".join(map(chr, itertools.chain(range(0xD800), range(0xE000, 0x110000))))
    spans = []
    for m in WORD.finditer(points):
        first, last = ord(m.group()[0]), ord(m.group()[-1])
        assert last - first + 1 == len(m.group())  # no run of word characters spans the surrogates
        spans.append(f"\\x{{{first:X}}}-\\x{{{last:X}}}")
    return "[" + "".join(spans) + "]+"


def _normal(word):
    """One word as _words normalizes it."""
    return word.lower() if word.isascii() else unicodedata.normalize("NFKC", word).casefold()


class _Spellings(dict):
    """The id of a word as written (0 when no source has it), normalized once per spelling."""

    def __init__(self, vocabulary):
        super().__init__()
        self.vocabulary = vocabulary

    def __missing__(self, word):
        self[word] = found = self.vocabulary.get(_normal(word), 0)
        return found


class _Seen:
    """The distinct lines read so far (a line, or its digest when long) and, for each, the word ids
    that join it to its neighbours: all of them when it has at most 2(n-1) words, else its first
    n-1, a 0 (which no run crosses) and its last n-1."""

    def __init__(self, n):
        self.n, self.rows, self.used = n, {}, 0
        self.edges, self.lengths = np.zeros((1024, 2 * n - 1), dtype=np.int32), np.zeros(1024, dtype=np.int64)
        self.words = np.zeros(1024, dtype=np.int64)  # every word of the line, counted

    def add(self, ids, lengths):
        """The edges of new lines (their word ids, one after another), as the next rows."""
        k, width = self.n - 1, 2 * self.n - 1
        col, offsets = np.arange(width), np.cumsum(lengths) - lengths
        long = lengths > 2 * k
        at = offsets[:, None] + np.where(long[:, None] & (col > k), lengths[:, None] - width + col, col)
        edges = np.append(ids, 0)[np.minimum(at, len(ids))]
        edges[long, k] = 0
        end = self.used + len(lengths)
        if end > len(self.lengths):  # grown by doubling: appending to a copy each time is quadratic
            size = max(end, 2 * len(self.lengths))
            self.edges = np.concatenate([self.edges, np.zeros((size - len(self.edges), width), dtype=np.int32)])
            self.words = np.concatenate([self.words, np.zeros(size - len(self.words), dtype=np.int64)])
            self.lengths = np.concatenate([self.lengths, np.zeros(size - len(self.lengths), dtype=np.int64)])
        self.edges[self.used:end], self.lengths[self.used:end], self.words[self.used:end] = edges, np.where(long, width, lengths), lengths
        self.used = end


class _Stream:
    """One text read a piece at a time (_pieces), each piece a line at a time, in polars: the words
    of a line not `seen` before (in this text or another) are matched; of every line, the edges
    `seen` keeps are matched in the order of the text, with the last n-1 word ids of the text so
    far (`tail`), which finds the runs that cross from one line or piece into the next. Published
    files repeat their lines (a file's views, a cell in CSV, Parquet, SQLite and the site)."""

    def __init__(self, matcher, tail=None):
        self.m, self.tail = matcher, np.zeros(0, dtype=np.int64) if tail is None else tail

    def feed(self, piece):
        """Mark the runs of the piece (and those from the tail into it); returns its word count."""
        import polars as pl
        runs, seen = self.m.runs, self.m.seen
        try:
            piece = pl.Series([piece])
        except UnicodeEncodeError:  # polars takes UTF-8 only; a lone surrogate is no word character, nor is U+FFFD
            piece = pl.Series([SURROGATE.sub("\ufffd", piece)])
        lines = pl.DataFrame({"line": piece.str.split("\n").explode()}).with_row_index("at")
        distinct = lines.group_by("line", maintain_order=True).agg(pl.col("at"))
        rows, new = np.empty(len(distinct), dtype=np.int64), []
        for i, line in enumerate(distinct["line"].to_list()):
            key = line if len(line) < 32 else hashlib.blake2b(line.encode("utf-8"), digest_size=16).digest()
            rows[i] = seen.rows.get(key, -1)
            if rows[i] < 0:
                rows[i] = seen.rows[key] = len(seen.rows)
                new.append(i)
        stream = []
        if new:
            ids, lengths = runs.line_ids(distinct["line"].gather(new))
            seen.add(ids, lengths)
            within = np.zeros(len(ids) + len(lengths), dtype=np.int64)  # each line, then a 0
            within[np.arange(len(ids)) + np.repeat(np.arange(len(lengths)), lengths)] = ids
            stream += [within, np.zeros(1, dtype=np.int64)]
        row_of = np.empty(len(lines), dtype=np.int64)
        row_of[distinct["at"].explode().to_numpy()] = np.repeat(rows, distinct["at"].list.len().to_numpy())
        edges = seen.edges[row_of][np.arange(2 * runs.n - 1) < seen.lengths[row_of][:, None]]
        joined = np.concatenate([self.tail, edges])
        self.m.found[runs.ids(np.concatenate(stream + [joined]))] = True
        self.tail = joined[max(len(joined) - (runs.n - 1), 0):]
        return int(seen.words[row_of].sum())

    def same_as(self, piece, words, tail):
        """A piece that another stream has just fed (`words` words, leaving `tail`): its runs are
        marked, so only those from this stream's tail into its first n-1 words are read."""
        k = self.m.runs.n - 1
        if words < k:
            self.feed(piece)
            return
        self.feed(piece[:[m.end() for m in itertools.islice(WORD.finditer(piece), k)][-1]])
        self.tail = tail


# The views of a text, each made from its parent's: (name, parent, how)
VIEWS = (("entities", "text", html.unescape), ("bare", "entities", None),
         ("escaped", "text", lambda t: _unescape(t) if "\\" in t else t),
         ("escaped entities", "escaped", html.unescape), ("escaped bare", "escaped entities", None))


class _Views:
    """A text and its VIEWS read in step, a piece at a time. A view has a stream of its own from
    the first piece in which it differs from its parent (until then it is its parent's text); a
    piece in which it is its parent's again costs a look at the piece's first words. Markup is
    taken out of a view's pieces joined: a piece ends before a `<` that no `>` closes in it."""

    def __init__(self, matcher):
        self.streams = {"text": _Stream(matcher)}
        self.open_tag = {"bare": "", "escaped bare": ""}

    def _stream(self, name):
        """The stream that holds view `name` so far (its own, or an ancestor's)."""
        while name not in self.streams:
            name = next(parent for view, parent, _ in VIEWS if view == name)
        return self.streams[name]

    def feed(self, piece):
        self._before = {name: self._stream(name).tail for name in ("text", *(v for v, _, _ in VIEWS))}
        out = {"text": (piece, self.streams["text"].feed(piece), self.streams["text"].tail)}
        for name, parent, how in VIEWS:
            made, words, tail = out[parent]
            if how is None:  # markup out: from the first `<` after the last `>` on, wait for the next piece
                joined = self.open_tag[name] + made
                cut = joined.find("<", joined.rfind(">") + 1)
                cut = len(joined) if cut < 0 else cut
                view, self.open_tag[name] = TAG.sub("", joined[:cut]), joined[cut:]
                same = view is made and not self.open_tag[name]
            else:
                view = how(made)
                same = view is made
            out[name] = self._read(name, parent, view, same, words, tail)

    def _read(self, name, parent, view, same, words, tail):
        if same and name not in self.streams:
            return view, words, tail
        if name not in self.streams:  # the view differs from here on: its text so far is its parent's
            self.streams[name] = _Stream(self.streams["text"].m, tail=self._before[parent])
        stream = self.streams[name]
        if same:
            stream.same_as(view, words, tail)
            return view, words, tail
        return view, stream.feed(view), stream.tail

    def close(self):
        for name, tag in self.open_tag.items():
            if tag:
                self._stream(name).feed(TAG.sub("", tag))


class _Matcher:
    """The runs of the sources (`runs`, a _Runs) found so far in the texts read."""

    def __init__(self, runs):
        self.runs, self.seen = runs, _Seen(runs.n)
        self.found = np.zeros(runs.count[runs.n] + 1, dtype=bool)

    def read(self, text, size=1 << 22):
        """A text: a string, or a Viewed, read with its views."""
        if not isinstance(text, Viewed):
            stream = _Stream(self)
            for piece in _pieces([text], size):
                stream.feed(piece)
            return
        views = _Views(self)
        for piece in _pieces(text.chunks, size):
            views.feed(piece)
        views.close()


def found_runs(sources, texts):
    """For each source ({source_id: raw text}), the passages of it that can be found in `texts`
    (strings, or Viewed): runs of `measure_words` consecutive words that occur, in order, in one of
    the texts (case, punctuation and spacing aside), joined where they touch, as sorted [start, end) runs."""
    n = RULES["measure_words"]
    runs = _Runs(list(sources.values()), n)
    matcher = _Matcher(runs)
    for text in texts:
        matcher.read(text)
    found = matcher.found
    found[0] = False
    out = {}
    for sid, text in sources.items():
        words = list(WORD.finditer(text))
        hits = np.flatnonzero(found[runs.ids(runs.word_ids(_words(text)))])
        out[sid] = _runs([(words[i].start(), words[i + n - 1].end()) for i in hits.tolist()], text)
    return out


def measure(sources, texts):
    """How much of each source can be found in `texts` (found_runs): {source_id: {chars, found,
    share, longest}}, found and longest in characters of the source."""
    out = {}
    for sid, runs in found_runs(sources, texts).items():
        chars, found = len(sources[sid]), sum(b - a for a, b in runs)
        out[sid] = {"chars": chars, "found": found, "share": found / chars if chars else 0.0,
                    "longest": max((b - a for a, b in runs), default=0)}
    return out


def over_caps(measured):
    """The sources whose measured exposure is above the published caps, as sentences."""
    return [f"{sid}: {m['share']:.1%} of its characters and a passage of {m['longest']} characters are published "
            f"(caps {RULES['max_share']:.0%} and {RULES['max_passage']})"
            for sid, m in sorted(measured.items()) if m["share"] >= RULES["max_share"] or m["longest"] > RULES["max_passage"]]
