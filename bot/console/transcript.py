"""A case's conversation for the mediator's desk: every message of the three roles and the
assistant since the worker consented to share the case with a mediator (PIPL-23: what was
said before — the intake, a negotiation — is not what the worker agreed to show; the facts
panel shows the consented facts), each marked with who can see it. Phone, ID and card
numbers are masked.

The page polls for what is new (console.js): lines after its cursor, and the statuses now of
the notifications it still shows as pending (待送达 until delivered, 已暂扣 until a mediator
releases or drops the words). The page names those few ids itself, so a poll reads only the
rows that may have changed, not the whole transcript again."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import serialize
from handlers import texts
from nlp.extract import mask_personal
from storage import queries
from storage.crypto import TextCipher

# Statuses a later poll may change: not yet delivered, or held for a mediator's decision.
PENDING = frozenset({"queued", "sending", "held"})
PENDING_LIMIT = 100  # ids a poll asks about (a page rarely has more than a handful)


@dataclass(frozen=True)
class Line:
    key: str  # "m12" (a chat message) or "o7" (a notification), unique in the page
    at: str  # ISO 8601, Beijing time
    time: str  # 11月28日 14:05
    speaker: str  # who said it: 劳动者 / 单位 / 调解员 / 调解助手
    seen_by: str  # whose screen it appears on
    text: str
    status: str = ""  # a notification's: a key of texts.CONSOLE_LINE_STATUS
    kind: str = "message"  # message | reply | notice

    @property
    def status_name(self) -> str:
        return texts.CONSOLE_LINE_STATUS.get(self.status, "")

    @property
    def pending(self) -> bool:
        return self.status in PENDING


def _who(role: str | None) -> str:
    return texts.CONSOLE_ROLE_NAMES.get(role or "system", role or "")


def _time(moment: Any) -> str:
    local = moment.astimezone(texts.CHINA)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def lines(
    session: Session, cipher: TextCipher, case_id: str, after: tuple[int, int] = (0, 0)
) -> tuple[list[Line], tuple[int, int]]:
    """The lines after the cursor (last message id, last notification id), oldest first, and
    the new cursor."""
    return _lines(session, cipher, case_id, after, _since(session, case_id))


def poll(
    session: Session, cipher: TextCipher, case_id: str, after: tuple[int, int], pending: list[int]
) -> tuple[list[Line], tuple[int, int], dict[str, str]]:
    """What a page polling with this cursor and these pending notifications has to change:
    the new lines, the new cursor, and the pending lines' statuses now."""
    since = _since(session, case_id)
    found, cursor = _lines(session, cipher, case_id, after, since)
    return found, cursor, statuses(session, case_id, pending, since)


def _since(session: Session, case_id: str) -> datetime | None:
    return queries.consented_at(session, case_id, "mediator")  # None: a court's referral


def _lines(
    session: Session,
    cipher: TextCipher,
    case_id: str,
    after: tuple[int, int],
    since: datetime | None,
) -> tuple[list[Line], tuple[int, int]]:
    messages, notices = queries.case_transcript(
        session, case_id, after_message=after[0], after_outbound=after[1], since=since
    )
    found: list[tuple[Any, int, int, Line]] = []
    for message, sender_role, recipient_role in messages:
        text = mask_personal(cipher.decrypt(message.text_enc))
        if not text.strip():
            continue  # a tapped option carries no words
        if message.direction == "in":
            line = Line(
                f"m{message.id}",
                serialize.iso(message.created_at) or "",
                _time(message.created_at),
                _who(sender_role),
                _who(sender_role),
                text,
            )
        else:
            line = Line(
                f"m{message.id}",
                serialize.iso(message.created_at) or "",
                _time(message.created_at),
                _who("system"),
                _who(recipient_role),
                text,
                kind="reply",
            )
        found.append((message.created_at, 0, message.id, line))
    held = [row.id for row, _, purpose in notices if _held(row, purpose)]
    decided = queries.relay_decisions(session, held)
    for row, role, purpose in notices:
        line = Line(
            f"o{row.id}",
            serialize.iso(row.created_at) or "",
            _time(row.created_at),
            _who("system"),
            _who(role),
            mask_personal(cipher.decrypt(row.text_enc)),
            status=_status(row, purpose, decided),
            kind="notice",
        )
        found.append((row.created_at, 1, row.id, line))
    found.sort(key=lambda item: item[:3])
    cursor = (
        max((m.id for m, _, _ in messages), default=after[0]),
        max((r.id for r, _, _ in notices), default=after[1]),
    )
    return [item[3] for item in found], cursor


def statuses(
    session: Session, case_id: str, outbound_ids: list[int], since: datetime | None
) -> dict[str, str]:
    """The status now of these notifications of the case (the lines a page still shows as
    pending), by line key; one query, two when some were held. Only lines the desk shows
    (since the worker's consent, PIPL-23)."""
    found = queries.notice_statuses(session, case_id, outbound_ids[:PENDING_LIMIT], since=since)
    rows = [(row, row.purpose) for row in found]
    held = [row.id for row, purpose in rows if _held(row, purpose)]
    decided = queries.relay_decisions(session, held)
    return {f"o{row.id}": _status(row, purpose, decided) for row, purpose in rows}


def _held(row: Any, purpose: str | None) -> bool:
    """Content security held the words this notification carries (bot/outbound.py)."""
    return row.status == "failed" and row.error_code is not None and purpose != queries.HELD


def _status(row: Any, purpose: str | None, decided: dict[int, str]) -> str:
    if _held(row, purpose):
        return decided.get(row.id, "held")
    return row.status if row.status in texts.CONSOLE_LINE_STATUS else ""


def as_json(line: Line) -> dict[str, Any]:
    return {**asdict(line), "status_name": line.status_name, "pending": line.pending}


def status_json(status: str) -> dict[str, Any]:
    """A polled status, as a line's fields."""
    name = texts.CONSOLE_LINE_STATUS.get(status, "")
    return {"status": status, "status_name": name, "pending": status in PENDING}
