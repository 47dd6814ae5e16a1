"""What the classifier sees of a text: folded spellings, then the vocabulary terms it holds.

Shared by the run-time classifier (nlp.classify) and the offline trainer (nlp.train), so a
weight learned for a term means the same thing in both. Pure Python and dictionary look-ups.

A term is a character n-gram or a word of the labour dictionary. A term right after a
negation cue in the same clause (没签合同, 不发工资) is a different feature, ``~`` + term:
the model learns what a denied term means instead of a hand rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.numbers import mask_long_runs
from nlp.taxonomy import FOLD_TABLE

FOLD_PATH = Path(__file__).parent / "data" / "fold.json"
NEGATED = "~"


@dataclass(frozen=True)
class Folding:
    """Same-length spelling folds: a character table and a word table (see data/fold.json)."""

    chars: dict[int, str]
    words: dict[str, str]
    word_re: re.Pattern[str] | None

    def __call__(self, text: str) -> str:
        """Text with dialect forms, full-width letters and known typos folded, same length."""
        folded = mask_long_runs(text.translate(self.chars))
        if self.word_re is not None:
            folded = self.word_re.sub(lambda m: self.words[m.group()], folded)
        return folded


def build_folding(raw: dict[str, dict[str, str]]) -> Folding:
    """A Folding from the parsed fold.json; refuses a fold that changes the length."""
    chars = dict(FOLD_TABLE)
    chars.update({ord(k): v for k, v in raw.get("chars", {}).items()})
    words = dict(raw.get("words", {}))
    bad = [k for k, v in words.items() if len(k) != len(v)] + [
        k for k, v in raw.get("chars", {}).items() if len(k) != 1 or len(v) != 1
    ]
    if bad:
        raise ValueError(f"folds must keep the length: {bad}")
    keys = sorted(words, key=len, reverse=True)
    word_re = re.compile("|".join(map(re.escape, keys))) if keys else None
    return Folding(chars, words, word_re)


@lru_cache(maxsize=1)
def folding() -> Folding:
    """The packaged spelling folds."""
    with FOLD_PATH.open(encoding="utf-8") as fh:
        return build_folding(json.load(fh))


@dataclass(frozen=True)
class NegationScope:
    """Cues that deny the term right after them, within `window` chars of the same clause."""

    cues: tuple[str, ...]
    window: int
    clause_breaks: str
    question_forms: tuple[str, ...]  # 是不是工伤 asks; it does not deny

    def denied(self, folded: str, start: int) -> bool:
        """Whether the term starting at `start` follows a negation cue."""
        before = folded[max(0, start - self.window - 3) : start]
        for cut in range(len(before) - 1, -1, -1):
            if before[cut] in self.clause_breaks:
                before = before[cut + 1 :]
                break
        for form in self.question_forms:
            if form in before:
                before = before.replace(form, "_" * len(form))
        before = before[-self.window :]
        return any(cue in before for cue in self.cues)


@dataclass(frozen=True)
class Vocabulary:
    """The terms to look for, indexed for a left-to-right scan."""

    terms: frozenset[str]
    by_pair: dict[str, tuple[int, ...]]  # first two chars → lengths (≥ 2) of terms, longest first
    singles: frozenset[str]

    @classmethod
    def of(cls, terms: Iterable[str]) -> Vocabulary:
        """Index a set of terms."""
        found = frozenset(terms)
        lengths: dict[str, set[int]] = {}
        for term in found:
            if len(term) > 1:
                lengths.setdefault(term[:2], set()).add(len(term))
        by_pair = {pair: tuple(sorted(s, reverse=True)) for pair, s in lengths.items()}
        return cls(found, by_pair, frozenset(t for t in found if len(t) == 1))


@dataclass(frozen=True)
class Hit:
    """One term found: the feature key (``~`` marks a denied term) and its span."""

    key: str
    start: int
    end: int


def scan(folded: str, vocab: Vocabulary, scope: NegationScope) -> Iterator[Hit]:
    """Every vocabulary term in the folded text, overlapping ones included."""
    terms, by_pair, singles = vocab.terms, vocab.by_pair, vocab.singles
    size = len(folded)
    for i in range(size):
        denied: bool | None = None
        if folded[i] in singles:
            denied = scope.denied(folded, i)
            yield Hit(NEGATED + folded[i] if denied else folded[i], i, i + 1)
        lengths = by_pair.get(folded[i : i + 2])
        if not lengths:
            continue
        for n in lengths:
            term = folded[i : i + n]
            if i + n <= size and term in terms:
                if denied is None:
                    denied = scope.denied(folded, i)
                yield Hit(NEGATED + term if denied else term, i, i + n)


def ngrams(folded: str, sizes: Iterable[int]) -> set[str]:
    """Character n-grams of the folded text (training: the candidate vocabulary)."""
    return {folded[i : i + n] for n in sizes for i in range(len(folded) - n + 1)}
