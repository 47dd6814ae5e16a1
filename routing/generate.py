"""A realistic, clearly marked directory built from the gazetteer, for development, tests and
benchmarks: one arbitration-institute mediation centre per city and per county/district, one
centre per township/street, and per city a platform and an industry organization plus a few
enterprise committees. Real deployments import their own (`tiaojie orgs import`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from routing.directory import (
    ARBITRATION,
    ENTERPRISE,
    INDUSTRY,
    PLATFORM,
    TOWNSHIP,
    Division,
    divisions,
    label,
)

ENTERPRISES_PER_COUNTY = 1
INDUSTRIES = ("制衣", "鞋业", "电子", "机械", "食品", "物流", "建材", "家具")


@dataclass(frozen=True)
class OrgSpec:
    """One organization to upsert (the same shape an import row becomes)."""

    key: str
    name: str
    type: str
    region_code: str
    admin_codes: tuple[str, ...]
    lat: float | None
    lng: float | None
    capacity: int
    address: str = ""
    hours: str = "工作日 8:30-12:00, 14:30-17:30"
    filing_status: str = "filed"
    employer_name: str | None = None


def _short(name: str) -> str:
    """万安街道办事处 → 万安街道 (NBS names sometimes carry the office suffix)."""
    for suffix in ("街道办事处", "办事处"):
        if name.endswith(suffix):
            return name[: -len(suffix)] + ("街道" if suffix == "街道办事处" else "")
    return name


def _pick(seed: str, choices: tuple[str, ...]) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return choices[digest[0] % len(choices)]


def in_region(code: str, region: str) -> bool:
    """Whether a division lies in a region given by any admin code ("all" = China)."""
    if region == "all":
        return True
    prefix = region.rstrip("0") if len(region) == 6 else region
    return code.startswith(prefix[: max(2, len(prefix))])


def generate(region: str = "all") -> Iterator[OrgSpec]:
    """The organizations of a region (deterministic: the same input, the same directory)."""
    for division in divisions().values():
        if not in_region(division.code, region):
            continue
        if division.level == "township":
            yield _township_centre(division)
        elif division.level == "county":
            yield _arbitration_centre(division, capacity=200)
            yield from _enterprises(division)
        elif division.level == "city" and division.name not in ("市辖区", "县"):
            yield _arbitration_centre(division, capacity=400)
            yield from _city_wide(division)


def _township_centre(division: Division) -> OrgSpec:
    name = _short(division.name)
    county = divisions().get(division.parent)
    place = (label(county) if county else "") + name
    return OrgSpec(
        key=f"gen:{TOWNSHIP}:{division.code}",
        name=f"{place}劳动人事争议调解中心",
        type=TOWNSHIP,
        region_code=division.code,
        admin_codes=(division.code,),
        lat=division.lat,
        lng=division.lng,
        capacity=30,
        address=f"{place}便民服务中心",
    )


def _arbitration_centre(division: Division, capacity: int) -> OrgSpec:
    name = label(division)
    return OrgSpec(
        key=f"gen:{ARBITRATION}:{division.code}",
        name=f"{name}劳动人事争议仲裁院调解中心",
        type=ARBITRATION,
        region_code=division.code,
        admin_codes=(division.code,),
        lat=division.lat,
        lng=division.lng,
        capacity=capacity,
        address=f"{name}劳动人事争议仲裁院",
    )


def _city_wide(city: Division) -> Iterator[OrgSpec]:
    yield OrgSpec(
        key=f"gen:{PLATFORM}:{city.code}",
        name=f"{city.name}新就业形态劳动争议调解中心",
        type=PLATFORM,
        region_code=city.code,
        admin_codes=(city.code,),
        lat=city.lat,
        lng=city.lng,
        capacity=100,
        address=f"{city.name}人力资源市场",
    )
    yield OrgSpec(
        key=f"gen:{INDUSTRY}:{city.code}",
        name=f"{city.name}建筑业劳动争议调解委员会",
        type=INDUSTRY,
        region_code=city.code,
        admin_codes=(city.code,),
        lat=city.lat,
        lng=city.lng,
        capacity=100,
        address=f"{city.name}建筑业协会",
    )


def _enterprises(county: Division) -> Iterator[OrgSpec]:
    for number in range(ENTERPRISES_PER_COUNTY):
        trade = _pick(f"{county.code}:{number}", INDUSTRIES)
        company = f"{county.name[:2]}{trade}有限公司"
        yield OrgSpec(
            key=f"gen:{ENTERPRISE}:{county.code}:{number}",
            name=f"{company}劳动争议调解委员会",
            type=ENTERPRISE,
            region_code=county.code,
            admin_codes=(county.code,),
            lat=county.lat,
            lng=county.lng,
            capacity=10,
            address=company,
            employer_name=company,
        )
