"""What one process needs to serve: settings, database, Redis, the job queue and the clock.

Built lazily per process (after any fork), never shared between processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import redis
from rq import Queue

from bot.auth import Sessions
from bot.clock import Clock, SharedClock
from bot.config import ConfigError, Settings
from bot.directory import DirectoryCache
from handlers import calendar
from storage import kv
from storage.db import Store

QUEUE_NAME = "tiaojie"


@dataclass
class Runtime:
    settings: Settings
    clock_override: Clock | None = None

    def __post_init__(self) -> None:
        # The official 放假安排 an administrator loaded (`tiaojie holidays load`).
        calendar.use_holiday_file(self.settings.data_dir / calendar.HOLIDAY_FILE)

    @cached_property
    def clock(self) -> Clock:
        """Tests inject one; production uses the system clock; development a shared one."""
        if self.clock_override is not None:
            return self.clock_override
        return Clock() if self.settings.production else SharedClock(self.redis)

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.database_url, self.settings.secret_key)

    @cached_property
    def redis(self) -> redis.Redis:
        if not self.settings.redis_url:
            raise ConfigError(
                "REDIS_URL is not set: start the service with `tiaojie serve`, "
                "which runs an embedded Redis, or set REDIS_URL"
            )
        return kv.connect(self.settings.redis_url)

    @cached_property
    def directory(self) -> DirectoryCache:
        return DirectoryCache()

    @cached_property
    def sessions(self) -> Sessions:
        return Sessions(self.settings)

    @cached_property
    def queue(self) -> Queue:
        return Queue(QUEUE_NAME, connection=self.redis)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.dispose()
        if "redis" in self.__dict__:
            self.redis.close()


_current: Runtime | None = None


def current() -> Runtime:
    """This process's runtime (RQ jobs use it); built from the environment on first use."""
    global _current
    if _current is None:
        _current = Runtime(Settings.from_env())
    return _current


def install(runtime: Runtime) -> Runtime:
    """Make ``runtime`` the one jobs in this process use (the app factory and tests call it)."""
    global _current
    _current = runtime
    return runtime
