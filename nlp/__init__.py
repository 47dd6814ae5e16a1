"""Pure-Python NLP for tiaojie: keyword classification and fact extraction."""

from __future__ import annotations

from nlp.classify import Classification, Label, Match, classify
from nlp.extract import Fact, extract

__all__ = ["Classification", "Fact", "Label", "Match", "classify", "extract"]
