"""The service clock. Production uses the system clock; development can move it forward.

api.md's dev clock (``POST /api/v1/dev/clock``) must move time for every process of the
service (gunicorn workers, the RQ worker), so outside production the offset lives in Redis.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis

from handlers.texts import CHINA

__all__ = ["CHINA", "Clock", "SharedClock"]

OFFSET_KEY = "tj:dev:clock_offset_seconds"


class Clock:
    """Wall-clock time plus an offset that only tests move (in this process)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        return self.now()


class SharedClock(Clock):
    """Development: the offset is shared by all processes through Redis."""

    def __init__(self, client: redis.Redis) -> None:
        super().__init__()
        self.client = client

    def now(self) -> datetime:
        try:
            raw = self.client.get(OFFSET_KEY)
            self.offset = timedelta(seconds=float(raw) if raw else 0.0)
        except redis.RedisError:
            pass  # Redis down: keep the last offset seen; time must not stop the service
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.client.incrbyfloat(OFFSET_KEY, delta.total_seconds())
        return self.now()
