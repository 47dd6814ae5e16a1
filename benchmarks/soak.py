"""Soak: a bounded constant load for N minutes while the memory of every process is sampled.

    tiaojie bench soak [--minutes 10] [--connections 4] [--json]

Starts ``tiaojie serve`` as the HTTP benchmark does (PostgreSQL + Redis when configured, else
embedded), logs workers in, then sends complaint messages and WeChat text pushes in
alternating one-minute stretches at a fixed, small number of connections (bounded: each
connection waits for its answer) until the time is up. Every few seconds it records the RSS
of each process (gunicorn master and workers, the RQ worker and its children, Redis) and the
proportional total (PSS). It reports, per role, the RSS at start (after the first minute:
imports, pools and caches settle), at the end and at its peak, and the slope of a
least-squares line through the samples after the first minute, in MB per 10 minutes: flat
memory is a slope near zero. Outside the test suite: it runs for minutes.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import servers
from benchmarks.http_bench import complaint_texts, login_workers, message_templates
from benchmarks.loadgen import LoadResult, load_average, run_load
from benchmarks.push_bench import TOKEN, push_templates

STRETCH_SECONDS = 60.0
SETTLE_SECONDS = 60.0  # samples before this are the warm-up, not the trend
FLAT_MB_PER_10_MIN = 10.0  # what we call flat


def run(
    *, minutes: float = 10.0, connections: int = 4, workers: int = 300, tool: str = "auto"
) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="tj-soak-"))
    try:
        ours = servers.start_ours(data_dir, {"TIAOJIE_WECHAT_TOKEN": TOKEN})
        with servers.running(ours):
            return _soak(ours, minutes, connections, workers, tool)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _soak(
    ours: servers.Ours, minutes: float, connections: int, workers: int, tool: str
) -> dict[str, Any]:
    texts = complaint_texts()
    loads = [
        message_templates(login_workers(ours.url, workers), texts),
        push_templates("/wechat/push", texts),
    ]
    load_before = load_average()
    total = minutes * 60
    stretches: list[LoadResult] = []
    interval = max(0.5, min(5.0, total / 120))
    with servers.MemoryWatch(ours.process.pid, interval=interval) as memory:
        started = time.monotonic()
        while (left := total - (time.monotonic() - started)) >= 1:
            templates = loads[len(stretches) % len(loads)]
            stretches.append(
                run_load(
                    ours.url,
                    templates,
                    connections=connections,
                    duration=min(STRETCH_SECONDS, left),
                    run_id=len(stretches) + 1,
                    tool=tool,
                )
            )
    settle = min(SETTLE_SECONDS, total / 5)
    return {
        "redis_keys": redis_keys(ours),
        "minutes": minutes,
        "connections": connections,
        "database": servers.database_label(ours),
        "tool": stretches[0].tool if stretches else tool,
        "requests": sum(s.requests for s in stretches),
        "errors": sum(s.errors for s in stretches),
        "rps": round(statistics.fmean(s.rps for s in stretches), 1) if stretches else 0.0,
        "p99_ms_max": max((s.p99_ms for s in stretches), default=0.0),
        "samples": len(memory.samples),
        "memory": memory_trend(memory.samples, settle),
        "load_average": {"before": list(load_before), "after": list(load_average())},
        "flat_mb_per_10_min": FLAT_MB_PER_10_MIN,
    }


def redis_keys(ours: servers.Ours) -> int:
    """Keys in our Redis at the end: dedupe claims (kept a day), rate-limit windows, RQ jobs."""
    import redis

    url = ours.env.get("REDIS_URL") or f"unix://{servers.embedded_redis_socket(ours)}"
    client = redis.Redis.from_url(url)
    try:
        return int(client.dbsize())
    finally:
        client.close()


# Redis holds data that expires (a day for dedupe claims): its growth is not a process leak.
DATA_ROLES = frozenset({"redis", "all processes (PSS)"})


def memory_trend(samples: list[servers.MemorySample], settle: float) -> dict[str, Any]:
    """Per role (and PSS of all processes): start, end, max in MB and the slope per 10 min."""
    steady = [s for s in samples if s.at >= settle] or samples
    series: dict[str, list[tuple[float, float]]] = {}
    for sample in steady:
        for role, rss in sample.rss.items():
            series.setdefault(role, []).append((sample.at, rss))
        series.setdefault("all processes (PSS)", []).append((sample.at, sample.pss_total))
    return {
        role: {
            "start_mb": round(points[0][1], 1),
            "end_mb": round(points[-1][1], 1),
            "max_mb": round(max(v for _, v in points), 1),
            "slope_mb_per_10_min": round(slope(points) * 600, 2),
        }
        for role, points in series.items()
        if role != "other"
    }


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope (units per second); 0 with fewer than two distinct times."""
    if len(points) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in points)
    mean_v = statistics.fmean(v for _, v in points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / spread


def format_result(result: dict[str, Any]) -> str:
    load = result["load_average"]
    lines = [
        f"soak: {result['minutes']:g} min at {result['connections']} connections — "
        f"{result['database']}, {result['tool']}; {result['requests']:,} requests "
        f"({result['rps']:,.0f}/s, worst p99 {result['p99_ms_max']:.0f} ms, errors "
        f"{result['errors']}); load average {load['before'][0]:.2f} → {load['after'][0]:.2f}",
        f"  {'process':<22}{'start MB':>10}{'end MB':>10}{'max MB':>10}{'MB/10 min':>11}",
    ]
    for role, row in result["memory"].items():
        lines.append(
            f"  {role:<22}{row['start_mb']:>10.1f}{row['end_mb']:>10.1f}{row['max_mb']:>10.1f}"
            f"{row['slope_mb_per_10_min']:>+11.2f}"
        )
    flat = all(
        abs(row["slope_mb_per_10_min"]) <= result["flat_mb_per_10_min"]
        for role, row in result["memory"].items()
        if role not in DATA_ROLES
    )
    lines.append(
        f"Python processes: memory {'flat' if flat else 'NOT flat'} (every slope within ±"
        f"{result['flat_mb_per_10_min']:g} MB per 10 min); Redis holds {result['redis_keys']:,}"
        " keys at the end (dedupe claims kept a day, rate-limit windows, RQ jobs): data that"
        " expires (the embedded Redis's RSS and the PSS total include it; an external Redis"
        " is not sampled)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(run()))
