"""The message endpoint under load, against a bare Flask JSON endpoint, in the same run.

    tiaojie bench http [--json] [--duration S] [--connections N] [--rounds R]

Starts our service the production way (``tiaojie serve``: gunicorn, 2 workers, --preload, an
RQ worker; PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set, else a SQLite file and
the embedded Redis in a fresh temporary data dir) and a bare Flask endpoint under the same
gunicorn settings, both on loopback. Many workers log in first (dev login); then each round
drives the bare endpoint and ``POST /api/v1/messages`` in turn with the same load generator
(wrk when installed), every message a real complaint text with a unique msg_id: auth,
dedupe, classification, the intake state step, the commit and the enqueue all happen. The
figures are the median of the rounds; the ratio is taken within each round (same machine
load), then the median. RSS of every process is sampled throughout.
"""

from __future__ import annotations

import json
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script or loaded by path (tiaojie bench)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import floor_app, servers
from benchmarks.loadgen import SEQ, LoadResult, Template, load_average, run_load

CORPUS = servers.REPO.parent / "shared" / "data" / "complaints" / "dev.jsonl"
# Used when the shared corpus is not beside the checkout: how workers open a conversation.
FALLBACK_TEXTS = (
    "老板拖欠我三个月工资了，一共两万四",
    "泉州鑫达鞋业有限公司欠我工资不给，我在洛江区万安街道上班",
    "在工地干活摔断了腿，包工头不管，也没签合同",
    "公司突然把我辞退了，没有任何补偿",
    "厂里不给交社保，干了三年了",
    "每天工作十二个小时，加班费一分没有",
    "老板跑路了，我们二十多个工友的工资都没发",
    "试用期被开除，说我不符合录用条件，可是没给过任何考核",
)
FLOOR_DB = "floor.db"
TARGET_RATIO = 0.35  # target: ≥ 35 % of bare Flask req/s
TARGET_P99_MS = 25.0  # at 16 connections on 2 cores
TARGET_WORKER_RSS_MB = 200.0


def complaint_texts(path: Path = CORPUS) -> list[str]:
    """Real complaint texts: the NLP dev corpus when it is there, else a few typical ones."""
    if not path.exists():
        return list(FALLBACK_TEXTS)
    with path.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle if line.strip()]
    return [t for t in texts if t.strip()] or list(FALLBACK_TEXTS)


def login_workers(base_url: str, count: int) -> list[str]:
    """Dev-login ``count`` workers and return their bearer tokens."""
    return [
        servers.post_json(
            f"{base_url}/api/v1/dev/login", {"role": "worker", "name": f"压测工友{i:04d}"}
        )["token"]
        for i in range(count)
    ]


def message_templates(tokens: Sequence[str], texts: Sequence[str]) -> list[Template]:
    """Each worker in turn sends a complaint text with a unique msg_id (no case_id: intake).
    The ids are unique across invocations too: a database and Redis that outlive one run
    (PostgreSQL) would otherwise answer a repeated id from the dedupe path."""
    nonce = secrets.token_hex(4)
    templates = []
    for k in range(max(len(tokens), len(texts))):
        text = texts[(k * 7) % len(texts)]
        body = json.dumps({"text": text, "msg_id": f"bench-{nonce}-{SEQ}"}, ensure_ascii=False)
        templates.append(
            Template(
                "POST",
                "/api/v1/messages",
                body,
                {
                    "Authorization": f"Bearer {tokens[k % len(tokens)]}",
                    "Content-Type": "application/json",
                },
            )
        )
    return templates


def bare_templates(texts: Sequence[str]) -> list[Template]:
    """The same kind of JSON body to the bare endpoint."""
    return [
        Template(
            "POST",
            "/echo",
            json.dumps({"text": text, "msg_id": f"bench-{SEQ}"}, ensure_ascii=False),
            {"Authorization": "Bearer x", "Content-Type": "application/json"},
        )
        for text in texts
    ]


