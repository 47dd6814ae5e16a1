"""Engine, sessions and migrations. One Store per process, created after any fork."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.crypto import TextCipher

MIGRATIONS = Path(__file__).with_name("migrations")
LOCK_WAIT = "tiaojie_lock_wait_ms"  # execution option: how long this transaction waits for locks
READ_ONLY = "tiaojie_read_only"  # execution option: SQLite may begin it without the write lock
SQLITE_BUSY_MS = 30_000  # otherwise: long enough for any of our short write transactions
PG_LOCK_NOT_AVAILABLE = "55P03"
GATE_POLL_SECONDS = (0.0001, 0.0005)  # a writer with a time limit looks again after this, doubling


class LockBusy(Exception):
    """The rows (SQLite: the database) stayed locked longer than the caller would wait."""


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common ``postgresql://`` form."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers; BEGIN IMMEDIATE so read-then-write transactions serialize
    (SQLite has no SELECT … FOR UPDATE: this is how a case is locked there)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            f"busy_timeout={SQLITE_BUSY_MS}",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # BEGIN IMMEDIATE is where SQLite waits for the write lock: a caller with a budget
        # (Store.transaction(lock_wait=…)) waits that long, everyone else the default.
        options = conn.get_execution_options()
        wait = options.get(LOCK_WAIT, SQLITE_BUSY_MS)
        if conn.info.get(LOCK_WAIT, SQLITE_BUSY_MS) != wait:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait)}")
            conn.info[LOCK_WAIT] = wait
        # A read-only transaction reads a WAL snapshot and never waits for (or holds up) writers.
        conn.exec_driver_sql("BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _tune_sqlite(engine)
        return engine
    # hide_parameters: SQL errors in logs must never show personal data (PIPL).
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True
    )


class WriterGate:
    """Queues a SQLite database's writers of every process of the service, so that the next
    one starts the moment the last one commits.

    SQLite lets one writer in at a time (BEGIN IMMEDIATE). A writer that finds the lock taken
    is put to sleep by SQLite's busy handler in steps of 1, 2, 5, 10 … 100 ms and looks again:
    under load a writer mostly sleeps long after the lock was free (docs/benchmarks.md: most
    of the message endpoint's latency). An exclusive flock on a file beside the database, held
    around each write transaction, hands the database over at once: a writer without a time
    limit blocks in flock and the kernel wakes it (a holder that dies lets go); one with a
    limit (``lock_wait``) looks again after at most 0.5 ms. A thread lock orders the threads of
    one process (flock is per process). Writers that bypass the gate (migrations, a sqlite3
    shell) still meet SQLite's own lock and busy timeout: the gate is about speed, never about
    correctness."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads = threading.Lock()
        self._held = threading.local()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def held(self, wait: float | None) -> Iterator[None]:
        """Hold the gate for the block; LockBusy when it stays taken for ``wait`` seconds (None:
        as long as it takes; a holder that dies lets go). A thread already holding it passes
        (its nested writer meets SQLite's busy timeout)."""
        if getattr(self._held, "depth", 0):
            self._held.depth += 1
            try:
                yield
            finally:
                self._held.depth -= 1
            return
        deadline = time.monotonic() + (wait or 0.0)
        if not self._threads.acquire(timeout=-1 if wait is None else max(wait, 0.001)):
            raise LockBusy("writer gate: another thread")
        try:
            self._take(deadline, block=wait is None)
            self._held.depth = 1
            try:
                yield
            finally:
                self._held.depth = 0
                fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None

    def _take(self, deadline: float, block: bool) -> None:
        fd, pause = self._file(), GATE_POLL_SECONDS[0]
        if block:  # the kernel wakes this writer the moment the gate is free
            fcntl.flock(fd, fcntl.LOCK_EX)
            return
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy("writer gate: another process") from None
                time.sleep(pause)
                pause = min(pause * 2, GATE_POLL_SECONDS[1])


class Store:
    """The database of one process: engine, session factory and the at-rest cipher."""

    def __init__(self, database_url: str, secret: str) -> None:
        self.url = normalize_url(database_url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.cipher = TextCipher(secret)
        database = self.engine.url.database if self.url.startswith("sqlite") else None
        self.gate = WriterGate(Path(database + "-writers")) if database else None

    @contextmanager
    def transaction(self, *, lock_wait: float | None = None) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error. With ``lock_wait``
        (seconds) a lock held longer by someone else raises LockBusy instead of waiting.
        On SQLite the writer gate is held from before BEGIN until after COMMIT."""
        if self.gate is None:
            with self._transaction(lock_wait) as session:
                yield session
            return
        with self.gate.held(lock_wait), self._transaction(lock_wait) as session:
            yield session

    @contextmanager
    def _transaction(self, lock_wait: float | None) -> Iterator[Session]:
        if lock_wait is None:
            with self.sessions.begin() as session:
                yield session
            return
        wait_ms = max(1, int(lock_wait * 1000))
        try:
            with self.sessions.begin() as session:
                session.connection(execution_options={LOCK_WAIT: wait_ms})
                if not self.url.startswith("sqlite"):
                    session.execute(text(f"SET LOCAL lock_timeout = {wait_ms}"))
                yield session
        except OperationalError as error:
            if _lock_timed_out(error):
                raise LockBusy(str(error.orig)[:80]) from error
            raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads: on SQLite it does not take the write lock that every
        other transaction begins with (BEGIN IMMEDIATE), so it neither waits for writers nor
        makes them wait. Only for reads: a write in it could fail under contention (SQLite
        cannot always upgrade a read snapshot). PostgreSQL readers never wait for writers: there
        it is an ordinary transaction (a SET TRANSACTION READ ONLY would cost a round trip)."""
        with self.sessions.begin() as session:
            session.connection(execution_options={READ_ONLY: True})
            yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""
        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.gate is not None:
            self.gate.close()


def _lock_timed_out(error: OperationalError) -> bool:
    if getattr(error.orig, "sqlstate", None) == PG_LOCK_NOT_AVAILABLE:
        return True
    return "database is locked" in str(error.orig)  # SQLite's busy timeout


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)
