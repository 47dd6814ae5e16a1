"""Place names in a message → an administrative division (province/city/county/township).

The gazetteer (data/regions.tsv.gz, built by nlp.gazetteer_build from the NBS 2023 division
list, see data/SOURCES.md) is loaded on first use. Names repeat across China (万安街道 is
in 泉州 and elsewhere; 洛江 only in 泉州), so a mention is resolved with the other places in
the same message (泉州 + 洛江), then a `near` code the caller already knows (the case's or
employer's place); what stays ambiguous falls back to what all candidates share, or nothing.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DATA_PATH = Path(__file__).parent / "data" / "regions.tsv.gz"
LEVELS = ("province", "city", "county", "township")
# City-level rows that are not places (municipalities' 市辖区, 省直辖县级行政区划 …).
VIRTUAL = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
MIN_ALIAS = 2


@dataclass(frozen=True)
class Division:
    """One row of the gazetteer."""

    code: str
    name: str

    @property
    def level(self) -> str:
        """province, city, county or township, read from the code."""
        if len(self.code) == 9:
            return "township"
        if self.code.endswith("0000"):
            return "province"
        return "city" if self.code.endswith("00") else "county"

    @property
    def parent(self) -> str:
        """The parent's code ('' for a province)."""
        if len(self.code) == 9:
            return self.code[:6]
        if self.code.endswith("0000"):
            return ""
        return self.code[:2] + "0000" if self.code.endswith("00") else self.code[:4] + "00"


@dataclass(frozen=True)
class Mention:
    """A place name found in the text, with every division it may mean."""

    start: int
    end: int
    candidates: tuple[str, ...]
    full: bool  # the official name (洛江区), not a short form (洛江)


@dataclass(frozen=True)
class Place:
    """A resolved division with its chain of names and the text span that named it."""

    code: str
    province: str | None
    city: str | None
    county: str | None
    township: str | None
    start: int
    end: int
    ambiguous: bool

    @property
    def level(self) -> str:
        """The most specific level known."""
        return Division(self.code, "").level

    @property
    def display(self) -> str:
        """福建省泉州市洛江区万安街道."""
        parts = (self.province, self.city, self.county, self.township)
        return "".join(dict.fromkeys(p for p in parts if p))

    def as_dict(self) -> dict[str, str | None]:
        """The location fields of the public JSON."""
        return {
            "province": self.province,
            "city": self.city,
            "county": self.county,
            "township": self.township,
            "code": self.code,
            "level": self.level,
        }