def run(
    *,
    duration: float = 10.0,
    connections: int = 16,
    rounds: int = 3,
    workers: int = 300,
    warmup: float | None = None,
    tool: str = "auto",
    floor: bool = False,
) -> dict[str, Any]:
    """Start the servers, measure ``rounds`` rounds, stop everything; return the figures.
    ``floor``: also measure benchmarks/floor_app.py, the least our duties can cost here."""
    data_dir = Path(tempfile.mkdtemp(prefix="tj-bench-"))
    started: list[servers.Server] = []
    try:
        ours = servers.start_ours(data_dir)
        started.append(ours)
        bare = servers.start_peer("bare-flask", ours, "benchmarks.bare_app:app", data_dir)
        started.append(bare)
        texts = complaint_texts()
        contenders = {"bare": (bare, bare_templates(texts))}
        if floor:
            server, templates = _start_floor(ours, data_dir, workers, texts)
            started.append(server)
            contenders["floor"] = (server, templates)
        contenders["ours"] = (ours, message_templates(login_workers(ours.url, workers), texts))
        result = _measure(ours, contenders, duration, connections, rounds, warmup, tool)
        if floor:
            result["floor_stored"] = floor_app.count_exchanges(data_dir / FLOOR_DB)
        return result
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _start_floor(
    ours: servers.Ours, data_dir: Path, workers: int, texts: Sequence[str]
) -> tuple[servers.Server, list[Template]]:
    """benchmarks/floor_app.py under our gunicorn settings, on our Redis, its own SQLite file."""
    secret = secrets.token_hex(24)
    tokens = floor_app.prepare(data_dir / FLOOR_DB, secret, workers)
    redis_url = ours.env.get("REDIS_URL") or f"unix://{servers.embedded_redis_socket(ours)}"
    env = {"FLOOR_DB": str(data_dir / FLOOR_DB), "FLOOR_REDIS": redis_url, "FLOOR_SECRET": secret}
    server = servers.start_peer("floor", ours, "benchmarks.floor_app:app", data_dir, env)
    return server, message_templates(tokens, texts)


def _measure(
    ours: servers.Ours,
    contenders: dict[str, tuple[servers.Server, list[Template]]],
    duration: float,
    connections: int,
    rounds: int,
    warmup: float | None,
    tool: str,
) -> dict[str, Any]:
    load_before = load_average()
    for server, templates in contenders.values():  # connections, caches, first forks
        run_load(
            server.url,
            templates,
            connections=connections,
            duration=warmup or min(3.0, duration),
            tool=tool,
        )
    results: dict[str, list[LoadResult]] = {name: [] for name in contenders}
    with servers.MemoryWatch(ours.process.pid) as memory:
        for turn in range(rounds):
            order = list(contenders) if turn % 2 == 0 else list(reversed(contenders))
            for name in order:
                server, templates = contenders[name]
                results[name].append(
                    run_load(
                        server.url,
                        templates,
                        connections=connections,
                        duration=duration,
                        run_id=turn * len(contenders) + list(contenders).index(name) + 1,
                        tool=tool,
                    )
                )
        time.sleep(1.0)  # let the RQ worker pick up what the last round enqueued
    return summarize(results, memory, load_before, load_average(), ours)


