"""Logs: a whole conversation leaves no chat text, phone or ID number in any log record; the
production format is one JSON object a line; request logs carry the route, never the body."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import logs
from bot.config import ConfigError, Settings
from bot.runtime import Runtime
from nlp.extract import _MASKS, _masker, _replace, mask_personal
from tests.chat import Chat
from tests.test_mediation import quanzhou  # noqa: F401  (fixture)
from tests.test_privacy import EMPLOYER_PHONE, ID_NUMBER, PHONE, worker_tells_everything

# Words the people typed in worker_tells_everything: none may reach a log.
TYPED = ("拖欠我三个月工资", "洛江区万安街道", "有事打我电话", "单位王经理的电话", "月底前一次付清")
NUMBERS = (PHONE, ID_NUMBER, ID_NUMBER[:17], EMPLOYER_PHONE)


@pytest.fixture
def json_log(settings: Settings) -> Iterator[io.StringIO]:
    """Our logging set up as in production (JSON lines), written to a buffer."""
    root = logging.getLogger()
    level = root.level
    buffer = io.StringIO()
    handler = logs.setup(replace(settings, log_format="json"), stream=buffer, level=logging.DEBUG)
    yield buffer
    logs.remove(handler)
    root.setLevel(level)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


class Recorder(logging.Handler):
    """Keeps each record's text as the code logged it, before any filter changes it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        extras = [v for v in record.__dict__.values() if isinstance(v, str)]
        self.seen.append(" ".join([record.getMessage(), *extras]))


@pytest.mark.usefixtures("quanzhou")
def test_a_whole_conversation_logs_no_words_and_no_numbers(
    chat: Chat, runtime: Runtime, json_log: io.StringIO
) -> None:
    recorder = Recorder()
    logging.getLogger().handlers.insert(0, recorder)  # runs before our masking handler
    try:
        worker, employer, _ = worker_tells_everything(chat, runtime)
        employer.get(f"/api/v1/cases/{worker.case_id}")
    finally:
        logging.getLogger().removeHandler(recorder)

    # What the code logs, unmasked: no typed words and no numbers at all.
    assert len(recorder.seen) > 20  # requests, jobs, the worker: the recorder saw them
    assert [m for m in recorder.seen if any(s in m for s in TYPED + NUMBERS)] == []

    # What our handler printed: JSON, one object a line, the same discretion.
    printed = lines(json_log)
    assert printed and all({"ts", "level", "logger", "msg"} <= set(p) for p in printed)
    assert not any(s in json_log.getvalue() for s in TYPED + NUMBERS)
    requests = [p for p in printed if p["logger"] == logs.REQUEST_LOGGER]
    read = [p for p in requests if p["path"] == "/api/v1/cases/<case_id>" and p["method"] == "GET"]
    assert read and {"status", "duration_ms", "party"} <= set(read[-1])
    assert read[-1]["party"] == employer.party_id and read[-1]["status"] == 200
    assert any(p["path"] == "/api/v1/messages" and p["status"] == 200 for p in requests)


def test_numbers_are_masked_in_messages_arguments_extras_and_tracebacks(
    json_log: io.StringIO,
) -> None:
    log = logging.getLogger("tiaojie.test")
    log.info("callback to %s", PHONE)
    log.warning("id given", extra={"who": f"身份证{ID_NUMBER}"})
    try:
        raise ValueError(f"cannot parse {PHONE}")
    except ValueError:
        log.exception("job failed")
    printed = lines(json_log)
    assert [p["msg"] for p in printed] == ["callback to 139****5678", "id given", "job failed"]
    assert printed[1]["who"] == "身份证110***********002X"
    assert "cannot parse 139****5678" in printed[2]["exc"]
    assert PHONE not in json_log.getvalue() and ID_NUMBER not in json_log.getvalue()


def test_production_logs_json_and_development_readable_text(tmp_path: Path) -> None:
    base = {"TIAOJIE_DATA_DIR": str(tmp_path), "TIAOJIE_SECRET_KEY": "k" * 40}
    production = {
        **base,
        "TIAOJIE_ENV": "production",
        "DATABASE_URL": "postgresql://db/tiaojie",
        "REDIS_URL": "redis://cache:6379/0",
    }
    assert Settings.from_env(base).log_format == "text"
    assert Settings.from_env(production).log_format == "json"
    assert Settings.from_env({**base, "TIAOJIE_LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ConfigError, match="TIAOJIE_LOG_FORMAT"):
        Settings.from_env({**base, "TIAOJIE_LOG_FORMAT": "xml"})

    buffer = io.StringIO()
    handler = logs.setup(Settings.from_env(base), stream=buffer)
    try:
        logging.getLogger("tiaojie.test").warning("case %s closed", "abc123")
    finally:
        logs.remove(handler)
    assert buffer.getvalue().rstrip().endswith("WARNING tiaojie.test: case abc123 closed")


def _mask_without_the_guard(text: str) -> str:
    for pattern, head, tail in _MASKS:
        text = _replace(pattern, text, _masker(head, tail))
    return text


WIDE = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
NUMBERISH = st.one_of(
    st.from_regex(r"(\+86[- ]?)?1[3-9][0-9]([- ]?[0-9]{4}){2}", fullmatch=True),  # mobile
    st.from_regex(r"0[1-9][0-9]{1,2}-[0-9]{7,8}", fullmatch=True),  # landline
    st.from_regex(
        r"[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])[0-2][1-9][0-9]{3}[0-9X]", fullmatch=True
    ),
    st.from_regex(r"[1-9][0-9]{3}([ -]?[0-9]{4}){3}[0-9]{0,3}", fullmatch=True),  # bank card
    st.text(alphabet="0123456789 -工资电话X", max_size=12),
)
TEXTS = st.lists(
    st.tuples(NUMBERISH, st.booleans()).map(lambda p: p[0].translate(WIDE) if p[1] else p[0]),
    max_size=4,
).map("".join)


@given(TEXTS)
@settings(max_examples=1500, deadline=None)
def test_the_quick_check_before_masking_never_changes_what_is_masked(text: str) -> None:
    """Logs and audits mask every line: mask_personal skips text with no run of 7 digits, and
    masks exactly what the full scan would."""
    assert mask_personal(text) == _mask_without_the_guard(text)
