"""Organizations in memory: who covers which admin code, and who is nearest (grid index)."""

from __future__ import annotations

import gzip
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "divisions.tsv.gz"
CELL_DEGREES = 0.25  # grid cell; ~25 km: a handful of organizations per cell in the east
EARTH_KM = 6371.0

# Organization types (domain.md, LDMAL-10 and the seeds).
ENTERPRISE = "enterprise"  # 企业劳动争议调解委员会
TOWNSHIP = "township"  # 乡镇（街道）劳动人事争议调解中心
INDUSTRY = "industry"  # 行业性、区域性、商（协）会调解组织
PLATFORM = "platform"  # 新就业形态（平台用工）调解组织
ARBITRATION = "arbitration"  # 劳动人事争议仲裁院调解中心
COURT = "court"  # 诉调对接工作站
UNION = "union"  # 工会劳动法律服务工作站
TYPES = (ENTERPRISE, TOWNSHIP, INDUSTRY, PLATFORM, ARBITRATION, COURT, UNION)
TYPE_NAMES = {
    ENTERPRISE: "企业劳动争议调解委员会",
    TOWNSHIP: "乡镇（街道）劳动人事争议调解中心",
    INDUSTRY: "行业性、区域性调解组织",
    PLATFORM: "新就业形态劳动争议调解组织",
    ARBITRATION: "劳动人事争议仲裁院调解中心",
    COURT: "诉调对接工作站",
    UNION: "工会劳动法律服务工作站",
}


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province | city | county | township
    parent: str
    lat: float | None
    lng: float | None


@cache
def divisions() -> dict[str, Division]:
    """Every division by code (loaded once per process, ~0.2 s)."""
    table: dict[str, Division] = {}
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            code, name, level, parent, lat, lng = line.rstrip("\n").split("\t")
            table[code] = Division(
                code, name, level, parent, float(lat) if lat else None, float(lng) if lng else None
            )
    return table


def chain(code: str) -> list[str]:
    """The code and its ancestors, most specific first (350504001 → 350504 → 350500 → 350000)."""
    table, out = divisions(), []
    while code and code in table:
        out.append(code)
        code = table[code].parent
    return out


def position(code: str | None) -> tuple[float, float] | None:
    """The coordinates of a division, or of its nearest ancestor that has some."""
    table = divisions()
    for link in chain(code or ""):
        division = table[link]
        if division.lat is not None and division.lng is not None:
            return division.lat, division.lng
    return None


def label(division: Division) -> str:
    """A county named with its city (泉州市洛江区; 北京市朝阳区 — a municipality's districts
    hang under 市辖区): county names repeat across China."""
    if division.level != "county":
        return division.name
    table = divisions()
    city = table.get(division.parent)
    if city is None:
        return division.name
    if city.name in ("市辖区", "县"):
        province = table.get(city.parent)
        return (province.name if province else "") + division.name
    return city.name + division.name


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine); GCJ-02's offset is irrelevant at this scale."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class OrgInfo:
    """What routing needs to know of an organization."""

    id: str
    name: str
    type: str
    region_code: str
    admin_codes: tuple[str, ...]
    lat: float | None
    lng: float | None
    capacity: int = 50
    active: bool = True
    employer_name: str | None = None

    @property
    def point(self) -> tuple[float, float] | None:
        return (self.lat, self.lng) if self.lat is not None and self.lng is not None else None


def _cell(point: tuple[float, float]) -> tuple[int, int]:
    return math.floor(point[0] / CELL_DEGREES), math.floor(point[1] / CELL_DEGREES)


@dataclass
class Directory:
    """Active organizations indexed by covered code, type and grid cell."""

    orgs: dict[str, OrgInfo] = field(default_factory=dict)
    by_code: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    grid: dict[tuple[str, int, int], list[tuple[float, float, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    cells: dict[str, set[tuple[int, int]]] = field(default_factory=lambda: defaultdict(set))
    employers: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, orgs: Iterable[OrgInfo]) -> Directory:
        directory = cls()
        for org in orgs:
            if org.active:
                directory.add(org)
        return directory

    def add(self, org: OrgInfo) -> None:
        self.orgs[org.id] = org
        for code in org.admin_codes:
            self.by_code[(org.type, code)].append(org.id)
        if org.point is not None:
            cell = _cell(org.point)
            self.grid[(org.type, *cell)].append((*org.point, org.id))
            self.cells[org.type].add(cell)
        if org.employer_name:
            self.employers[_normalize(org.employer_name)].append(org.id)

    def covering(self, org_type: str, code: str | None) -> list[OrgInfo]:
        """Organizations of a type covering the code or its nearest covered ancestor."""
        for link in chain(code or ""):
            ids = self.by_code.get((org_type, link))
            if ids:
                return [self.orgs[i] for i in ids]
        return []

    def of_employer(self, employer: str | None) -> list[OrgInfo]:
        """The enterprise committees of an employer (matched by normalized name)."""
        if not employer:
            return []
        return [self.orgs[i] for i in self.employers.get(_normalize(employer), [])]

    def nearest(
        self,
        org_type: str,
        point: tuple[float, float],
        *,
        limit: int = 3,
        skip: frozenset[str] = frozenset(),
        max_km: float = 300.0,
    ) -> list[tuple[float, OrgInfo]]:
        """The ``limit`` nearest organizations of a type, (km, org) nearest first.

        Rings of grid cells are searched outward; candidates are ranked by an equirectangular
        distance (exact enough at these ranges) and only the winners get the great-circle one.
        """
        if not self.cells.get(org_type):
            return []
        lat0, lng0 = point
        kx = math.cos(math.radians(lat0))
        step = CELL_DEGREES * min(1.0, kx)  # the nearest an unvisited ring can be, per ring
        center, grid = _cell(point), self.grid
        found: list[tuple[float, str]] = []
        best: list[tuple[float, str]] = []
        for radius in range(int(max_km / 111.0 / step) + 2):
            for cell in _ring(center, radius):
                for lat, lng, org_id in grid.get((org_type, *cell), ()):
                    if org_id not in skip:
                        dy, dx = lat - lat0, (lng - lng0) * kx
                        found.append((dy * dy + dx * dx, org_id))
            if len(found) >= limit:
                best = heapq.nsmallest(limit, found)
                bound = radius * step
                if best[-1][0] <= bound * bound:
                    break
        best = heapq.nsmallest(limit, found)
        orgs = [self.orgs[org_id] for _, org_id in best]
        return [(distance_km(point, org.point), org) for org in orgs if org.point is not None]


def _ring(center: tuple[int, int], radius: int) -> Iterator[tuple[int, int]]:
    """The cells at Chebyshev distance ``radius`` from the center."""
    x, y = center
    if radius == 0:
        yield center
        return
    for dx in range(-radius, radius + 1):
        yield x + dx, y - radius
        yield x + dx, y + radius
    for dy in range(-radius + 1, radius):
        yield x - radius, y + dy
        yield x + radius, y + dy


def _normalize(name: str) -> str:
    for suffix in ("有限责任公司", "股份有限公司", "有限公司", "公司", "集团"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name
