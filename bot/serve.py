"""`tiaojie serve`: one process group with embedded Redis, an RQ worker and gunicorn.

The children run in their own session (so a terminal's Ctrl-C reaches only us) and die with
us if we are killed outright (PR_SET_PDEATHSIG). We stop them in order: web and worker first,
then Redis, which they need until the end.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType

import click

from bot import fake_wechat
from bot.config import Settings
from bot.fake_wechat import FakeWeChat
from storage.db import Store
from storage.kv import EmbeddedRedis

STOP_TIMEOUT = 15.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGTERM to this child if `serve` itself dies."""
    # Not Linux (no libc.so.6): the normal shutdown path still stops the children.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Service:
    def __init__(
        self,
        settings: Settings,
        *,
        host: str,
        port: int,
        web_workers: int,
        fake_wechat: bool = False,
    ) -> None:
        self.settings = settings
        self.host, self.port, self.web_workers = host, port, web_workers
        self.fake_wechat = fake_wechat
        self.fake: FakeWeChat | None = None
        self.redis: EmbeddedRedis | None = None
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        try:
            env = self._start_redis()
            if self.fake_wechat:
                env.update(self._start_fake_wechat())
            self._migrate()
            self._spawn("rq worker", [sys.executable, "-m", "bot.cli", "worker"], env)
            self._spawn("gunicorn", self._gunicorn_command(), env)
            if self.settings.embedded_database:
                self._seed_directory()  # while the children load their NLP tables
            self._wait_listening()
            click.echo(
                f"调解助手 tiaojie is listening on http://{self.host}:{self.port}  "
                f"(data: {self.settings.data_dir}; Ctrl-C to stop)"
            )
            return self._supervise()
        finally:
            self._stop_all()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def _start_redis(self) -> dict[str, str]:
        env = dict(os.environ, TIAOJIE_DATA_DIR=str(self.settings.data_dir))
        if self.settings.redis_url is None:
            self.redis = EmbeddedRedis(self.settings.data_dir).start(preexec_fn=_die_with_parent)
            env["REDIS_URL"] = self.redis.url
        return env

    def _start_fake_wechat(self) -> dict[str, str]:
        """Development: a local fake WeChat API (bot/fake_wechat.py) that the children use, with
        development credentials unless real ones are configured. Its address and the push
        token/key go to ``<data dir>/fake-wechat.json`` for `tiaojie wechat push|calls`."""
        if self.settings.production:
            raise click.ClickException("--fake-wechat is for development, not production")
        dev = fake_wechat.dev_credentials(self.settings)
        self.fake = FakeWeChat(dev.appid, dev.secret)
        dev.write(self.settings.data_dir, self.fake.url, self.host, self.port)
        click.echo(
            f"fake WeChat API on {self.fake.url} (appid {dev.appid}); try "
            "`tiaojie wechat push --openid o_demo 老板拖欠我三个月工资` and `tiaojie wechat calls`"
        )
        return dev.environment(self.fake.url)

    def _migrate(self) -> None:
        """Bring the schema up to date before anything else touches the database."""
        store = Store(self.settings.database_url, self.settings.secret_key)
        try:
            store.upgrade()
        finally:
            store.dispose()

    def _seed_directory(self) -> None:
        """Embedded defaults: a first start seeds the generated national directory so that
        routing works out of the box (real deployments import theirs)."""
        from bot.clock import Clock
        from bot.orgs import generate_directory
        from storage import queries

        store = Store(self.settings.database_url, self.settings.secret_key)
        with store.transaction() as session:
            if queries.org_count(session):
                store.dispose()
                return
            started = time.monotonic()
            inserted, _ = generate_directory(session, "all", Clock().now())
        store.dispose()
        click.echo(
            f"seeded {inserted} generated mediation organizations "
            f"({time.monotonic() - started:.1f} s; `tiaojie orgs import` adds real ones)"
        )

    def _gunicorn_command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{self.host}:{self.port}",
            "--workers",
            str(self.web_workers),
            "--graceful-timeout",
            "10",
            "--preload",  # NLP tables load once and are shared by the workers
            # No gunicorn access log: its request line carries query strings and tokens in
            # paths; bot/logs.py logs each request with its route template instead.
            "--no-control-socket",
            "bot.wsgi:app",
        ]

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.children[name] = subprocess.Popen(
            command, env=env, start_new_session=True, preexec_fn=_die_with_parent
        )

    def _wait_listening(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stopping:
            self._check_children()
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        if not self.stopping:
            raise click.ClickException(f"the web server did not start on {self.host}:{self.port}")

    def _check_children(self) -> None:
        for name, child in self.children.items():
            if child.poll() is not None:
                raise click.ClickException(f"{name} exited with code {child.returncode}")

    def _supervise(self) -> int:
        while not self.stopping:
            try:
                self._check_children()
            except click.ClickException as error:
                click.echo(f"stopping: {error.message}", err=True)
                return 1
            time.sleep(0.2)
        return 0

    def _stop_all(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in self.children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if self.redis is not None:
            self.redis.stop()
        if self.fake is not None:
            self.fake.close()
