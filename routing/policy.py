"""The nearest suitable organization, in the order of design.md, with reasons and rules.

1. the worker's choice; 2. collective or urgent → the county arbitration-institute centre (a
risk alert is raised by the caller); 3. the employer's own enterprise committee; 4. platform
work → the platform (new employment forms) organization; 5. the township/street centre
covering the place, then the county centre. Within a step: covering the place first, then
nearest by distance; inactive, full and already-declined organizations are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from handlers import rules, texts
from routing.directory import (
    ARBITRATION,
    INDUSTRY,
    PLATFORM,
    TOWNSHIP,
    Directory,
    OrgInfo,
    label,
    position,
)

ALTERNATIVES = 2


@dataclass(frozen=True)
class Reason:
    rule: str | None
    text: str


@dataclass(frozen=True)
class Request:
    place_code: str | None
    place_name: str | None = None
    point: tuple[float, float] | None = None  # a location the worker shared (GCJ-02)
    dispute_types: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    employer: str | None = None
    chosen_org_id: str | None = None
    skip: frozenset[str] = frozenset()  # declined or silent for this case
    # A setting: where the seeds' local rule says so, collective and urgent cases go to the
    # township/street centre first (else the county arbitration-institute centre).
    collective_to_township: bool = False


@dataclass(frozen=True)
class Candidate:
    org: OrgInfo
    step: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Route:
    org: OrgInfo
    step: str
    reasons: tuple[Reason, ...]
    alternatives: tuple[OrgInfo, ...]

    def as_json(self) -> dict[str, object]:
        def org(o: OrgInfo) -> dict[str, object]:
            return {"id": o.id, "name": o.name, "type": o.type, "code": o.region_code}

        return {
            "org": org(self.org),
            "step": self.step,
            "reasons": [{"rule": r.rule, "text": r.text} for r in self.reasons],
            "alternatives": [org(o) for o in self.alternatives],
        }


def route_case(
    request: Request, directory: Directory, has_room: Callable[[str], bool] = lambda _: True
) -> Route | None:
    """The first candidate with room that was not skipped, plus two alternatives."""
    seen: set[str] = set()
    usable: list[Candidate] = []
    for candidate in _candidates(request, directory):
        org_id = candidate.org.id
        if org_id in seen or org_id in request.skip or not candidate.org.active:
            continue
        seen.add(org_id)
        if has_room(org_id):
            usable.append(candidate)
        if len(usable) > ALTERNATIVES:
            break
    if not usable:
        return None
    first = usable[0]
    return Route(first.org, first.step, first.reasons, tuple(c.org for c in usable[1:]))


def _point(request: Request) -> tuple[float, float] | None:
    return request.point or position(request.place_code)


def _candidates(request: Request, directory: Directory) -> Iterator[Candidate]:
    yield from _choice(request, directory)
    flags = set(request.flags)
    first_to = TOWNSHIP if request.collective_to_township else ARBITRATION
    where = texts.WHERE_TOWNSHIP if request.collective_to_township else texts.WHERE_COUNTY
    if "collective" in flags:
        reason = Reason(
            rules.COLLECTIVE.code,
            texts.ROUTE_COLLECTIVE.format(where=where, law=rules.COLLECTIVE.law),
        )
        yield from _by_place(request, directory, first_to, "collective", reason)
    if "urgent" in flags:
        yield from _by_place(
            request,
            directory,
            first_to,
            "urgent",
            Reason(None, texts.ROUTE_URGENT.format(where=where)),
        )
    for org in directory.of_employer(request.employer):
        reason = Reason(rules.MEDIATION_ORGS.code, texts.ROUTE_ENTERPRISE)
        yield Candidate(org, "enterprise", (reason,))
    if "platform" in flags:
        reason = Reason(rules.RISK_LEDGER.code, texts.ROUTE_PLATFORM)
        yield from _by_place(request, directory, PLATFORM, "platform", reason)
        yield from _by_place(request, directory, INDUSTRY, "platform", reason)
    place = request.place_name or ""
    township = Reason(
        rules.MEDIATION_ORGS.code,
        texts.ROUTE_TOWNSHIP.format(place=place),
    )
    yield from _by_place(request, directory, TOWNSHIP, "township", township, covering_only=True)
    if request.place_code is None:  # only a shared location: the nearest centre is the local one
        yield from _by_place(request, directory, TOWNSHIP, "nearest", township)
    county = Reason(rules.MEDIATION_ORGS.code, texts.ROUTE_COUNTY)
    yield from _by_place(request, directory, ARBITRATION, "county", county)
    yield from _by_place(request, directory, TOWNSHIP, "nearest", township)


def _choice(request: Request, directory: Directory) -> Iterator[Candidate]:
    org = directory.orgs.get(request.chosen_org_id or "")
    if org is not None:
        reason = Reason(rules.MEDIATION_ORGS.code, texts.ROUTE_CHOICE)
        yield Candidate(org, "choice", (reason,))


def _by_place(
    request: Request,
    directory: Directory,
    org_type: str,
    step: str,
    reason: Reason,
    *,
    covering_only: bool = False,
) -> Iterator[Candidate]:
    """Organizations of a type covering the place, then (unless covering_only) the nearest."""
    for org in directory.covering(org_type, request.place_code):
        yield Candidate(org, step, (reason,))
    point = _point(request)
    if covering_only or point is None:
        return
    for km, org in directory.nearest(org_type, point, limit=ALTERNATIVES + 1, skip=request.skip):
        near = Reason(None, texts.ROUTE_NEAREST.format(km=round(km)))
        yield Candidate(org, step, (reason, near))


def commission_for(place_code: str | None) -> str | None:
    """LDMAL-21: the arbitration commission where the contract is performed (the county's, or
    the city's where the county has none) — named for the parties."""
    from routing.directory import chain, divisions

    table = divisions()
    for code in chain(place_code or ""):
        division = table[code]
        if division.level in ("county", "city") and division.name not in ("市辖区", "县"):
            return f"{label(division)}劳动人事争议仲裁委员会"
    return None
