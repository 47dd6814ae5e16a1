"""The processes a benchmark measures: our service started the production way, and peers
(bare Flask, WeRoBot) under exactly the same gunicorn settings, all on loopback.

Ours is ``tiaojie serve`` itself (gunicorn with 2 workers and --preload, an RQ worker with its
scheduler, and the embedded Redis + a SQLite file in a fresh data dir unless DATABASE_URL /
REDIS_URL are set). A peer's gunicorn command line is copied from our running gunicorn master
(/proc/<pid>/cmdline), with only the bind address and the application changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LISTENING = "is listening on"  # what `tiaojie serve` prints once everything is up
START_TIMEOUT = 120.0
# All the load comes from one IP and a few hundred parties, far above a phone's budget: the
# limits stay on (every request still pays its Redis count) but high enough never to answer 429.
RAISED_LIMITS = {
    f"TIAOJIE_RATE_{name}": "1000000"
    for name in (
        "MESSAGES_PER_PARTY",
        "MESSAGES_PER_IP",
        "LOGIN_PER_IP",
        "API_PER_PARTY",
        "API_PER_IP",
        "PUSH_PER_OPENID",
    )
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class Server:
    """A started server process group (ours or a peer) and where it answers."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        _stop(self.process)

    def processes(self) -> dict[int, str]:
        """Every live process of this server by pid, each with its role."""
        return roles(self.process.pid)


@dataclass
class Ours(Server):
    env: Mapping[str, str] = field(default_factory=dict)

    def gunicorn_command(self) -> list[str]:
        """Our gunicorn master's own command line."""
        for pid, role in self.processes().items():
            if role == "gunicorn master":
                raw = Path(f"/proc/{pid}/cmdline").read_bytes()
                return [part.decode() for part in raw.split(b"\0") if part]
        raise RuntimeError("no gunicorn master under tiaojie serve")


def database_label(ours: Ours) -> str:
    """What our service ran on, without credentials: "postgresql + redis", "sqlite + …"."""
    url = ours.env.get("DATABASE_URL") or "sqlite (embedded)"
    redis = "redis" if ours.env.get("REDIS_URL") else "embedded redis"
    return f"{url.split('://', 1)[0].split('+')[0]} + {redis}"


def embedded_redis_socket(ours: Ours) -> Path:
    """Where `tiaojie serve` runs its embedded Redis (storage.kv.EmbeddedRedis)."""
    return Path(ours.env["TIAOJIE_DATA_DIR"]) / "redis" / "redis.sock"


def start_ours(data_dir: Path, extra_env: Mapping[str, str] | None = None) -> Ours:
    """``tiaojie serve`` with 2 web workers in ``data_dir``; returns once it says it listens."""
    port = free_port()
    env = dict(os.environ, TIAOJIE_DATA_DIR=str(data_dir), **(extra_env or {}))
    env.setdefault("TIAOJIE_ENV", "development")  # dev login: the pre-logged-in workers
    for name, value in RAISED_LIMITS.items():
        env.setdefault(name, value)
    if env["TIAOJIE_ENV"] == "production":
        raise RuntimeError("the benchmark logs its workers in with dev login: not in production")
    log_path = data_dir / "serve.log"
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--workers", "2"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Ours("tiaojie", port, process, log_path, env)
    try:
        _wait_log(log_path, process, LISTENING, START_TIMEOUT)
    except RuntimeError:
        server.stop()
        raise
    return server


def _wait_log(path: Path, process: subprocess.Popen[bytes], text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(encoding="utf-8", errors="replace"):
            return
        if process.poll() is not None:
            tail = path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"tiaojie serve exited with {process.returncode}:\n{tail}")
        time.sleep(0.2)
    raise RuntimeError(f"tiaojie serve did not start in {timeout:.0f} s (see {path})")


def start_peer(
    name: str,
    ours: Ours,
    app: str,
    work_dir: Path,
    env: Mapping[str, str] | None = None,
) -> Server:
    """A peer app (``module:variable``) under our gunicorn's exact settings, in ``work_dir``
    (its current directory: WeRoBot keeps its default session file there)."""
    port = free_port()
    command = ours.gunicorn_command()
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[-1] = app  # the application is the last argument
    command[-1:-1] = ["--chdir", str(work_dir)]
    peer_env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    log_path = work_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=peer_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, port, process, log_path)
    try:
        _wait_port(port, process, 60.0)
    except RuntimeError:
        server.stop()
        raise
    return server


@contextlib.contextmanager
def running(*servers: Server) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.stop()


# --- HTTP helpers ----------------------------------------------------------------------------


def post_json(url: str, body: Any, token: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        data: dict[str, Any] = json.loads(response.read())
        return data


# --- processes and memory --------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def roles(root: int) -> dict[int, str]:
    """The live descendants of ``root`` (and root) by pid, named by what they are."""
    tree, found = _children(), {}
    stack = [(root, "")]
    while stack:
        pid, parent_role = stack.pop()
        role = _role(_cmdline(pid), parent_role)
        found[pid] = role
        stack.extend((child, role) for child in tree.get(pid, []))
    return found


def _role(cmdline: str, parent_role: str) -> str:
    if "redis-server" in cmdline:
        return "redis"
    if "gunicorn" in cmdline:
        return "gunicorn worker" if parent_role.startswith("gunicorn") else "gunicorn master"
    if "bot.cli worker" in cmdline:
        # rq forks its scheduler and a work horse per job from the worker process
        return "rq child" if parent_role.startswith("rq") else "rq worker"
    if "bot.cli serve" in cmdline:
        return "serve"
    return "other"


def rss_mb(pid: int) -> float | None:
    """Resident set size of a process in MB (shared pages included, as `ps` shows it)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def pss_mb(pid: int) -> float | None:
    """Proportional set size in MB: shared pages divided among the processes sharing them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its children it has reaped (an RQ worker's work horses)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


@dataclass
class MemorySample:
    at: float
    rss: dict[str, float]  # role → max RSS of that role's processes (MB)
    pss_total: float  # all of the server's processes, PSS (MB)
    cpu: dict[str, float]  # role → CPU seconds used so far by that role's live processes


def sample_memory(root: int, at: float) -> MemorySample:
    by_role: dict[str, float] = {}
    cpu: dict[str, float] = {}
    pss = 0.0
    for pid, role in roles(root).items():
        rss = rss_mb(pid)
        if rss is None:
            continue
        by_role[role] = max(by_role.get(role, 0.0), rss)
        cpu[role] = cpu.get(role, 0.0) + cpu_seconds(pid)
        pss += pss_mb(pid) or 0.0
    return MemorySample(at, by_role, pss, cpu)


class MemoryWatch:
    """Samples a server's processes every ``interval`` seconds on a thread, while running."""

    def __init__(self, root: int, interval: float = 0.5) -> None:
        import threading

        self.root, self.interval = root, interval
        self.samples: list[MemorySample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._started = time.monotonic()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append(sample_memory(self.root, time.monotonic() - self._started))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, role: str) -> float:
        return max((s.rss.get(role, 0.0) for s in self.samples), default=0.0)

    def cpu_used(self) -> dict[str, float]:
        """CPU seconds each role used while watched (the RQ worker's include its horses)."""
        if len(self.samples) < 2:
            return {}
        first, last = self.samples[0].cpu, self.samples[-1].cpu
        return {
            role: round(last[role] - first.get(role, 0.0), 1)
            for role in last
            if role not in ("other", "rq child")
        }
