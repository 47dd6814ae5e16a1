"""The service clock. Production uses the system clock; tests and the dev clock move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.texts import CHINA

__all__ = ["CHINA", "Clock"]


class Clock:
    """Wall-clock time, with an offset that only development and tests ever set."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        return self.now()
