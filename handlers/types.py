"""The contract between the edge (bot/) and the pure conversation logic (handlers/)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from handlers.states import CaseState


class Role(StrEnum):
    WORKER = "worker"
    EMPLOYER = "employer"
    MEDIATOR = "mediator"
    ADMIN = "admin"


class Channel(StrEnum):
    API = "api"  # our mini-program chat page (the main channel)
    WECHAT = "wechat"  # WeChat customer-service push
    CONSOLE = "console"  # the mediator's web desk
    SYSTEM = "system"  # timers and other automated senders


@dataclass(frozen=True)
class Inbound:
    """One message from one party, already verified and parsed at the edge."""

    channel: Channel
    msg_id: str
    sender_id: str
    role: Role
    received_at: datetime
    text: str = ""
    action: str | None = None  # the id of an option the party tapped
    case_id: str | None = None
    location: tuple[float, float] | None = None  # (lat, lng) in GCJ-02, shared by the phone


@dataclass(frozen=True)
class CaseView:
    """What a handler may know about a case: a read-only snapshot taken under the case lock."""

    id: str
    state: CaseState
    worker_id: str
    employer_id: str | None
    dispute_types: tuple[str, ...]
    flags: tuple[str, ...]
    facts: Mapping[str, Any]
    asking: str | None  # the fact the last reply asked for
    created_at: datetime


@dataclass(frozen=True)
class Option:
    label: str
    action: str


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Effect:
    """A side effect, described as data; bot/ carries it out after the commit."""


@dataclass(frozen=True)
class Notify(Effect):
    """Put a notification in a party's inbox (and on WeChat where the party can be reached)."""

    party_id: str
    text: str


@dataclass(frozen=True)
class CaseEvent:
    """What should change on the case. ``open_case`` creates it; ``to_state`` moves it."""

    reason: str
    open_case: bool = False
    to_state: CaseState | None = None
    rule: str | None = None  # citation code, e.g. "LDMAL-7"
    dispute_types: tuple[str, ...] | None = None
    flags: tuple[str, ...] | None = None
    facts: Mapping[str, Any] | None = None  # merged into the case's facts
    explanation: Mapping[str, Any] | None = None  # classifier reasons (PIPL-24)
    asking: str | None = None  # the fact now asked for ("" clears it)


@dataclass(frozen=True)
class HandlerResult:
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()
    event: CaseEvent | None = None


Handler = Callable[[Inbound, CaseView | None], HandlerResult]
