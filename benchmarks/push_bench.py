"""The WeChat push endpoint against WeRoBot answering the same push, in the same run.

    tiaojie bench push [--json] [--duration S] [--connections N] [--rounds R]

Contenders, all under the same gunicorn settings (2 workers, --preload) on loopback:

- ours: ``POST /wechat/push`` of ``tiaojie serve`` (signature check, parse, dedupe by MsgId,
  the sender's party and case, the conversation step, the message and the case persisted, the
  customer-service reply queued for the RQ worker), on PostgreSQL + Redis when DATABASE_URL /
  REDIS_URL are set, else the embedded SQLite + Redis;
- WeRoBot with its default session storage (a SQLite file) — the peer to beat;
- WeRoBot without a session, and a bare Flask endpoint: references.

Every push is a plain-mode XML text message (as in the shared fixtures, text_plain_zh.xml)
with a valid signature, a distinct MsgId and one of a few hundred distinct openids.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import servers
from benchmarks.http_bench import complaint_texts
from benchmarks.loadgen import SEQ, LoadResult, Template, load_average, run_load

TOKEN = "benchtoken"
TARGET_TIMES_WEROBOT = 2.5  # target: ≥ 2.5 × WeRoBot-with-session req/s
TARGET_P99_MS = 25.0
PUSH = (
    "<xml><ToUserName><![CDATA[gh_0a1b2c3d4e5f]]></ToUserName>"
    "<FromUserName><![CDATA[{openid}]]></FromUserName>"
    "<CreateTime>{time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
)


def signed_query(token: str, timestamp: str, nonce: str) -> str:
    """signature = sha1 of the sorted token, timestamp and nonce (the push's plain mode)."""
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return urlencode({"signature": signature, "timestamp": timestamp, "nonce": nonce})


def push_templates(
    path: str, texts: Sequence[str], openids: int = 300, token: str = TOKEN
) -> list[Template]:
    """Text pushes from ``openids`` distinct users, each with its own nonce and signature;
    the MsgId is unique per request (the load generator fills in ``{seq}``)."""
    rng = random.Random(10)
    now = str(int(time.time()))
    run_prefix = secrets.randbelow(9000) + 1000  # MsgIds unique across invocations (64 bits)
    templates = []
    for k in range(max(openids, len(texts))):
        openid = f"oBENCH{k % openids:06d}{'x' * 16}"
        body = PUSH.format(
            openid=openid, time=now, text=texts[(k * 7) % len(texts)], msg_id=f"7{run_prefix}{SEQ}"
        )
        query = signed_query(token, now, str(rng.randrange(10**9)))
        headers = {"Content-Type": "text/xml"}
        templates.append(Template("POST", f"{path}?{query}", body, headers))
    return templates


def run(
    *,
    duration: float = 10.0,
    connections: int = 16,
    rounds: int = 3,
    warmup: float | None = None,
    tool: str = "auto",
) -> dict[str, Any]:
    """Start ours and the peers, measure ``rounds`` rounds, stop everything."""
    data_dir = Path(tempfile.mkdtemp(prefix="tj-push-"))
    try:
        ours = servers.start_ours(data_dir, {"TIAOJIE_WECHAT_TOKEN": TOKEN})
        peers = _start_peers(ours, data_dir)
        with servers.running(*peers.values(), ours):
            return _measure(ours, peers, duration, connections, rounds, warmup, tool)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _start_peers(ours: servers.Ours, data_dir: Path) -> dict[str, servers.Server]:
    started: dict[str, servers.Server] = {}
    try:
        for name, app, env in (
            ("werobot_session", "benchmarks.werobot_app:app", {"BENCH_WEROBOT_SESSION": "1"}),
            ("werobot_no_session", "benchmarks.werobot_app:app", {"BENCH_WEROBOT_SESSION": "0"}),
            ("bare", "benchmarks.bare_app:app", {}),
        ):
            work_dir = data_dir / name
            work_dir.mkdir()
            env = {**env, "BENCH_WECHAT_TOKEN": TOKEN}
            started[name] = servers.start_peer(name, ours, app, work_dir, env)
    except BaseException:
        for server in started.values():
            server.stop()
        raise
    return started


def _measure(
    ours: servers.Ours,
    peers: dict[str, servers.Server],
    duration: float,
    connections: int,
    rounds: int,
    warmup: float | None,
    tool: str,
) -> dict[str, Any]:
    texts = complaint_texts()
    contenders: dict[str, tuple[servers.Server, list[Template]]] = {
        "ours": (ours, push_templates("/wechat/push", texts)),
        "werobot_session": (peers["werobot_session"], push_templates("/", texts)),
        "werobot_no_session": (peers["werobot_no_session"], push_templates("/", texts)),
        "bare": (peers["bare"], push_templates("/echo", texts)),
    }
    load_before = load_average()
    for server, templates in contenders.values():
        run_load(
            server.url,
            templates,
            connections=connections,
            duration=warmup or min(3.0, duration),
            tool=tool,
        )
    names = list(contenders)
    results: dict[str, list[LoadResult]] = {name: [] for name in names}
    with servers.MemoryWatch(ours.process.pid) as memory:
        for turn in range(rounds):
            for position, name in enumerate(names[turn:] + names[:turn]):
                server, templates = contenders[name]
                results[name].append(
                    run_load(
                        server.url,
                        templates,
                        connections=connections,
                        duration=duration,
                        run_id=turn * len(names) + position + 1,
                        tool=tool,
                    )
                )
    return summarize(results, memory, load_before, load_average(), ours)


def summarize(
    results: dict[str, list[LoadResult]],
    memory: servers.MemoryWatch,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
    ours: servers.Ours,
) -> dict[str, Any]:
    rounds = len(results["ours"])
    per_round = []
    for i in range(rounds):
        row: dict[str, Any] = {name: runs[i].as_json() for name, runs in results.items()}
        row["times_werobot_session"] = round(
            results["ours"][i].rps / results["werobot_session"][i].rps, 3
        )
        row["ours_vs_bare"] = round(results["ours"][i].rps / results["bare"][i].rps, 3)
        row["werobot_session_vs_bare"] = round(
            results["werobot_session"][i].rps / results["bare"][i].rps, 3
        )
        per_round.append(row)
    medians = {
        name: {
            "rps": round(statistics.median(r.rps for r in runs), 1),
            "p50_ms": round(statistics.median(r.p50_ms for r in runs), 2),
            "p99_ms": round(statistics.median(r.p99_ms for r in runs), 2),
            "errors": sum(r.errors for r in runs),
        }
        for name, runs in results.items()
    }
    return {
        "endpoint": "POST /wechat/push",
        "database": servers.database_label(ours),
        "contenders": medians,
        "times_werobot_session": _median(per_round, "times_werobot_session"),
        "ours_vs_bare": _median(per_round, "ours_vs_bare"),
        "werobot_session_vs_bare": _median(per_round, "werobot_session_vs_bare"),
        "endpoint_rps": medians["ours"]["rps"],
        "baseline_rps": medians["bare"]["rps"],
        "p50_ms": medians["ours"]["p50_ms"],
        "p99_ms": medians["ours"]["p99_ms"],
        "worker_rss_mb": round(memory.peak("rq worker"), 1),
        "tool": results["ours"][0].tool,
        "connections": results["ours"][0].connections,
        "duration_s": results["ours"][0].duration_s,
        "rounds": per_round,
        "cpu_s": memory.cpu_used(),  # whole measurement (every contender's rounds)
        "load_average": {"before": list(load_before), "after": list(load_after)},
        "targets": {"times_werobot_session": TARGET_TIMES_WEROBOT, "p99_ms": TARGET_P99_MS},
    }


def _median(rows: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(row[key] for row in rows), 3)


LABELS = {
    "ours": "ours (/wechat/push)",
    "werobot_session": "WeRoBot + SQLite session",
    "werobot_no_session": "WeRoBot, no session",
    "bare": "bare Flask",
}


def format_result(result: dict[str, Any]) -> str:
    load = result["load_average"]
    lines = [
        f"{result['endpoint']} vs WeRoBot — {result['database']}, {result['tool']}, "
        f"{result['connections']} connections, {len(result['rounds'])} rounds of "
        f"{result['duration_s']:.0f} s, medians (load average {load['before'][0]:.2f} → "
        f"{load['after'][0]:.2f})",
        f"  {'':<26}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}",
    ]
    for name, row in result["contenders"].items():
        lines.append(
            f"  {LABELS[name]:<26}{row['rps']:>10,.0f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
            f"{row['errors']:>8}"
        )
    times, target = result["times_werobot_session"], result["targets"]["times_werobot_session"]
    p99_ok = result["p99_ms"] <= result["targets"]["p99_ms"]
    lines.append(
        f"ours / WeRoBot-with-session: {times:.2f}× (target ≥ {target}×: "
        f"{'met' if times >= target else 'MISSED'}); p99 {result['p99_ms']:.1f} ms (target ≤ "
        f"{result['targets']['p99_ms']:.0f} ms: {'met' if p99_ok else 'MISSED'}); "
        f"ours / bare {result['ours_vs_bare']:.2f}, WeRoBot-with-session / bare "
        f"{result['werobot_session_vs_bare']:.2f}"
    )
    cpu = ", ".join(f"{role} {seconds:.0f} s" for role, seconds in result["cpu_s"].items())
    lines.append(f"CPU used by our processes during all rounds: {cpu}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(run()))
