"""The clocks the law runs on, as data: kind → rule, length, who is reminded and when.

Handlers start and stop them as effects (ScheduleDeadline / CancelDeadlines); bot/ persists
them and fires them through RQ's scheduler; a fired clock comes back as a SYSTEM message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from handlers import calendar, rules
from handlers.rules import Rule
from handlers.texts import CHINA
from handlers.types import ScheduleDeadline

DAYS, WORKING_DAYS, YEARS = "days", "working_days", "years"  # the unit a period counts in


@dataclass(frozen=True)
class DeadlineKind:
    name: str
    rule: Rule
    length: int  # in ``unit``s, counted from the day after ``starts`` (民法典-201)
    starts: str  # the event the clock runs from (machine name; see START_EVENTS)
    unit: str = DAYS
    remind_before: timedelta | None = timedelta(days=1)  # the reminder's day before the last
    label: str = ""  # how a person calls it
    remind: tuple[str, ...] = ("worker", "employer")  # who hears the reminder
    outlives_stage: bool = False  # kept when a stage ends (cancelled only with the case)
    then: str | None = None  # the clock that starts when this one's awaited event happens


# The events clocks run from, as the console and the docs name them.
START_EVENTS: dict[str, str] = {
    "consent_employer": "劳动者同意联系单位、邀请发出",
    "invitation_renewed": "第一份邀请到期、重新发出邀请",
    "employer_received": "单位收到协商请求（打开邀请加入协商）",
    "employer_answered": "单位第一次答复",
    "application_received": "调解组织收到调解申请",
    "agreement_effective": "协议生效",
    "court_entrusted": "法院委托调解",
    "claim_arises": "时效起算日（见 limitation_start）",
    "instalment_day": "约定付款日",
}

KINDS: dict[str, DeadlineKind] = {
    kind.name: kind
    for kind in (
        # Product setting: how long the worker's invitation lives. The employer's 5 days
        # (ECNMR-8) do not run until the employer has the request; one that never opens it has
        # not refused, so the worker is reminded and offered mediation (ECNMR-12), the
        # invitation renewed once, and then the case goes on to mediation.
        DeadlineKind(
            "invitation",
            rules.NEGOTIATION_FAILED,
            5,
            "consent_employer",
            remind_before=timedelta(days=2),
            label="协商邀请有效期",
            remind=("worker",),
            then="employer_answer",
        ),
        DeadlineKind(
            "invitation_renewed",
            rules.NEGOTIATION_FAILED,
            5,
            "invitation_renewed",
            remind_before=timedelta(days=2),
            label="协商邀请有效期",
            remind=("worker",),
            then="employer_answer",
        ),
        # ECNMR-8: the other side answers within 5 (calendar) days of receiving the proposal,
        # or is taken as unwilling.
        DeadlineKind(
            "employer_answer", rules.EMPLOYER_ANSWER, 5, "employer_received", label="单位答复期限"
        ),
        # Product setting (default 15 days) after which escalation is proposed (ECNMR-12).
        DeadlineKind(
            "negotiation", rules.NEGOTIATION_FAILED, 15, "employer_answered", label="协商期限"
        ),
        # ECNMR-19: the organization decides whether to accept within 3 working days.
        DeadlineKind(
            "org_acceptance",
            rules.ORG_ACCEPTANCE,
            3,
            "application_received",
            unit=WORKING_DAYS,
            label="调解组织受理期限",
        ),
        # LDMAL-14 / ECNMR-23: 15 days from the organization's receipt of the application,
        # extendable by agreement.
        DeadlineKind(
            "mediation",
            rules.MEDIATION_PERIOD,
            15,
            "application_received",
            remind_before=timedelta(days=2),
            label="调解期限",
        ),
        # AHR-74: joint application for 仲裁审查确认 within 15 days of the agreement taking
        # effect; CPL-205: 司法确认 within 30 days. Reminders only: the parties decide.
        DeadlineKind(
            "arbitral_review",
            rules.ARBITRAL_REVIEW,
            15,
            "agreement_effective",
            remind_before=timedelta(days=3),
            label="仲裁审查确认申请期限",
        ),
        DeadlineKind(
            "judicial_confirmation",
            rules.JUDICIAL_CONFIRMATION,
            30,
            "agreement_effective",
            remind_before=timedelta(days=3),
            label="司法确认申请期限",
        ),
        # Seed 003: a court-entrusted case is fed back to the court within 30 days.
        DeadlineKind(
            "court_feedback",
            rules.COURT_FEEDBACK,
            30,
            "court_entrusted",
            remind_before=timedelta(days=5),
            label="委托调解反馈期限",
            remind=("mediator",),
            outlives_stage=True,
        ),
        # LDMAL-27: one year, from the day limitation_start names; reminded a month ahead.
        DeadlineKind(
            "limitation",
            rules.LIMITATION,
            1,
            "claim_arises",
            unit=YEARS,
            remind_before=timedelta(days=30),
            label="劳动仲裁申请时效",
            remind=("worker",),
            outlives_stage=True,
        ),
        # 回访: the morning after each instalment of a settlement falls due (ECNMR-11/12);
        # settlement.instalment_clock sets the hour.
        DeadlineKind(
            "instalment",
            rules.SETTLEMENT_BINDING,
            0,
            "instalment_day",
            remind_before=None,
            label="付款回访",
        ),
    )
}

REMIND_HOUR = time(9, 0)  # reminders come in the morning, Beijing time


def period(kind: str, start: datetime) -> calendar.Period:
    """When a clock of this kind, started by its event at ``start``, runs out: 24:00 of the
    last day, moved past a 法定休假日 (民法典-201..203)."""
    spec = KINDS[kind]
    if spec.unit == WORKING_DAYS:
        return calendar.working_days_after(start, spec.length)
    if spec.unit == YEARS:
        return calendar.years_after(start.astimezone(CHINA).date(), spec.length)
    return calendar.days_after(start, spec.length)


def due_at(kind: str, start: datetime) -> datetime:
    return period(kind, start).end


def remind_at(kind: str, start: datetime, due: datetime) -> datetime | None:
    """The morning of the day ``remind_before`` ahead of the last day (none before the start)."""
    before = KINDS[kind].remind_before
    if before is None:
        return None
    day = calendar.last_day(due) - before
    moment = datetime.combine(day, REMIND_HOUR, tzinfo=CHINA)
    return moment if moment > start else None


def schedule(kind: str, start: datetime, party_id: str | None = None) -> ScheduleDeadline:
    """The effect that starts a clock of this kind at its event ``start``, with its reminder.
    The years counted without an official holiday calendar go with it (``detail``)."""
    spec = KINDS[kind]
    ends = period(kind, start)
    detail = {"unknown_years": list(ends.unknown_years)} if ends.unknown_years else None
    return ScheduleDeadline(
        kind=kind,
        due_at=ends.end,
        rule=spec.rule.code,
        party_id=party_id,
        remind_at=remind_at(kind, start, ends.end),
        detail=detail,
    )


def not_started(pending: tuple[str, ...]) -> tuple[str, ...]:
    """The clocks that wait on the event a pending clock awaits (the employer's 5 days while
    the invitation is unopened)."""
    return tuple(dict.fromkeys(t for k in pending if (t := KINDS[k].then) and t not in pending))


# LDMAL-27 para 4: arrears of labour remuneration (wages, overtime pay) are not limited while
# the employment lasts; once it ends, one year from its end. Para 1: any other claim, one year
# from when the worker knew or should have known of the infringement: for termination claims
# (compensation, damages) the employment's end; for the rest the product cannot tell the day.
REMUNERATION = frozenset({"wage_arrears", "overtime"})
TERMINATION = frozenset({"termination_compensation"})


def limitation_bases(dispute_types: Iterable[str]) -> tuple[str, ...]:
    """Which reading of LDMAL-27 the case's claims fall under: remuneration (para 4),
    termination (para 1, known on leaving), knowledge (para 1, the day not known to us)."""
    types = set(dispute_types)
    bases = (
        ("remuneration", bool(types & REMUNERATION)),
        ("termination", bool(types & TERMINATION)),
        ("knowledge", bool(types - REMUNERATION - TERMINATION)),
    )
    return tuple(name for name, present in bases if present)


def limitation_start(dispute_types: Iterable[str], facts: Mapping[str, Any]) -> date | None:
    """The day the one-year limitation runs from, where the law and the facts tell it: the
    employment's end, for remuneration and termination claims of a worker who left."""
    bases = limitation_bases(dispute_types)
    if facts.get("employed") is not False or not {"remuneration", "termination"} & set(bases):
        return None
    return _day_of(facts.get("left_date"))


def _day_of(left: object) -> date | None:
    """ "2025-11-03", or "2025-11" read as its first day (the earliest reading)."""
    if not isinstance(left, str) or len(left) < 7:
        return None
    try:
        day = int(left[8:10]) if len(left) >= 10 else 1
        return date(int(left[:4]), int(left[5:7]), day)
    except ValueError:
        return None


def stage_clocks_kept() -> tuple[str, ...]:
    """The kinds a stage's end does not cancel."""
    return tuple(name for name, kind in KINDS.items() if kind.outlives_stage)
