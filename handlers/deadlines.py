"""The clocks the law runs on, as data: kind → rule, length, who is reminded and when.

Handlers start and stop them as effects (ScheduleDeadline / CancelDeadlines); bot/ persists
them and fires them through RQ's scheduler; a fired clock comes back as a SYSTEM message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers import rules
from handlers.calendar import add_working_days
from handlers.rules import Rule
from handlers.texts import CHINA
from handlers.types import ScheduleDeadline


@dataclass(frozen=True)
class DeadlineKind:
    name: str
    rule: Rule
    days: int
    working_days: bool = False  # counted in 工作日 (holidays and weekends skipped)
    remind_before: timedelta | None = timedelta(days=1)
    label: str = ""  # how a person calls it
    remind: tuple[str, ...] = ("worker", "employer")  # who hears the reminder
    outlives_stage: bool = False  # kept when a stage ends (cancelled only with the case)


KINDS: dict[str, DeadlineKind] = {
    kind.name: kind
    for kind in (
        # ECNMR-8: the other side answers within 5 (calendar) days, or is taken as unwilling.
        DeadlineKind("employer_answer", rules.EMPLOYER_ANSWER, 5, label="单位答复期限"),
        # Product setting (default 15 days) after which escalation is proposed (ECNMR-12).
        DeadlineKind("negotiation", rules.NEGOTIATION_FAILED, 15, label="协商期限"),
        # ECNMR-19: the organization decides whether to accept within 3 working days.
        DeadlineKind(
            "org_acceptance", rules.ORG_ACCEPTANCE, 3, working_days=True, label="调解组织受理期限"
        ),
        # LDMAL-14 / ECNMR-23: 15 days of mediation, extendable by agreement.
        DeadlineKind("mediation", rules.MEDIATION_PERIOD, 15, label="调解期限"),
        # AHR-74: joint application for 仲裁审查确认 within 15 days of the agreement taking
        # effect; CPL-205: 司法确认 within 30 days. Reminders only: the parties decide.
        DeadlineKind(
            "arbitral_review",
            rules.ARBITRAL_REVIEW,
            15,
            remind_before=timedelta(days=3),
            label="仲裁审查确认申请期限",
        ),
        DeadlineKind(
            "judicial_confirmation",
            rules.JUDICIAL_CONFIRMATION,
            30,
            remind_before=timedelta(days=3),
            label="司法确认申请期限",
        ),
        # Seed 003: a court-entrusted case is fed back to the court within 30 days.
        DeadlineKind(
            "court_feedback",
            rules.COURT_FEEDBACK,
            30,
            remind_before=timedelta(days=5),
            label="委托调解反馈期限",
            remind=("mediator",),
            outlives_stage=True,
        ),
        # LDMAL-27: one year from the end of the employment; reminded a month ahead.
        DeadlineKind(
            "limitation",
            rules.LIMITATION,
            365,
            remind_before=timedelta(days=30),
            label="劳动仲裁申请时效",
            remind=("worker",),
            outlives_stage=True,
        ),
        # 回访: the day after each instalment of a settlement falls due (ECNMR-11/12).
        DeadlineKind(
            "instalment", rules.SETTLEMENT_BINDING, 0, remind_before=None, label="付款回访"
        ),
    )
}


def due_at(kind: str, start: datetime) -> datetime:
    """When a clock of this kind started at ``start`` runs out."""
    spec = KINDS[kind]
    if spec.working_days:
        return add_working_days(start, spec.days)
    return start + timedelta(days=spec.days)


def schedule(kind: str, start: datetime, party_id: str | None = None) -> ScheduleDeadline:
    """The effect that starts a clock of this kind now, with its reminder."""
    spec = KINDS[kind]
    due = due_at(kind, start)
    remind = due - spec.remind_before if spec.remind_before else None
    return ScheduleDeadline(
        kind=kind, due_at=due, rule=spec.rule.code, party_id=party_id, remind_at=remind
    )


def limitation_due(left: object) -> datetime | None:
    """LDMAL-27: the end of the one-year period from the day the employment ended (a month
    without a day counts from its first day, the earliest reading)."""
    if not isinstance(left, str) or len(left) < 7:
        return None
    try:
        year, month = int(left[:4]), int(left[5:7])
        day = int(left[8:10]) if len(left) >= 10 else 1
        return datetime(year + 1, month, min(day, 28 if month == 2 else day), tzinfo=CHINA)
    except ValueError:
        return None


def stage_clocks_kept() -> tuple[str, ...]:
    """The kinds a stage's end does not cancel."""
    return tuple(name for name, kind in KINDS.items() if kind.outlives_stage)