class Gazetteer:
    """All divisions with an index from names and short forms to codes."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.divisions: dict[str, Division] = {}
        index: dict[str, list[tuple[str, bool]]] = {}
        for line in lines:
            code, name, alias_field = line.rstrip("\n").split("\t")
            self.divisions[code] = Division(code, name)
            if name in VIRTUAL:
                continue
            index.setdefault(name, []).append((code, True))
            for alias in filter(None, alias_field.split(",")):
                index.setdefault(alias, []).append((code, False))
        self.index = {name: tuple(entries) for name, entries in index.items()}
        # first two characters → the name lengths that start with them, longest first: most
        # positions of a message start no name, and one look-up tells. Built through bit
        # masks and shared tuples: 24k pairs have only ~350 distinct length sets.
        masks: dict[str, int] = {}
        for name in self.index:
            if len(name) >= MIN_ALIAS:
                masks[name[:2]] = masks.get(name[:2], 0) | 1 << len(name)
        shared: dict[int, tuple[int, ...]] = {}
        for mask in set(masks.values()):
            shared[mask] = tuple(n for n in range(mask.bit_length(), 0, -1) if mask >> n & 1)
        self.by_pair = {pair: shared[mask] for pair, mask in masks.items()}

    def chain(self, code: str) -> list[str]:
        """The code and its ancestors, most specific first."""
        out = []
        while code:
            out.append(code)
            code = self.divisions[code].parent
        return out

    def mentions(self, text: str) -> list[Mention]:
        """Leftmost-longest place names in text."""
        found: list[Mention] = []
        i, limit = 0, len(text)
        by_pair, index = self.by_pair, self.index
        while i < limit:
            size = 0
            for n in by_pair.get(text[i : i + 2], ()):
                # i + n <= limit: a slice past the end is shorter, not absent, and a shorter
                # name found that way would get a span beyond the text.
                if i + n <= limit and text[i : i + n] in index:
                    size = n
                    break
            if size:
                entries = self.index[text[i : i + size]]
                codes = tuple(dict.fromkeys(code for code, _ in entries))
                found.append(Mention(i, i + size, codes, any(full for _, full in entries)))
            i += size or 1
        return found

    def place(self, code: str, start: int, end: int, ambiguous: bool) -> Place:
        """A Place for a code, with the names along its chain."""
        names: dict[str, str | None] = dict.fromkeys(LEVELS)
        for link in self.chain(code):
            division = self.divisions[link]
            if division.name not in VIRTUAL:
                names[division.level] = division.name
        return Place(
            code,
            names["province"],
            names["city"],
            names["county"],
            names["township"],
            start,
            end,
            ambiguous,
        )

    def resolve(self, text: str, near: str | None = None) -> Place | None:
        """The most specific division the message names, or None."""
        mentions = self.mentions(text)
        if not mentions:
            return None
        ranked = sorted(
            (
                (self._rank(code, m, mentions, near), code, m)
                for m in mentions
                for code in m.candidates
            ),
            key=lambda item: (item[0], item[1]),
            reverse=True,
        )
        best_rank, best, mention = ranked[0]
        tied = [code for rank, code, m in ranked if rank == best_rank and m is mention]
        if len(tied) > 1:
            shared = self._common_ancestor(tied)
            if shared is None:
                return None
            return self.place(shared, mention.start, mention.end, ambiguous=True)
        unsupported = best_rank[0] == 0 and best_rank[1] == 0
        return self._deepest(best, mentions, unsupported and len(mention.candidates) > 1)

    def _rank(
        self, code: str, mention: Mention, mentions: list[Mention], near: str | None
    ) -> tuple[int, int, int, int, int]:
        """(mentions on the same chain, prefix shared with `near`, full name, -depth, -start)."""
        chain = set(self.chain(code))
        support = sum(
            any(c in chain or code in self.chain(c) for c in other.candidates)
            for other in mentions
            if other is not mention
        )
        shared = _shared_prefix(code, near) if near else 0
        # Without other evidence, a province or city is a safer reading than one of many
        # same-named counties: prefer the broader division, then the official name.
        # Among unrelated places the first one named wins, so the answer is predictable.
        return (support, shared, int(mention.full), -len(self.chain(code)), -mention.start)

    def _deepest(self, code: str, mentions: list[Mention], ambiguous: bool) -> Place:
        """Extend `code` with the most specific mentioned division on its chain."""
        chosen, used = code, [m for m in mentions if code in m.candidates]
        for m in mentions:
            if code in m.candidates:
                continue  # 吉林 (province or city) does not make itself more specific
            for candidate in m.candidates:
                chain = self.chain(candidate)
                if chosen in chain and candidate != chosen:
                    chosen = candidate
                if chosen in chain or candidate in self.chain(chosen):
                    used.append(m)
        start = min(m.start for m in used)
        end = max(m.end for m in used)
        return self.place(chosen, start, end, ambiguous)

    def _common_ancestor(self, codes: list[str]) -> str | None:
        chains = [self.chain(code) for code in codes]
        shared = set(chains[0]).intersection(*chains[1:])
        return next((code for code in chains[0] if code in shared), None)


def _shared_prefix(code: str, near: str) -> int:
    """How many leading code digits two divisions share (2 = province … 9 = township)."""
    size = 0
    for a, b in zip(code.ljust(9, "0"), near.ljust(9, "0"), strict=True):
        if a != b:
            break
        size += 1
    return size


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The packaged gazetteer, loaded once per process (thread-safe)."""
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                with gzip.open(DATA_PATH, "rt", encoding="utf-8") as fh:
                    _gazetteer = Gazetteer(fh)
    return _gazetteer


def resolve(text: str, near: str | None = None) -> Place | None:
    """The division a message names (see :meth:`Gazetteer.resolve`)."""
    return gazetteer().resolve(text, near)
