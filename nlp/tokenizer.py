"""Our own jieba.Tokenizer with the labour-law user dictionary, built once per process.

Stock jieba cuts 拖欠三个月工资和经济补偿 into 拖欠/三个/月工资/和/经济/补偿; with the
dictionary in data/labour_dict.txt (plus every taxonomy term) it gives
拖欠/三个月/工资/和/经济补偿. The global ``jieba.dt`` is never touched, so other code
in the process keeps its own segmentation.

Initialisation costs about a second and ~100 MB, so it is lazy (first call, or
:func:`warm_up` from a gunicorn ``preload_app`` hook) and guarded by a lock.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from math import inf, log
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.taxonomy import load

if TYPE_CHECKING:  # jieba is imported lazily: its import and init stay out of `import nlp`
    import jieba

USER_DICT = Path(__file__).parent / "data" / "labour_dict.txt"
CACHE_ENV = "TIAOJIE_NLP_CACHE_DIR"
# 98 % of jieba's words have at most 4 characters; the few longer ones are looked for once
# per run of text instead of at every candidate edge.
SHORT = 4


@dataclass(frozen=True)
class Lexicon:
    """The initialised tokenizer and the set of words we added to it."""

    tokenizer: jieba.Tokenizer
    words: frozenset[str]
    long_starts: frozenset[str]  # first two characters of the words longer than SHORT


_lock = threading.Lock()
_lexicon: Lexicon | None = None


def read_user_dict(path: Path = USER_DICT) -> list[tuple[str, int | None, str | None]]:
    """(word, freq or None, POS tag or None) for each entry of a user-dictionary file."""
    entries = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, *rest = line.split()
        freq = int(rest[0]) if rest and rest[0].isdigit() else None
        tag = rest[-1] if rest and not rest[-1].isdigit() else None
        entries.append((word, freq, tag))
    return entries


def taxonomy_terms() -> list[str]:
    """Multi-character taxonomy terms: they must come out of the tokenizer whole."""
    return sorted(term for term in load().index if len(term) > 1)


def cache_dir() -> Path | None:
    """A private directory for jieba's dictionary cache, or None to use jieba's default.

    jieba's default is the shared temp dir, where another user could plant the file it
    unmarshals; ours is per user ($TIAOJIE_NLP_CACHE_DIR, else $XDG_CACHE_HOME/tiaojie).
    """
    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "tiaojie"
    )
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return Path(base) if os.access(base, os.W_OK) else None


def _build() -> Lexicon:
    """Create and initialise a fresh tokenizer with our words (about a second)."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)  # it logs every init at DEBUG
    tok = jieba.Tokenizer()
    directory = cache_dir()
    if directory is not None:
        tok.tmp_dir = str(directory)
    tok.initialize()
    words = _add_words(tok, read_user_dict(), taxonomy_terms())
    long_starts = frozenset(w[:2] for w, f in tok.FREQ.items() if f and len(w) > SHORT)
    return Lexicon(tok, frozenset(words), long_starts)


def _add_words(
    tok: jieba.Tokenizer,
    entries: Iterable[tuple[str, int | None, str | None]],
    extra: Iterable[str],
) -> set[str]:
    added: set[str] = set()
    for word, freq, tag in entries:
        tok.add_word(word, freq, tag)
        added.add(word)
    for term in extra:
        if term not in added:
            tok.add_word(term)
            added.add(term)
    return added


def lexicon() -> Lexicon:
    """The process-wide tokenizer, built on first use (thread-safe)."""
    global _lexicon
    if _lexicon is None:
        with _lock:
            if _lexicon is None:
                _lexicon = _build()
    return _lexicon


def warm_up() -> None:
    """Build the tokenizer now (call before forking workers so they share its memory)."""
    lexicon()


def cut(text: str) -> list[str]:
    """Tokens of text (dictionary only, no HMM: unknown runs stay single characters)."""
    return list(lexicon().tokenizer.cut(text, HMM=False))


