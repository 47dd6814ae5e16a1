"""SQLAlchemy 2.0 typed models. The schema is owned by Alembic (storage/migrations)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A random, unguessable id (ids appear in URLs, so they must not be enumerable)."""
    return secrets.token_hex(8)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no time zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Party(Base):
    """A person using the product: worker, employer (representative), mediator or admin."""

    __tablename__ = "parties"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(64))
    openid: Mapped[str | None] = mapped_column(String(128), unique=True)  # WeChat or dev identity
    unionid: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]  # personal data erased on request (PIPL-47)
    org_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"), index=True)


class Case(Base):
    """One dispute of one worker (案件)."""

    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    state: Mapped[str] = mapped_column(String(32), index=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    employer_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), index=True)
    dispute_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # PIPL-24 reasons
    triage: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # route decided, with reasons
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # settlement terms on the table
    employer_contact_enc: Mapped[str | None] = mapped_column(Text)  # optional, given by worker
    # The employer's name, normalized: the risk ledger counts repeat employers (seed 001).
    employer_key: Mapped[str | None] = mapped_column(String(128), index=True)
    asking: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Message(Base):
    """One chat message, in or out. Text is encrypted at rest and never logged."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("channel", "msg_id", name="uq_messages_channel_msg_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    msg_id: Mapped[str] = mapped_column(String(160))
    direction: Mapped[str] = mapped_column(String(8))  # "in" | "out"
    sender_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    recipient_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    text_enc: Mapped[str] = mapped_column(Text)
    # For an inbound message: the response we gave, so a redelivery gets the same answer.
    response_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class OutboundMessage(Base):
    """A notification leaving the system (inbox, WeChat), with its delivery status."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_status", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    channel: Mapped[str] = mapped_column(String(16))  # "inbox" | "wechat_cs" | "subscribe"
    text_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # queued | sending | sent | failed | fallback
    error_code: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Who did what to which case, when and why (rule citation)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(48))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    rule: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Deadline(Base):
    """A legal or product clock on a case (the source of truth; RQ only fires it)."""

    __tablename__ = "deadlines"
    __table_args__ = (Index("ix_deadlines_status_due_at", "status", "due_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(32))  # citation code, e.g. "ECNMR-8"
    due_at: Mapped[datetime]
    remind_at: Mapped[datetime | None]
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))  # who must act
    status: Mapped[str] = mapped_column(String(16))  # pending | fired | done | cancelled
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. which instalment
    created_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class Consent(Base):
    """A worker's separate consent to share named facts with a recipient (PIPL-23)."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))  # who consented
    recipient: Mapped[str] = mapped_column(String(16))  # "employer" | "mediator"
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)  # what may be shared
    granted_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class Invitation(Base):
    """A one-time token the worker forwards so the employer can join the case."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))


class Offer(Base):
    """Every settlement proposal made in a negotiation (协商), in order: the record of who
    offered what, when."""

    __tablename__ = "offers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    role: Mapped[str] = mapped_column(String(16))
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)  # total, instalments [{amount, due}]
    created_at: Mapped[datetime]


class Agreement(Base):
    """A written settlement (和解协议, ECNMR-11) or mediation agreement (调解协议书, LDMAL-14).
    The text is fixed when drafted; its sha256 is what each party confirms."""

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_agreements_case_id_kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "settlement" | "mediation"
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    confirmed_by: Mapped[list[str]] = mapped_column(JSON, default=list)  # roles, in order
    created_at: Mapped[datetime]
    effective_at: Mapped[datetime | None]


