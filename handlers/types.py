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
    SYSTEM = "system"  # timers: a deadline falling due speaks as the system


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
    sender_name: str = ""
    action: str | None = None  # the id of an option the party tapped
    case_id: str | None = None
    location: tuple[float, float] | None = None  # (lat, lng) in GCJ-02, shared by the phone


@dataclass(frozen=True)
class CaseView:
    """What a handler may know about a case: a read-only snapshot taken under the case lock."""

    id: str
    state: CaseState
    worker_id: str
    worker_name: str
    employer_id: str | None
    dispute_types: tuple[str, ...]
    flags: tuple[str, ...]
    facts: Mapping[str, Any]
    asking: str | None  # the fact or choice the last reply asked for
    created_at: datetime
    triage: Mapping[str, Any] | None = None  # the route decided, with reasons
    clocks: tuple[str, ...] = ()  # kinds of the deadlines still pending
    proposal: Mapping[str, Any] | None = None  # settlement terms on the table
    agreement: Mapping[str, Any] | None = None  # the drafted agreement: kind, sha256, confirmed_by
    # The organization the case is with: id, org_id, org_name, status, offered_at,
    # mediator_party_id, alternatives [{id, name}].
    assignment: Mapping[str, Any] | None = None
    consents: tuple[str, ...] = ()  # recipients the worker currently consents to share with


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
    """Put a notification in a party's inbox (and on WeChat where the party can be reached).

    ``relay``: the text carries another party's own words; bot/ checks those words with
    WeChat's content security, as that sender, before the recipient sees them."""

    party_id: str
    text: str
    relay: Relay | None = None


@dataclass(frozen=True)
class Relay:
    """Whose words a notification passes on, and the words as shown (after any masking)."""

    sender_id: str
    words: str


@dataclass(frozen=True)
class ScheduleDeadline(Effect):
    """Start a clock on the case (see handlers/deadlines.py for the kinds and their rules)."""

    kind: str
    due_at: datetime
    rule: str
    party_id: str | None = None  # who must act before it; reminded ahead of time
    remind_at: datetime | None = None
    detail: Mapping[str, Any] | None = None  # e.g. which instalment


@dataclass(frozen=True)
class CancelDeadlines(Effect):
    """Stop pending clocks of these kinds. Empty: every clock of the stage that ends, but not
    the ones that outlive a stage (the limitation, the court's feedback) unless
    ``everything`` — the case itself ends (withdrawn, erased, done)."""

    kinds: tuple[str, ...] = ()
    everything: bool = False


@dataclass(frozen=True)
class RecordConsent(Effect):
    """The worker's separate consent to share ``fields`` with ``recipient`` (PIPL-23)."""

    recipient: str  # "employer" | "mediator"
    fields: tuple[str, ...]


@dataclass(frozen=True)
class WithdrawConsents(Effect):
    """Every consent of the case ends now; nothing more is shared (PIPL-15)."""


@dataclass(frozen=True)
class InviteEmployer(Effect):
    """Create the one-time invitation the worker forwards to the employer."""

    expires_at: datetime


@dataclass(frozen=True)
class EraseWorkerData(Effect):
    """Erase the worker's personal data in this case and their identity (PIPL-47)."""


@dataclass(frozen=True)
class RecordOffer(Effect):
    """Keep a settlement proposal in the negotiation record."""

    role: str
    terms: Mapping[str, Any]


@dataclass(frozen=True)
class DraftAgreement(Effect):
    """Fix the agreement text both parties will confirm (replaces an unconfirmed draft)."""

    kind: str  # "settlement" (和解协议) | "mediation" (调解协议书)
    text: str
    terms: Mapping[str, Any]


@dataclass(frozen=True)
class ConfirmAgreement(Effect):
    """One party confirms the drafted agreement; effective once every party has."""

    role: str
    effective: bool = False


@dataclass(frozen=True)
class RecordEmployerContact(Effect):
    """A phone number of the employer the worker gave: kept encrypted, for the mediator."""

    phone: str


@dataclass(frozen=True)
class RouteCase(Effect):
    """Send the case to the nearest suitable organization (routing/policy.py), skipping the
    ones that declined or stayed silent; ``chosen_org_id`` is the worker's own pick."""

    chosen_org_id: str | None = None


@dataclass(frozen=True)
class DecideAssignment(Effect):
    """The organization's answer to the current assignment (ECNMR-19)."""

    status: str  # accepted | declined | expired | withdrawn | closed


@dataclass(frozen=True)
class CaseEvent:
    """What should change on the case. ``open_case`` creates it; ``moves`` are applied in
    order, each through the transition table."""

    reason: str
    open_case: bool = False
    moves: tuple[CaseState, ...] = ()
    rule: str | None = None  # citation code, e.g. "LDMAL-7"
    dispute_types: tuple[str, ...] | None = None
    flags: tuple[str, ...] | None = None
    facts: Mapping[str, Any] | None = None  # merged into the case's facts
    explanation: Mapping[str, Any] | None = None  # classifier reasons (PIPL-24)
    asking: str | None = None  # the fact now asked for ("" clears it)
    triage: Mapping[str, Any] | None = None
    proposal: Mapping[str, Any] | None = None  # new terms on the table ({} clears them)


@dataclass(frozen=True)
class HandlerResult:
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()
    event: CaseEvent | None = None


Handler = Callable[[Inbound, CaseView | None], HandlerResult]
