"""A case's conversation for the mediator's desk: every message of the three roles and the
assistant since the worker consented to share the case with a mediator (PIPL-23: what was
said before — the intake, a negotiation — is not what the worker agreed to show; the facts
panel shows the consented facts), each marked with who can see it. Phone, ID and card
numbers are masked."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot import serialize
from handlers import texts
from nlp.extract import mask_personal
from storage import queries
from storage.crypto import TextCipher

# What a notification's delivery status means to the person reading the desk.
NOTICE_STATUS = {"queued": "待送达", "sent": "已送达", "failed": "未送达", "fallback": "已送达"}


@dataclass(frozen=True)
class Line:
    key: str  # "m12" (a chat message) or "o7" (a notification), unique in the page
    at: str  # ISO 8601, Beijing time
    time: str  # 11月28日 14:05
    speaker: str  # who said it: 劳动者 / 单位 / 调解员 / 调解助手
    seen_by: str  # whose screen it appears on
    text: str
    status: str = ""  # a notification's delivery, "held" when content security held it
    kind: str = "message"  # message | reply | notice


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
    since = queries.consented_at(session, case_id, "mediator")  # None: a court's referral
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
    for row, role, purpose in notices:
        held = row.status == "failed" and row.error_code is not None
        line = Line(
            f"o{row.id}",
            serialize.iso(row.created_at) or "",
            _time(row.created_at),
            _who("system"),
            _who(role),
            mask_personal(cipher.decrypt(row.text_enc)),
            status="held"
            if held and purpose != queries.HELD
            else NOTICE_STATUS.get(row.status, ""),
            kind="notice",
        )
        found.append((row.created_at, 1, row.id, line))
    found.sort(key=lambda item: item[:3])
    cursor = (
        max((m.id for m, _, _ in messages), default=after[0]),
        max((r.id for r, _, _ in notices), default=after[1]),
    )
    return [item[3] for item in found], cursor


def as_json(line: Line) -> dict[str, Any]:
    return asdict(line)