class Organization(Base):
    """A mediation organization (调解组织) of one of the types in domain.md."""

    __tablename__ = "organizations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(96), unique=True)  # stable key for upserts
    name: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(24), index=True)
    filing_status: Mapped[str] = mapped_column(String(16))  # 备案: filed | unfiled | unknown
    admin_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # areas it covers
    region_code: Mapped[str] = mapped_column(String(12), index=True)  # where it sits
    address: Mapped[str] = mapped_column(String(256), default="")
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    capacity: Mapped[int] = mapped_column(Integer, default=50)  # open cases at once
    active: Mapped[bool] = mapped_column(default=True)
    hours: Mapped[str] = mapped_column(String(64), default="")
    employer_name: Mapped[str | None] = mapped_column(String(128))  # an enterprise committee's
    generated: Mapped[bool] = mapped_column(default=False)  # made by `orgs generate`
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Mediator(Base):
    """A mediator on an organization's roster (名册)."""

    __tablename__ = "mediators"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    contact_enc: Mapped[str | None] = mapped_column(Text)  # phone, encrypted at rest
    specialities: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class Assignment(Base):
    """A case offered to an organization: accepted, declined, or expired (ECNMR-19)."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    mediator_id: Mapped[str | None] = mapped_column(ForeignKey("mediators.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # offered|accepted|declined|expired|closed
    step: Mapped[str] = mapped_column(String(24))  # which routing step chose it
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    offered_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class RiskAlert(Base):
    """An entry in the risk ledger (风险台账) with the reasons it was raised (预警)."""

    __tablename__ = "risk_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))  # open | acknowledged | closed
    created_at: Mapped[datetime]


# --- the WeChat channel ------------------------------------------------------------


class CourtReferral(Base):
    """A case entrusted by a court (委托调解): its result goes back within 30 days (seed 003)."""

    __tablename__ = "court_referrals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    court: Mapped[str] = mapped_column(String(128))
    court_case_no: Mapped[str] = mapped_column(String(64))
    entrusted_at: Mapped[datetime]
    feedback_due_at: Mapped[datetime]
    registered_by: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    feedback: Mapped[str | None] = mapped_column(Text)  # the result sent back to the court
    feedback_at: Mapped[datetime | None]


class RevokedSession(Base):
    """A login token withdrawn before it expired (logout, or an admin's revocation)."""

    __tablename__ = "revoked_sessions"
    sid: Mapped[str] = mapped_column(String(32), primary_key=True)  # the token's session id
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    revoked_at: Mapped[datetime]


class WechatPush(Base):
    """One push from WeChat, once: the unique key makes a redelivery (same MsgId, or the same
    sender + CreateTime for events) a no-op, even with Redis down."""

    __tablename__ = "wechat_pushes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(48))  # text | image | voice | event:<name> | …
    media_id: Mapped[str | None] = mapped_column(String(256))  # image/voice: not fetched yet
    reply_id: Mapped[int | None] = mapped_column(Integer)  # the outbound reply, if any
    received_at: Mapped[datetime]


class SubscribeGrant(Base):
    """The authorization ledger: one row per template a user accepted in a subscribe popup.
    Each allows exactly one subscribe message (one send per authorization)."""

    __tablename__ = "subscribe_grants"
    __table_args__ = (Index("ix_subscribe_grants_party_template", "party_id", "template_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    template_id: Mapped[str] = mapped_column(String(128))
    # granted (unused) | used | refused (43101 on send) | rejected (the user said no)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # popup_event | client
    outbound_id: Mapped[int | None] = mapped_column(Integer)  # the send that used it
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class OutboundDetail(Base):
    """What the WeChat channel adds to an OutboundMessage: why it was sent, what it falls back
    from, the template and authorization it used, and the content-security verdict."""

    __tablename__ = "outbound_details"
    outbound_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str] = mapped_column(String(16))  # notice | reply | welcome | fallback …
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the row it follows
    template_id: Mapped[str | None] = mapped_column(String(128))
    grant_id: Mapped[int | None] = mapped_column(Integer)
    verdict: Mapped[str | None] = mapped_column(String(16))  # pass | review | risky | unchecked
    verdict_label: Mapped[int | None] = mapped_column(Integer)
    # A relay: the party whose own words this carries (content security checks them as theirs).
    relay_sender_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    relay_words_enc: Mapped[str | None] = mapped_column(Text)  # the words as shown, encrypted


# --- the web console ---------------------------------------------------------------


class ConsoleAccount(Base):
    """A mediator's or administrator's console login (username + KDF password hash), tied to
    the Party that acts, so the console goes through the same pipeline and audit trail as chat."""

    __tablename__ = "console_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # bot/passwords.py format
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