def summarize(
    results: dict[str, list[LoadResult]],
    memory: servers.MemoryWatch,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
    ours: servers.Ours,
) -> dict[str, Any]:
    mine, bare = results["ours"], results["bare"]
    ratios = [m.rps / b.rps for m, b in zip(mine, bare, strict=True)]
    summary = {
        "endpoint": "POST /api/v1/messages",
        "endpoint_rps": round(statistics.median(r.rps for r in mine), 1),
        "baseline_rps": round(statistics.median(r.rps for r in bare), 1),
        "ratio": round(statistics.median(ratios), 3),
        "p50_ms": round(statistics.median(r.p50_ms for r in mine), 2),
        "p99_ms": round(statistics.median(r.p99_ms for r in mine), 2),
        "baseline_p50_ms": round(statistics.median(r.p50_ms for r in bare), 2),
        "baseline_p99_ms": round(statistics.median(r.p99_ms for r in bare), 2),
        "errors": sum(r.errors for r in mine) + sum(r.errors for r in bare),
        "requests": sum(r.requests for r in mine),
        "worker_rss_mb": round(memory.peak("rq worker"), 1),
        "rq_child_rss_mb": round(memory.peak("rq child"), 1),
        "web_worker_rss_mb": round(memory.peak("gunicorn worker"), 1),
        "database": servers.database_label(ours),
        "tool": mine[0].tool,
        "connections": mine[0].connections,
        "duration_s": mine[0].duration_s,
        "rounds": [
            {"ours": m.as_json(), "bare": b.as_json(), "ratio": round(r, 3)}
            for m, b, r in zip(mine, bare, ratios, strict=True)
        ],
        "cpu_s": memory.cpu_used(),  # whole measurement (every contender's rounds)
        "load_average": {"before": list(load_before), "after": list(load_after)},
        "targets": {
            "ratio": TARGET_RATIO,
            "p99_ms": TARGET_P99_MS,
            "worker_rss_mb": TARGET_WORKER_RSS_MB,
        },
    }
    floor = results.get("floor")
    if floor:
        floor_ratios = [f.rps / b.rps for f, b in zip(floor, bare, strict=True)]
        summary["floor"] = {
            "rps": round(statistics.median(r.rps for r in floor), 1),
            "p50_ms": round(statistics.median(r.p50_ms for r in floor), 2),
            "p99_ms": round(statistics.median(r.p99_ms for r in floor), 2),
            "ratio": round(statistics.median(floor_ratios), 3),
            "errors": sum(r.errors for r in floor),
            "requests": sum(r.requests for r in floor),
        }
        for entry, result, ratio in zip(summary["rounds"], floor, floor_ratios, strict=True):
            entry["floor"] = {**result.as_json(), "ratio": round(ratio, 3)}
    return summary


def format_result(result: dict[str, Any]) -> str:
    """A short table of the medians, each round, and the targets."""
    load = result["load_average"]
    lines = [
        f"{result['endpoint']} vs bare Flask — {result['database']}, {result['tool']}, "
        f"{result['connections']} connections, {len(result['rounds'])} rounds of "
        f"{result['duration_s']:.0f} s (load average {load['before'][0]:.2f} → "
        f"{load['after'][0]:.2f})",
        f"  {'round':<8}{'ours req/s':>12}{'p50':>8}{'p99':>8}{'bare req/s':>12}{'p99':>8}"
        f"{'ratio':>8}",
    ]
    for i, r in enumerate(result["rounds"], 1):
        lines.append(
            f"  {i:<8}{r['ours']['rps']:>12,.0f}{r['ours']['p50_ms']:>8.1f}"
            f"{r['ours']['p99_ms']:>8.1f}{r['bare']['rps']:>12,.0f}{r['bare']['p99_ms']:>8.1f}"
            f"{r['ratio']:>8.2f}"
        )
    lines.append(
        f"  {'median':<8}{result['endpoint_rps']:>12,.0f}{result['p50_ms']:>8.1f}"
        f"{result['p99_ms']:>8.1f}{result['baseline_rps']:>12,.0f}"
        f"{result['baseline_p99_ms']:>8.1f}{result['ratio']:>8.2f}"
    )
    floor = result.get("floor")
    if floor:
        per_round = " / ".join(f"{r['floor']['ratio']:.2f}" for r in result["rounds"])
        lines.append(
            f"  floor (benchmarks/floor_app.py): {floor['rps']:,.0f} req/s, p50 "
            f"{floor['p50_ms']:.1f} ms, p99 {floor['p99_ms']:.1f} ms, ratio {floor['ratio']:.2f}"
            f" ({per_round}); errors {floor['errors']}"
        )
    targets = result["targets"]
    lines.append(
        f"targets: ratio ≥ {targets['ratio']:.2f} ({_verdict(result['ratio'] >= targets['ratio'])})"
        f", p99 ≤ {targets['p99_ms']:.0f} ms ({_verdict(result['p99_ms'] <= targets['p99_ms'])})"
        f", RQ worker RSS ≤ {targets['worker_rss_mb']:.0f} MB: {result['worker_rss_mb']:.0f} MB "
        f"({_verdict(result['worker_rss_mb'] <= targets['worker_rss_mb'])}); "
        f"errors: {result['errors']}"
    )
    cpu = ", ".join(f"{role} {seconds:.0f} s" for role, seconds in result["cpu_s"].items())
    lines.append(f"CPU used by our processes during all rounds: {cpu}")
    return "\n".join(lines)


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    print(json.dumps(run()))
