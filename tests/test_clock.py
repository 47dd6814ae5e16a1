"""The development clock that the simulator's +1天 moves: shared by every process of the
service through Redis, read at most twice a second per process."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis

from bot import clock as clocks
from bot.clock import SharedClock
from bot.runtime import Runtime


def test_a_move_is_seen_at_once_here_and_within_half_a_second_in_the_other_processes(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = [1000.0]
    monkeypatch.setattr(clocks.time, "monotonic", lambda: ticks[0])
    runtime.redis.delete(clocks.OFFSET_KEY)
    simulator, worker = SharedClock(runtime.redis), SharedClock(runtime.redis)
    before = worker.now()

    simulator.advance(timedelta(days=1))  # the simulator's +1天, in one gunicorn worker
    assert simulator.offset == timedelta(days=1)
    assert worker.now() - before < timedelta(hours=1)  # the other process: its last read

    ticks[0] += clocks.SHARED_OFFSET_TTL
    assert worker.now() - before >= timedelta(days=1)


def test_without_redis_the_clock_keeps_the_last_offset_it_saw(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = [1000.0]
    monkeypatch.setattr(clocks.time, "monotonic", lambda: ticks[0])
    runtime.redis.set(clocks.OFFSET_KEY, 3600)
    shared = SharedClock(runtime.redis)
    shared.now()
    monkeypatch.setattr(runtime.redis, "get", _redis_down)
    ticks[0] += 60
    assert shared.offset == timedelta(hours=1)
    shared.now()
    assert shared.offset == timedelta(hours=1)


def _redis_down(*_args: object, **_kwargs: object) -> None:
    raise redis.ConnectionError("down")
