"""Pure-Python NLP for tiaojie: keyword classification, fact extraction, settlement terms.

Importing the package is cheap; the jieba tokenizer and the gazetteer load on first use
(or call :func:`warm_up` before forking workers).
"""

from __future__ import annotations

from nlp.classify import Classification, Label, Match, classify
from nlp.extract import Fact, extract, mask_personal
from nlp.terms import Terms, parse_terms
from nlp.tokenizer import warm_up as _warm_tokenizer


def warm_up() -> None:
    """Load the tokenizer, taxonomy and gazetteer now (e.g. in gunicorn's preload)."""
    from nlp import regions

    _warm_tokenizer()
    regions.gazetteer()


__all__ = [
    "Classification",
    "Fact",
    "Label",
    "Match",
    "Terms",
    "classify",
    "extract",
    "mask_personal",
    "parse_terms",
    "warm_up",
]
