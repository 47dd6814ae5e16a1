"""Logging, set up in one place for every process (web, worker, commands).

JSON lines in production (``TIAOJIE_LOG_FORMAT=json``), readable text otherwise. Every handler
we install carries a filter that masks phone, bank-card and ID numbers in the final message,
its arguments and any traceback (PIPL-28; defence in depth: the code never logs chat text).
Request logs carry method, path template, status, duration and party id, never bodies.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from datetime import UTC, datetime
from typing import IO, Any

from flask import Flask, Response, g, request

from bot.config import Settings
from nlp.extract import mask_personal

REQUEST_LOGGER = "tiaojie.request"
# What logging puts on every record: anything else on a record is an ``extra`` field.
STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
GUNICORN_LOGGERS = ("gunicorn.error", "gunicorn.access")


class MaskPersonal(logging.Filter):
    """Masks personal numbers in what a record will print (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed call: logging reports it when the handler formats it
        masked = mask_personal(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = mask_personal(record.exc_text)
        for key, value in list(record.__dict__.items()):
            if key not in STANDARD and isinstance(value, str):
                setattr(record, key, mask_personal(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in STANDARD and key not in line:
                line[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def setup(
    settings: Settings, *, stream: IO[str] | None = None, level: int = logging.INFO
) -> logging.Handler:
    """Route every log record through one masked handler on the root logger (replacing the
    one an earlier call installed). Returns the handler, so a test can remove it again."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "tiaojie", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.tiaojie = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter(settings.log_format))
    root.addHandler(handler)
    root.setLevel(level)
    # Defence in depth: every handler masks, ours and those gunicorn set up before us (its
    # loggers do not propagate), which then print in our format too.
    for each in root.handlers:
        _mask(each)
    for name in GUNICORN_LOGGERS:
        for each in logging.getLogger(name).handlers:
            each.setFormatter(formatter(settings.log_format))
            _mask(each)
    return handler


def _mask(handler: logging.Handler) -> None:
    if not any(isinstance(f, MaskPersonal) for f in handler.filters):
        handler.addFilter(MaskPersonal())


def remove(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)


# --- request logs ----------------------------------------------------------------------------

request_log = logging.getLogger(REQUEST_LOGGER)


def install_request_log(app: Flask) -> None:
    """Log each request once it is answered: no query string, body or raw path (a path can
    hold an invitation token), only the route's template."""
    app.before_request(_started)
    app.after_request(_answered)


def _started() -> None:
    g.started = time.perf_counter()


def _answered(response: Response) -> Response:
    if not request_log.isEnabledFor(logging.INFO):
        return response
    started = g.get("started")
    duration = (time.perf_counter() - started) * 1000 if started else 0.0
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    party = g.get("party_id") or "-"
    request_log.info(
        "%s %s %s %.1fms party=%s",
        request.method,
        route,
        response.status_code,
        duration,
        party,
        extra={
            "method": request.method,
            "path": route,
            "status": response.status_code,
            "duration_ms": round(duration, 2),
            "party": party,
        },
    )
    return response