@dataclass(frozen=True)
class Segmentation:
    """Where tokens start and end in a text, for matching keywords against them."""

    edges: bytearray  # edges[i] == 1 when a keyword may start or end at position i
    token_start: list[int]  # token_start[i]: start of the token that holds position i

    def allows(self, start: int, end: int) -> bool:
        """Whether a keyword may match text[start:end].

        It may when both ends are token edges, or when it lies inside one token and has
        two or more characters (事故 in 意外事故). Inside one of our own words (拖欠工资)
        every position is an edge. A keyword that cuts a stock word and runs past it does
        not match (工时 in 打工/时), nor does one character inside a word (伤 in 伤心).
        """
        if self.edges[start] and self.edges[end]:
            return True
        return end - start > 1 and self.token_start[start] == self.token_start[end - 1]


def segment(text: str) -> Segmentation:
    """Token edges of text (see :meth:`Segmentation.allows`)."""
    edges = bytearray(len(text) + 1)
    starts: list[int] = []
    words = lexicon().words
    pos = 0
    for token in lexicon().tokenizer.cut(text, HMM=False):
        size = len(token)
        if token in words:
            edges[pos : pos + size] = b"\x01" * size
        edges[pos] = 1
        starts.extend([pos] * size)
        pos += size
    edges[pos] = 1
    return Segmentation(edges, starts)


# jieba cuts each run of these characters on its own (its re_han_default), so a run can be
# segmented alone with the same result.
_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")
# jieba (HMM off) glues runs of single ASCII letters and digits into one token (its re_eng).
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def word_graph(block: str, freq: dict[str, int]) -> list[list[int]]:
    """jieba's DAG of a block: for each start, the (inclusive) ends of dictionary words.

    The same walk as ``Tokenizer.get_DAG``, with a list for a dict and locals for attributes.
    """
    size = len(block)
    dag: list[list[int]] = []
    for k in range(size):
        ends = []
        i, frag = k, block[k]
        while i < size and frag in freq:
            if freq[frag]:
                ends.append(i)
            i += 1
            frag = block[k : i + 1]
        dag.append(ends or [k])
    return dag


def best_route(block: str, dag: list[list[int]], freq: dict[str, int], total: int) -> list[int]:
    """For each start, the (inclusive) end of the word on the most probable path.

    jieba's ``Tokenizer.calc`` (ties go to the longer word, as its max over (score, end)
    tuples does) without the generator and attribute look-ups.
    """
    size = len(block)
    log_total = log(total)
    best = [0.0] * (size + 1)
    route = [0] * size
    for idx in range(size - 1, -1, -1):
        top, arg = -inf, idx
        for x in dag[idx]:
            score = log(freq.get(block[idx : x + 1]) or 1) - log_total + best[x + 1]
            if score >= top:
                top, arg = score, x
        best[idx], route[idx] = top, arg
    return route


def _segmentation(block: str, dag: list[list[int]], lex: Lexicon) -> Segmentation:
    """Token edges from the best route through the DAG (jieba's cut with HMM off)."""
    route = best_route(block, dag, lex.tokenizer.FREQ, lex.tokenizer.total)
    edges = bytearray(len(block) + 1)
    starts: list[int] = []
    x, size = 0, len(block)
    while x < size:
        y = route[x] + 1
        if y - x == 1 and block[x] in _ASCII_ALNUM:
            while y < size and route[y] == y and block[y] in _ASCII_ALNUM:
                y += 1  # a glued run of single letters/digits (re_eng) is one token
        if block[x:y] in lex.words:
            edges[x:y] = b"\x01" * (y - x)
        edges[x] = 1
        starts.extend([x] * (y - x))
        x = y
    edges[size] = 1
    return Segmentation(edges, starts)


