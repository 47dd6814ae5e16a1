"""A fake WeChat whose answers can be held back until the test lets them go.

The fake's own ``delays`` answer after a fixed time, even after the test is over; a killed
worker's call must instead stay unanswered for as long as the test needs and then end.
``fake.hold("msg_sec_check")`` makes calls to that endpoint wait (until ``release`` or the given
number of seconds); ``fake.started(endpoint)`` counts the calls that arrived, answered or not.
Everything else is bot/fake_wechat.py's FakeWeChat.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fake_wechat import APPID, SECRET, FakeWeChat


class SlowWeChat(FakeWeChat):
    def __init__(self, appid: str, secret: str) -> None:
        self._held: dict[str, tuple[threading.Event, float]] = {}
        self._arrived: list[str] = []
        self._guard = threading.Lock()
        super().__init__(appid, secret)
        # A held call whose caller gave up (timeout, killed worker) finds the socket closed:
        # expected here, so not printed.
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]

    def hold(self, endpoint: str, seconds: float = 60.0) -> None:
        """Calls to ``endpoint`` wait ``seconds`` (or until released) before the answer."""
        with self._guard:
            self._held[endpoint] = (threading.Event(), seconds)

    def release(self) -> None:
        """Answer every held call now, and hold nothing from here on."""
        with self._guard:
            held, self._held = self._held, {}
        for event, _ in held.values():
            event.set()

    def started(self, endpoint: str) -> int:
        with self._guard:
            return self._arrived.count(endpoint)

    def close(self) -> None:
        self.release()
        super().close()

    def _answer(self, endpoint: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        with self._guard:
            self._arrived.append(endpoint)
            held = self._held.get(endpoint)
        if held is not None:
            event, seconds = held
            event.wait(seconds)
        return super()._answer(endpoint, query, body)


@pytest.fixture(name="fake_wechat")
def slow_wechat_fixture() -> Iterator[SlowWeChat]:
    """Replaces tests/fake_wechat.py's fixture of the same name where it is imported."""
    fake = SlowWeChat(APPID, SECRET)
    yield fake
    fake.close()
