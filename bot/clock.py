"""The service clock. Production uses the system clock; development can move it forward.

api.md's dev clock (``POST /api/v1/dev/clock``) must move time for every process of the
service (gunicorn workers, the RQ worker), so outside production the offset lives in Redis.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import redis

from handlers.texts import CHINA

__all__ = ["CHINA", "Clock", "SharedClock"]

OFFSET_KEY = "tj:dev:clock_offset_seconds"
# How long a process trusts the offset it last read. A move made in another process is seen
# within this; one made in this process at once. Reading Redis on every now() cost a round
# trip per request (docs/benchmarks.md).
SHARED_OFFSET_TTL = 0.5


class Clock:
    """Wall-clock time plus an offset that only tests and `tiaojie eval` move (in this process)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        return self.now()

    def set_to(self, moment: datetime) -> datetime:
        """Move the clock, forward or back, so that now() is ``moment`` (time then runs on
        from there): `tiaojie eval dialogs` pins each dialogue to its own date."""
        return self.advance(moment - self.now())


class SharedClock(Clock):
    """Development: the offset is shared by all processes through Redis."""

    def __init__(self, client: redis.Redis) -> None:
        super().__init__()
        self.client = client
        self._read_at = -SHARED_OFFSET_TTL  # monotonic time of the last read: none yet

    def now(self) -> datetime:
        if time.monotonic() - self._read_at >= SHARED_OFFSET_TTL:
            try:
                raw = self.client.get(OFFSET_KEY)
                self._seen(float(raw) if raw else 0.0)
            except redis.RedisError:
                pass  # Redis down: keep the last offset seen; time must not stop the service
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self._seen(float(self.client.incrbyfloat(OFFSET_KEY, delta.total_seconds())))
        return self.now()

    def _seen(self, seconds: float) -> None:
        self.offset = timedelta(seconds=seconds)
        self._read_at = time.monotonic()
