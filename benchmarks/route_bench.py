"""Nearest-organization lookups at N organizations (tiaojie bench route).

The national generated directory (~48k organizations) is padded with synthetic township-type
organizations at jittered division seats up to N. Lookups start at random division seats.
Reported: p50/p99 per lookup for our grid index, and the same queries answered by a linear
scan over all organizations of the type, measured in the same run (the ratio is the speed-up).
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from routing.directory import TOWNSHIP, Directory, OrgInfo, distance_km, divisions
from routing.generate import generate

SEED = 20261128


def build(orgs: int) -> tuple[Directory, list[OrgInfo]]:
    rng = random.Random(SEED)
    infos = [
        OrgInfo(s.key, s.name, s.type, s.region_code, s.admin_codes, s.lat, s.lng, s.capacity)
        for s in generate("all")
    ]
    seats = [d for d in divisions().values() if d.lat is not None and d.lng is not None]
    while len(infos) < orgs:
        seat = rng.choice(seats)
        assert seat.lat is not None and seat.lng is not None
        infos.append(
            OrgInfo(
                f"syn:{len(infos)}",
                "合成",
                TOWNSHIP,
                seat.code,
                (seat.code,),
                seat.lat + rng.uniform(-0.05, 0.05),
                seat.lng + rng.uniform(-0.05, 0.05),
            )
        )
    return Directory.build(infos[:orgs]), infos[:orgs]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def run(orgs: int = 100_000, lookups: int = 20_000) -> dict[str, Any]:
    started = time.perf_counter()
    directory, infos = build(orgs)
    build_s = time.perf_counter() - started
    rng = random.Random(SEED + 1)
    seats = [d for d in divisions().values() if d.lat is not None and d.lng is not None]
    points = [(s.lat, s.lng) for s in (rng.choice(seats) for _ in range(lookups))]
    ours = []
    for point in points:
        t = time.perf_counter()
        directory.nearest(TOWNSHIP, point, limit=3)  # type: ignore[arg-type]
        ours.append((time.perf_counter() - t) * 1000)
    townships = [o for o in infos if o.type == TOWNSHIP and o.point is not None]
    scans = []
    for point in points[: max(50, lookups // 100)]:
        t = time.perf_counter()
        sorted(townships, key=lambda o: distance_km(point, o.point))[:3]  # type: ignore[arg-type]
        scans.append((time.perf_counter() - t) * 1000)
    p50, p99 = _percentiles(ours)
    scan50, scan99 = _percentiles(scans)
    return {
        "orgs": orgs,
        "lookups": lookups,
        "build_s": round(build_s, 2),
        "p50_ms": round(p50, 4),
        "p99_ms": round(p99, 4),
        "scan_p50_ms": round(scan50, 2),
        "scan_p99_ms": round(scan99, 2),
        "speedup_p50": round(scan50 / p50, 1) if p50 else None,
    }


def format_result(result: dict[str, Any]) -> str:
    return (
        f"{result['orgs']} organizations (index built in {result['build_s']} s), "
        f"{result['lookups']} nearest lookups\n"
        f"  grid index:  p50 {result['p50_ms']} ms   p99 {result['p99_ms']} ms\n"
        f"  linear scan: p50 {result['scan_p50_ms']} ms   p99 {result['scan_p99_ms']} ms"
        f"   (index is {result['speedup_p50']}x faster at p50)"
    )