class _Block:
    """One run of a message, with segmentations of the stretches that candidates need."""

    __slots__ = ("checked", "freq", "long_reach", "long_starts", "pieces", "text")

    def __init__(self, text: str, lex: Lexicon) -> None:
        self.text = text
        self.freq: dict[str, int] = lex.tokenizer.FREQ
        self.long_starts = lex.long_starts
        self.long_reach: list[int] | None = None
        self.pieces: dict[tuple[int, int], Segmentation] = {}
        self.checked: dict[int, bool] = {}  # one term's end is often the next one's start

    def crossed(self, pos: int) -> bool:
        """Whether some dictionary word (or glued ASCII run) spans the edge before pos.

        jieba's prefix dictionary holds every prefix of every word, so a word starting at k
        can reach past pos only if text[k : pos + 1] is in it: one look-up per start. Short
        words can start only a few characters back; long ones are found once per run.
        """
        known = self.checked.get(pos)
        if known is None:
            known = self.checked[pos] = self._crossed(pos)
        return known

    def _crossed(self, pos: int) -> bool:
        text, freq = self.text, self.freq
        if pos <= 0 or pos >= len(text):
            return False
        if text[pos - 1] in _ASCII_ALNUM and text[pos] in _ASCII_ALNUM:
            return True
        for k in range(pos - 1, max(pos - SHORT, 0) - 1, -1):
            end = pos + 1
            while end - k <= SHORT and end <= len(text) and text[k:end] in freq:
                if freq[text[k:end]]:
                    return True
                end += 1
        return self._long_reach()[pos - 1] > pos

    def _long_reach(self) -> list[int]:
        """reach[p]: the furthest end (exclusive) of a word longer than SHORT starting ≤ p."""
        if self.long_reach is None:
            text, freq, size = self.text, self.freq, len(self.text)
            reach, furthest = [], 0
            for k in range(size):
                if text[k : k + 2] in self.long_starts:
                    end = k + SHORT + 1
                    while end <= size and text[k:end] in freq:
                        if freq[text[k:end]]:
                            furthest = max(furthest, end)
                        end += 1
                reach.append(furthest)
            self.long_reach = reach
        return self.long_reach

    def piece(self, start: int, end: int, lex: Lexicon) -> tuple[int, Segmentation]:
        """The segmentation of the stretch around text[start:end] between two sure cuts.

        No word spans a sure cut, so every path of jieba's route search passes through it
        and the best path between two of them does not depend on the text outside: the
        stretch segments alone exactly as inside the whole run. Returns (offset, segmentation).
        """
        while start > 0 and self.crossed(start):
            start -= 1
        while end < len(self.text) and self.crossed(end):
            end += 1
        seg = self.pieces.get((start, end))
        if seg is None:
            stretch = self.text[start:end]
            seg = _segmentation(stretch, word_graph(stretch, self.freq), lex)
            self.pieces[start, end] = seg
        return start, seg


class LazySegmentation:
    """Decides keyword candidates against jieba's segmentation, computing as little as it can.

    Most of a message's runs hold no keyword at all, and most candidates have no dictionary
    word straddling either of their edges: every segmentation then cuts there, so the
    candidate matches without running jieba's route search. Only a candidate with a
    straddling word (工时 in 打工时间) needs a segmentation, and only of the stretch between
    the nearest sure cuts around it, which is exactly what ``Tokenizer.cut(HMM=False)``
    gives there.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.blocks = [(m.start(), m.end()) for m in _BLOCK.finditer(text)]
        self._starts = [start for start, _ in self.blocks]
        self._done: dict[int, _Block] = {}
        self._lex = lexicon()

    def allows(self, start: int, end: int) -> bool:
        """Whether a keyword may match text[start:end] (see :meth:`Segmentation.allows`)."""
        index = bisect_right(self._starts, start) - 1
        if index < 0 or start >= self.blocks[index][1]:
            return True  # punctuation or symbols: no word to cut
        block_start, block_end = self.blocks[index]
        if end > block_end:
            return True  # runs across a break, so it cuts no word inside one
        block = self._done.get(index)
        if block is None:
            text = self.text[block_start:block_end]
            block = _Block(text, self._lex)
            self._done[index] = block
        start, end = start - block_start, end - block_start
        if not block.crossed(start) and not block.crossed(end):
            return True
        offset, seg = block.piece(start, end, self._lex)
        return seg.allows(start - offset, end - offset)
