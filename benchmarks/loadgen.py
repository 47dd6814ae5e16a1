"""One bounded, closed-loop load generator for every HTTP benchmark.

``wrk`` (Debian's package, /usr/bin/wrk) when it is installed, driven by a generated Lua
script; otherwise a Python client with one keep-alive connection per thread. Both send the
same requests: a rotation over prepared templates (a party's token, a complaint text), with
``{seq}`` in a template replaced by a number unique in the run (a msg_id, a MsgId).

The load is bounded by the number of connections (each waits for its answer before sending
the next request), so the server is measured at saturation with a fixed concurrency.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

WRK = "wrk"
SEQ = "{seq}"  # replaced by a number unique in the run (per request)


@dataclass(frozen=True)
class Template:
    """One request the generator may send; ``{seq}`` in path or body makes it unique."""

    method: str
    path: str
    body: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadResult:
    tool: str
    connections: int
    duration_s: float
    requests: int
    errors: int  # non-2xx answers, socket errors and timeouts
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def run_load(
    base_url: str,
    templates: Sequence[Template],
    *,
    connections: int = 16,
    duration: float = 10.0,
    run_id: int = 0,
    tool: str = "auto",
) -> LoadResult:
    """Drive ``base_url`` with the templates for ``duration`` seconds at ``connections``."""
    if not templates:
        raise ValueError("no request templates")
    if tool == "auto":
        tool = "wrk" if shutil.which(WRK) else "python"
    if tool == "wrk":
        return _run_wrk(base_url, templates, connections, duration, run_id)
    return _run_python(base_url, templates, connections, duration, run_id)


# --- wrk -------------------------------------------------------------------------------------


def _lua_literal(value: str) -> str:
    """A Lua string literal holding ``value`` byte for byte (decimal escapes, UTF-8)."""
    out = []
    for byte in value.encode("utf-8"):
        char = chr(byte)
        if byte < 128 and (char.isalnum() or char in " -_.:/{}=&?,;()[]<>!@#$%^*+|~'"):
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")  # three digits: a digit may follow
    return '"' + "".join(out) + '"'


LUA = """
local templates = {
%(templates)s
}
local run_id = %(run_id)d
local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  seq = 0
  index = tid
end

local function fill(text, unique)
  return (string.gsub(text, "{seq}", unique))
end

function request()
  seq = seq + 1
  index = index + %(stride)d
  local t = templates[(index %% #templates) + 1]
  local unique = string.format("%%d%%02d%%09d", run_id, tid, seq)
  return wrk.format(t.method, fill(t.path, unique), t.headers, fill(t.body, unique))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "errors": %%d, "p50_us": %%d, ' ..
    '"p99_us": %%d, "mean_us": %%f, "max_us": %%d}\\n',
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
"""


def _lua_template(template: Template) -> str:
    headers = ", ".join(
        f"[{_lua_literal(k)}] = {_lua_literal(v)}" for k, v in template.headers.items()
    )
    return (
        f"  {{method = {_lua_literal(template.method)}, path = {_lua_literal(template.path)}, "
        f"body = {_lua_literal(template.body)}, headers = {{{headers}}}}},"
    )


def wrk_script(templates: Sequence[Template], run_id: int, threads: int) -> str:
    """The Lua script: each wrk thread walks the templates from its own offset."""
    return LUA % {
        "templates": "\n".join(_lua_template(t) for t in templates),
        "run_id": run_id % 900 + 100,  # three digits: unique ids stay within 64 bits
        "stride": threads,
    }


def _run_wrk(
    base_url: str, templates: Sequence[Template], connections: int, duration: float, run_id: int
) -> LoadResult:
    threads = max(1, min(2, connections))
    with tempfile.TemporaryDirectory(prefix="tj-wrk-") as tmp:
        script = Path(tmp) / "load.lua"
        script.write_text(wrk_script(templates, run_id, threads), encoding="utf-8")
        command = [
            WRK,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base_url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[:500]}")
    data = json.loads(line.removeprefix("RESULT "))
    seconds = data["duration_us"] / 1e6
    return LoadResult(
        tool="wrk",
        connections=connections,
        duration_s=round(seconds, 2),
        requests=data["requests"],
        errors=data["errors"],
        rps=round(data["requests"] / seconds, 1),
        p50_ms=round(data["p50_us"] / 1000, 2),
        p99_ms=round(data["p99_us"] / 1000, 2),
        mean_ms=round(data["mean_us"] / 1000, 2),
        max_ms=round(data["max_us"] / 1000, 2),
    )


# --- Python fallback -------------------------------------------------------------------------


def _run_python(
    base_url: str, templates: Sequence[Template], connections: int, duration: float, run_id: int
) -> LoadResult:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start = time.monotonic()
    stop_at = start + duration

    def client(slot: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        seq, index = 0, slot
        while time.monotonic() < stop_at:
            seq += 1
            index += connections
            template = templates[index % len(templates)]
            unique = f"{run_id % 900 + 100}{slot:02d}{seq:09d}"
            began = time.perf_counter()
            try:
                connection.request(
                    template.method,
                    template.path.replace(SEQ, unique),
                    body=template.body.replace(SEQ, unique).encode("utf-8"),
                    headers=dict(template.headers),
                )
                response = connection.getresponse()
                response.read()
                if not 200 <= response.status < 400:
                    errors[slot] += 1
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
            latencies[slot].append(time.perf_counter() - began)
        connection.close()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - start
    every = sorted(x for slot in latencies for x in slot)
    if not every:
        raise RuntimeError("the Python load client completed no request")
    return LoadResult(
        tool="python",
        connections=connections,
        duration_s=round(elapsed, 2),
        requests=len(every),
        errors=sum(errors),
        rps=round(len(every) / elapsed, 1),
        p50_ms=round(_percentile(every, 50) * 1000, 2),
        p99_ms=round(_percentile(every, 99) * 1000, 2),
        mean_ms=round(statistics.fmean(every) * 1000, 2),
        max_ms=round(every[-1] * 1000, 2),
    )


def _percentile(ordered: Sequence[float], pct: float) -> float:
    rank = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def load_average() -> tuple[float, float, float]:
    """The machine's 1/5/15-minute load average (how busy the shared box was)."""
    return os.getloadavg()
