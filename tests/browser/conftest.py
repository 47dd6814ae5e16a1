"""Browser tests: the real service driven by Debian's headless Chromium through Playwright.

The service is `tiaojie serve` itself (gunicorn web workers and an RQ worker with its
scheduler) on a free port of 127.0.0.1, with its own data directory and database, seeded with
the generated directory of 泉州 (as `tiaojie orgs generate --region 350500` does). With
TIAOJIE_TEST_DATABASE_URL / TIAOJIE_TEST_REDIS_URL it runs on a fresh PostgreSQL database and
that Redis; otherwise on a SQLite file and the embedded Redis `serve` starts.

Without Chromium or Playwright the tests skip, saying why; with TIAOJIE_REQUIRE_BROWSER=1
(.ci/run) they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select, update

from bot import orgs
from bot.console.auth import create_user
from storage import kv
from storage.db import Store
from storage.models import Case, Deadline, Organization
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, TEST_SECRET, _postgres_database
from tests.test_reports import Generator, Truth

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

try:  # the tests import expect from here: without Playwright they skip (or fail) below
    from playwright.sync_api import expect
except ImportError:
    expect = None  # type: ignore[assignment]

CHROMIUM = Path(os.environ.get("TIAOJIE_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("TIAOJIE_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ACTION_TIMEOUT_MS = 20_000  # a click or an expectation on a loaded machine
START_TIMEOUT = 60.0
REGION = "350500"  # 泉州: the directory the scenarios are routed in
LAPTOP = {"width": 1280, "height": 860}
CONSOLE_PASSWORD = "调解-correct horse 7"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if expect is None:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"
    return None


@pytest.fixture(scope="package", autouse=True)
def browser_available() -> None:
    reason = missing_browser()
    if reason and REQUIRED:
        pytest.fail(f"TIAOJIE_REQUIRE_BROWSER=1 but {reason}")
    if reason:
        pytest.skip(reason)


@dataclass
class Service:
    """A running `tiaojie serve`: its address and where it keeps its data."""

    url: str
    database_url: str
    data_dir: Path
    log: Path

    def add_report_history(self, cases: int) -> Truth:
        """Half a year of generated cases for the reports (tests/test_reports.py), kept out
        of what the running scenarios touch: their organizations are inactive (no routing to
        them) and their clocks are done (the dev clock fires nothing of theirs)."""
        store = Store(self.database_url, TEST_SECRET)
        try:
            with store.transaction() as session:
                generator = Generator(session, seed=9)
                # Its assignments carry explicit ids: far above the scenarios' own rows.
                generator.next_id["assignment"] = 10**7
                truth = generator.run(cases)
                made = [row["id"] for row in generator.rows[Organization]]
                session.execute(
                    update(Organization).where(Organization.id.in_(made)).values(active=False)
                )
                session.execute(
                    update(Deadline)
                    .where(Deadline.case_id.in_([r["id"] for r in generator.rows[Case]]))
                    .where(Deadline.status == "pending")
                    .values(status="done")
                )
            return truth
        finally:
            store.dispose()

    def add_console_user(self, username: str, name: str, role: str, org: str | None) -> None:
        """What `tiaojie console user add` does, on the service's database."""
        store = Store(self.database_url, TEST_SECRET)
        try:
            with store.transaction() as session:
                org_id = session.scalars(select(Organization.id).where(Organization.name == org))
                create_user(
                    session,
                    username=username,
                    password=CONSOLE_PASSWORD,
                    name=name,
                    role=role,
                    org_id=org_id.one() if org else None,
                    now=datetime.now(UTC),
                )
        finally:
            store.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(data_dir: Path, database_url: str) -> dict[str, str]:
    """The service's environment: ours without any TIAOJIE_* or service URL of the caller."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TIAOJIE_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        TIAOJIE_ENV="development",
        TIAOJIE_DATA_DIR=str(data_dir),
        TIAOJIE_SECRET_KEY=TEST_SECRET,
        DATABASE_URL=database_url,
    )
    if TEST_REDIS_URL:
        env["REDIS_URL"] = TEST_REDIS_URL  # else serve starts its embedded Redis
    return env


def _seed(database_url: str) -> None:
    store = Store(database_url, TEST_SECRET)
    try:
        store.upgrade()
        with store.transaction() as session:
            orgs.generate_directory(session, REGION, datetime.now(UTC))
    finally:
        store.dispose()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tiaojie serve exited ({process.returncode}):\n{_tail(log)}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=2):
            return
        time.sleep(0.2)
    raise RuntimeError(f"tiaojie serve did not answer in {START_TIMEOUT:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def _database() -> Iterator[str]:
    if TEST_DATABASE_URL:
        yield from _postgres_database(TEST_DATABASE_URL)
    else:
        directory = Path(tempfile.mkdtemp(prefix="tj-db-"))
        try:
            yield f"sqlite:///{directory / 'browser.db'}"
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def _flush_test_redis() -> None:
    """The shared test Redis holds nothing of ours before or after (no stray jobs, no clock)."""
    if TEST_REDIS_URL:
        client = kv.connect(TEST_REDIS_URL)
        client.flushdb()
        client.close()


@pytest.fixture(scope="package")
def serving(browser_available: None) -> Iterator[tuple[Service, subprocess.Popen[bytes]]]:
    """`tiaojie serve` started for this package's tests (not yet waited for), then stopped."""
    data_dir = Path(tempfile.mkdtemp(prefix="tj-"))  # short: the embedded Redis socket
    log = data_dir / "serve.log"
    port = _free_port()
    with _database() as database_url:
        _seed(database_url)
        _flush_test_redis()
        command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                env=_environment(data_dir, database_url),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            yield Service(f"http://127.0.0.1:{port}", database_url, data_dir, log), process
        finally:
            _stop(process)
            _flush_test_redis()
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="package")
def service(serving: tuple[Service, subprocess.Popen[bytes]], browser: Browser) -> Service:
    """The service, answering (the browser starts while the service loads its NLP tables)."""
    running, process = serving
    _wait_healthy(running.url, process, running.log)
    return running


@pytest.fixture(scope="package")
def browser(browser_available: None) -> Iterator[Browser]:
    from playwright.sync_api import expect, sync_playwright

    # The service answers within milliseconds on a quiet machine; CI runs the suite on every
    # core at once beside this browser, so an assertion waits as long as an action may.
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, service: Service) -> Iterator[BrowserContext]:
    """A fresh browser profile per test (no storage shared between tests)."""
    fresh = browser.new_context(base_url=service.url, viewport=LAPTOP, locale="zh-CN")
    fresh.set_default_timeout(ACTION_TIMEOUT_MS)
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    errors: list[Any] = []
    opened.on("pageerror", lambda error: errors.append(error))
    yield opened
    assert not errors, f"script errors on the page: {errors}"


SCREENSHOTS = os.environ.get("TIAOJIE_SCREENSHOTS")  # e.g. docs/screenshots


@pytest.fixture
def screenshot() -> Any:
    """`screenshot(page, "simulator.png")` keeps the page as it looks now, 1280 px wide, when
    TIAOJIE_SCREENSHOTS names a directory (the README's pictures); otherwise does nothing."""

    def take(page: Page, name: str) -> None:
        if not SCREENSHOTS:
            return
        directory = Path(SCREENSHOTS)
        directory.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(directory / name), full_page=False)

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed browser test shows the end of the service's log (requests, jobs, errors)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    running = getattr(item, "funcargs", {}).get("service")
    if report.failed and isinstance(running, Service) and running.log.exists():
        report.sections.append(("tiaojie serve log (last lines)", _tail(running.log, 60)))
