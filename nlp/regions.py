"""Place names in a message → an administrative division (province/city/county/township).

The gazetteer (data/regions.tsv.gz, built by nlp.gazetteer_build from the NBS 2023 division
list, see data/SOURCES.md) is loaded on first use. Names repeat across China (万安街道 is
in 泉州 and elsewhere; 洛江 only in 泉州), so a mention is resolved with the other places in
the same message (泉州 + 洛江), then a `near` code the caller already knows (the case's or
employer's place); what stays ambiguous falls back to what all candidates share, or nothing.
"""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

DATA_PATH = Path(__file__).parent / "data" / "regions.tsv.gz"
LEVELS = ("province", "city", "county", "township")
# City-level rows that are not places (municipalities' 市辖区, 省直辖县级行政区划 …).
VIRTUAL = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
MIN_ALIAS = 2
# Parts of a township's name that say what kind of place it is (工业园街道), not which one.
_GENERIC = re.compile(
    r"工业|开发|园区|新区|新城|高新|经济|科技|物流|港区|口岸|农场|林场|牧场|车站|市场|城区"
)
_DIVISION_SUFFIX = re.compile(r"(?:省|市|区|县|旗|州|盟|镇|乡|街道|苏木)$")
# A township is often named without its suffix (万安 for 万安街道, 大圩 for 大圩镇). Such a
# short name is far too common on its own (城南, 新华) to be a mention; it counts only inside
# a county or city that the message or the case already names.
TOWNSHIP_SUFFIXES = ("街道办事处", "地区办事处", "民族乡", "街道", "地区", "镇", "乡", "苏木")
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
# The same inside a named city for its counties: 白云 for 白云区, 定远 for 定远县.
COUNTY_SUFFIXES = ("自治县", "自治旗", "区", "县", "市", "旗")


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
        self.townships: dict[str, list[tuple[str, str]]] = {}  # county/city → (short, code)
        self.counties: dict[str, list[tuple[str, str]]] = {}  # city → (short, code)
        for code, division in self.divisions.items():
            if len(code) == 9 and (short := _short(division.name, TOWNSHIP_SUFFIXES)):
                self.townships.setdefault(code[:6], []).append((short, code))
                self.townships.setdefault(code[:4], []).append((short, code))
            elif division.level == "county" and (short := _short(division.name, COUNTY_SUFFIXES)):
                self.counties.setdefault(code[:4], []).append((short, code))
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
                name = text[i : i + size]
                entries = self.index[name]
                codes = tuple(dict.fromkeys(code for code, _ in entries))
                # 奶牛场, 林场: a township's official name that is an ordinary word does not
                # outrank a short form (双阳的奶牛场 is in 双阳区)
                full = any(full for _, full in entries) and bool(_DIVISION_SUFFIX.search(name))
                found.append(Mention(i, i + size, codes, full))
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

    def unique_township(self, text: str) -> tuple[str, int, int] | None:
        """(code, start, end) of the first township the text names by a short name that only
        one township in the country has (九亭, 小榄); a short name shared by several (永兴,
        长安) may as well be a brand, and is not taken."""
        unique = self._unique_township_index
        for start in range(len(text) - 1):
            for size in (3, 2):
                name = text[start : start + size]
                if len(name) == size and (code := unique.get(name)) is not None:
                    return code, start, start + size
        return None

    @cached_property
    def _unique_township_index(self) -> dict[str, str]:
        seen: dict[str, str | None] = {}
        for county, entries in self.townships.items():
            if len(county) != 6:
                continue
            for short, code in entries:
                seen[short] = code if short not in seen else None
        return {
            short: code
            for short, code in seen.items()
            if code is not None and short not in self.index and not _GENERIC.search(short)
        }

    def township_in(self, text: str, scope: str) -> tuple[str, int, int] | None:
        """(code, start, end) of a division inside `scope` (a county's or city's code) that the
        text names by its short name: a county of a city (白云 for 白云区), else a township
        (万安 for 万安街道); the earliest, then the longest."""
        if len(scope) == 9:
            return None
        key = scope[:4] if scope.endswith("00") else scope
        found = [
            (start, -len(short), code)
            for short, code in (self.counties.get(key, ()) if key != scope else ())
            if (start := text.find(short)) >= 0
        ] or [
            (start, -len(short), code)
            for short, code in self.townships.get(key, ())
            if (start := text.find(short)) >= 0
        ]
        if not found:
            return None
        start, size, code = min(found)
        return code, start, start - size

    def resolve(self, text: str, near: str | None = None) -> Place | None:
        """The most specific division the message names, or None."""
        place = self._resolve_named(text, near)
        if place is not None and place.level == "province" and place.code in MUNICIPALITIES:
            scope: str | None = place.code[:2] + "0100"  # 北京大兴: its districts are a city's
        elif place is not None and place.level in ("province", "township"):
            return place
        else:
            scope = place.code if place is not None else near[:6] if near else None
        if place is not None:  # 松北区 names the county, not its 松北街道
            text = text[: place.start] + "　" * (place.end - place.start) + text[place.end :]
        hit = self.township_in(text, scope) if scope else None
        if hit is None:
            return place
        code, start, end = hit
        if place is not None:
            start, end = min(start, place.start), max(end, place.end)
        if len(code) == 6:  # a county: a township of it may follow (白云 三元里)
            rest = text[:start] + "　" * (end - start) + text[end:]
            if deeper := self.township_in(rest, code):
                code, start, end = deeper[0], min(start, deeper[1]), max(end, deeper[2])
        return self.place(code, start, end, ambiguous=False)

    def _resolve_named(self, text: str, near: str | None) -> Place | None:
        mentions = self.mentions(text)
        if not mentions:
            return None
        rest = "".join(
            "　" if any(m.start <= i < m.end for m in mentions) else c for i, c in enumerate(text)
        )
        # 朝阳望京: of the places called 朝阳 (a city in 辽宁, districts in 北京 and 长春), the
        # one with a township the text names, before any broader reading.
        local = {
            code
            for m in mentions
            if len(m.candidates) > 1
            for code in m.candidates
            if len(code) == 6 and not code.endswith("00") and self.township_in(rest, code)
        }
        ranked = sorted(
            (
                (self._rank(code, m, mentions, near, code in local), code, m)
                for m in mentions
                for code in m.candidates
            ),
            key=lambda item: (item[0], item[1]),
            reverse=True,
        )
        best_rank, best, mention = ranked[0]
        tied = [code for rank, code, m in ranked if rank == best_rank and m is mention]
        named = [code for code in tied if self.township_in(rest, code)]
        if len(tied) > 1 and len(named) == 1:
            return self._deepest(named[0], mentions, ambiguous=False)
        if len(tied) > 1:
            shared = self._common_ancestor(tied)
            if shared is None:
                return None
            return self.place(shared, mention.start, mention.end, ambiguous=True)
        unsupported = best_rank[0] == 0 and best_rank[1] == 0 and best_rank[2] == 0
        if unsupported and not mention.full and all(len(c) == 9 for c in mention.candidates):
            return None  # 在奶牛场干活: a word that is also some township's name, nothing more
        return self._deepest(best, mentions, unsupported and len(mention.candidates) > 1)

    def _rank(
        self,
        code: str,
        mention: Mention,
        mentions: list[Mention],
        near: str | None,
        names_township: bool = False,
    ) -> tuple[int, int, int, int, int, int]:
        """(mentions on the same chain, a township of it named, prefix shared with `near`,
        full name, -depth, -start)."""
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
        depth = -len(self.chain(code))
        return (support, int(names_township), shared, int(mention.full), depth, -mention.start)

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


def _short(name: str, suffixes: tuple[str, ...]) -> str | None:
    """万安街道 → 万安; None when the short form would be a single character."""
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_ALIAS:
            return name[: -len(suffix)]
    return None


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
