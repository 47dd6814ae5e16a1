"""Every clock the law runs on fires once, at the right time, through RQ's own scheduler — and
not after it was cancelled, nor twice, nor never when the worker dies and Redis is flushed.

The service clock is injected (``runtime.clock``); RQ's scheduler is made to read the same clock,
so its real scheduled-job registry decides what falls due. No sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import rq.scheduler
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from bot import runtime as runtimes
from bot import tasks, worker
from bot.clock import OFFSET_KEY
from bot.config import Settings
from bot.effects import Context, FollowUps, apply_effects
from bot.runtime import Runtime
from handlers import calendar, deadlines
from handlers.settlement import instalment_clock
from handlers.texts import CHINA
from handlers.types import ScheduleDeadline
from storage import queries
from storage.models import (
    Agreement,
    Assignment,
    AuditEvent,
    Case,
    Deadline,
    Message,
    Organization,
    OutboundMessage,
    Party,
)

# Friday 13 February 2026, the last working day before 春节: the official calendar (which the
# chinese_calendar package ships for 2026) makes Saturday 14 February a 调休 working day and
# 15–23 February holidays.
START = datetime(2026, 2, 13, 10, 0, tzinfo=CHINA)
MINUTE = timedelta(minutes=1)
INSTALMENT = {"n": 1, "amount": 5000, "due": "2026-02-20"}


# kind → (the state the case is in, when it must fall due, the state it is in afterwards).
# A period starts the day after its event and ends at 24:00 of its last day (00:00 of the day
# after, here); a last day inside the 春节 holiday gives way to the first working day after
# it, Tuesday 24 February (民法典-201/203).
def _end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=CHINA) + timedelta(days=1)


EXPECTED: dict[str, tuple[str, datetime, str]] = {
    # The invitation (a product setting, 5 days): unopened, it is renewed once, then the case
    # goes on to mediation; its last day, 18 February, is in the holiday.
    "invitation": ("negotiating", _end_of(2026, 2, 24), "negotiating"),
    "invitation_renewed": ("negotiating", _end_of(2026, 2, 24), "escalated"),
    # ECNMR-8: 5 calendar days from the employer's receipt; 18 February is in the holiday.
    "employer_answer": ("negotiating", _end_of(2026, 2, 24), "escalated"),
    # 15 days: Saturday 28 February is a 调休 working day, so it is the last day.
    "negotiation": ("negotiating", _end_of(2026, 2, 28), "escalated"),
    # ECNMR-19: 3 working days: Sat 14 Feb (调休), then Tue 24 and Wed 25 after the holiday.
    "org_acceptance": ("escalated", _end_of(2026, 2, 25), "escalated"),
    "mediation": ("mediating", _end_of(2026, 2, 28), "arbitration_advised"),
    "arbitral_review": ("followup", _end_of(2026, 2, 28), "followup"),
    # 30 days: Sunday 15 March is a rest day, so Monday 16 March is the last day.
    "judicial_confirmation": ("followup", _end_of(2026, 3, 16), "followup"),
    "court_feedback": ("escalated", _end_of(2026, 3, 16), "escalated"),
    # LDMAL-27: a year from the event (in a case: the leaving date): Saturday 13 February
    # 2027 gives way to Monday 15 February (2027 has no 放假安排 here: weekends only).
    "limitation": ("negotiating", _end_of(2027, 2, 15), "negotiating"),
    # 回访 the morning after the instalment's day.
    "instalment": ("followup", datetime(2026, 2, 21, 10, 0, tzinfo=CHINA), "followup"),
}


@pytest.fixture
def rq_on_service_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """RQ's scheduler moves a job to the queue when *the service clock* reaches its time."""

    def service_timestamp() -> int:
        return int(runtimes.current().clock.now().timestamp())

    monkeypatch.setattr(rq.scheduler, "current_timestamp", service_timestamp)
    yield


def set_clock(runtime: Runtime, moment: datetime) -> None:
    runtime.clock.set_to(moment)


def work(runtime: Runtime) -> None:
    """One pass of a worker with RQ's scheduler: enqueue what is due, run it, stop."""
    runtimes.install(runtime)
    SimpleWorker([runtime.queue], connection=runtime.redis).work(burst=True, with_scheduler=True)


def open_case(runtime: Runtime, state: str) -> str:
    """A case in ``state``, with the organization and agreement that state implies."""
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        worker_party = Party(role="worker", display_name="曾师傅", created_at=now)
        session.add(worker_party)
        session.flush()
        case = Case(
            state=state,
            worker_id=worker_party.id,
            dispute_types=["wage_arrears"],
            flags=[],
            facts={"place_code": "350504001", "employer": "泉州鑫达鞋业有限公司"},
            explanation={},
            created_at=now,
            updated_at=now,
        )
        session.add(case)
        session.flush()
        if state in ("escalated", "mediating"):
            org = Organization(
                key=f"test-{case.id}",
                name="万安街道劳动人事争议调解中心",
                type="township",
                filing_status="filed",
                admin_codes=["350504001"],
                region_code="350504001",
                created_at=now,
                updated_at=now,
            )
            session.add(org)
            session.flush()
            status = "offered" if state == "escalated" else "accepted"
            session.add(
                Assignment(
                    case_id=case.id, org_id=org.id, status=status, step="township", offered_at=now
                )
            )
        if state == "followup":
            terms = {"total": 5000, "instalments": [INSTALMENT]}
            session.add(
                Agreement(
                    case_id=case.id,
                    kind="settlement",
                    text="和解协议",
                    sha256="0" * 64,
                    terms=terms,
                    confirmed_by=["worker", "employer"],
                    created_at=now,
                    effective_at=now,
                )
            )
        return case.id


def start_clock(runtime: Runtime, case_id: str, kind: str) -> int:
    """Start the clock as a handler would (the ScheduleDeadline effect), then arm it in RQ."""
    now = runtime.clock.now()
    effect: ScheduleDeadline = (
        instalment_clock(INSTALMENT, date.fromisoformat(str(INSTALMENT["due"])))
        if kind == "instalment"
        else deadlines.schedule(kind, now)
    )
    followups = FollowUps()
    with runtime.store.transaction() as session:
        case = session.get(Case, case_id)
        ctx = Context(session, runtime.store.cipher, case, None, now, followups, runtime.directory)
        apply_effects(ctx, [effect])
    tasks.enqueue_followups(runtime, followups)
    [deadline_id] = followups.deadlines
    return deadline_id


def deadline(runtime: Runtime, deadline_id: int) -> Deadline:
    with runtime.store.transaction() as session:
        row = session.get(Deadline, deadline_id)
        assert row is not None
        return row


def firings(runtime: Runtime, deadline_id: int) -> int:
    """How many times the clock was dispatched (each firing stores its SYSTEM message)."""
    query = select(func.count()).where(Message.msg_id == f"deadline:{deadline_id}")
    with runtime.store.transaction() as session:
        return int(session.scalar(query) or 0)


def state_of(runtime: Runtime, case_id: str) -> str:
    with runtime.store.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.state


def moves(runtime: Runtime, case_id: str) -> int:
    query = select(func.count()).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "state_changed"
    )
    with runtime.store.transaction() as session:
        return int(session.scalar(query) or 0)


def worker_of(runtime: Runtime, case_id: str) -> str:
    with runtime.store.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.worker_id


def inbox_texts(runtime: Runtime, party_id: str) -> list[str]:
    query = select(OutboundMessage.text_enc).where(OutboundMessage.party_id == party_id)
    with runtime.store.transaction() as session:
        return [runtime.store.cipher.decrypt(t) for t in session.scalars(query)]


def test_every_kind_of_deadline_is_covered() -> None:
    assert set(EXPECTED) == set(deadlines.KINDS)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_a_deadline_fires_once_at_its_time_through_rqs_scheduler(
    runtime: Runtime, rq_on_service_clock: None, kind: str
) -> None:
    state, due, after = EXPECTED[kind]
    set_clock(runtime, START)
    case_id = open_case(runtime, state)
    deadline_id = start_clock(runtime, case_id, kind)
    row = deadline(runtime, deadline_id)
    # Exact to the second (the test clock keeps running by the milliseconds the test takes).
    assert abs(row.due_at - due) < timedelta(seconds=2)
    assert row.rule == deadlines.KINDS[kind].rule.code
    worker_id = worker_of(runtime, case_id)

    # The reminder comes first, once, with the date (court feedback reminds the mediator).
    if row.remind_at is not None and "worker" in deadlines.KINDS[kind].remind:
        set_clock(runtime, row.remind_at - MINUTE)
        work(runtime)
        assert deadline(runtime, deadline_id).reminded_at is None
        set_clock(runtime, row.remind_at + MINUTE)
        work(runtime)
        work(runtime)
        [reminder] = [t for t in inbox_texts(runtime, worker_id) if t.startswith("提醒")]
        last = calendar.last_day(due)
        assert f"{last.month}月{last.day}日24时" in reminder

    set_clock(runtime, due - MINUTE)
    work(runtime)
    assert deadline(runtime, deadline_id).status == "pending" and firings(runtime, deadline_id) == 0
    assert state_of(runtime, case_id) == state

    set_clock(runtime, due + MINUTE)
    work(runtime)
    assert deadline(runtime, deadline_id).status == "fired" and firings(runtime, deadline_id) == 1
    assert state_of(runtime, case_id) == after
    moved = moves(runtime, case_id)

    # Once only: a second pass, and a restart that re-arms pending clocks, change nothing.
    set_clock(runtime, due + timedelta(days=1))
    tasks.requeue_pending(runtime)
    work(runtime)
    assert firings(runtime, deadline_id) == 1 and moves(runtime, case_id) == moved
    if kind == "instalment":
        assert any("回访" in t and "5000元" in t for t in inbox_texts(runtime, worker_id))


def test_a_cancelled_deadline_never_fires(runtime: Runtime, rq_on_service_clock: None) -> None:
    set_clock(runtime, START)
    clocks = {}
    for kind, (state, _, _) in EXPECTED.items():
        case_id = open_case(runtime, state)
        clocks[kind] = (case_id, start_clock(runtime, case_id, kind))
    set_clock(runtime, START + timedelta(hours=1))
    with runtime.store.transaction() as session:  # what each CancelDeadlines effect does
        for kind, (case_id, _) in clocks.items():
            queries.cancel_deadlines(session, case_id, (kind,), runtime.clock.now())
    set_clock(runtime, max(due for _, due, _ in EXPECTED.values()) + timedelta(days=1))
    tasks.requeue_pending(runtime)
    work(runtime)
    for kind, (case_id, deadline_id) in clocks.items():
        assert deadline(runtime, deadline_id).status == "cancelled", kind
        assert (
            firings(runtime, deadline_id) == 0 and state_of(runtime, case_id) == EXPECTED[kind][0]
        )
        texts = inbox_texts(runtime, worker_of(runtime, case_id))
        assert not any(t.startswith("提醒") for t in texts), kind


def test_after_the_worker_dies_and_redis_is_flushed_a_restart_fires_every_pending_deadline(
    runtime: Runtime,
    settings: Settings,
    rq_on_service_clock: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_clock(runtime, START)
    clocks = {
        kind: start_clock(runtime, open_case(runtime, state), kind)
        for kind, (state, *_) in EXPECTED.items()
    }
    registry = ScheduledJobRegistry(queue=runtime.queue)
    assert len(registry.get_job_ids()) >= len(clocks)  # armed in RQ's scheduled-job registry
    work(runtime)  # the worker runs a while; nothing is due yet

    runtime.redis.flushdb()  # the worker dies and Redis loses everything
    assert registry.get_job_ids() == []
    set_clock(runtime, max(due for _, due, _ in EXPECTED.values()) + timedelta(hours=1))
    work(runtime)  # a worker without the start-up reconciliation would fire nothing
    assert all(deadline(runtime, i).status == "pending" for i in clocks.values())

    # The restart: `tiaojie worker`'s own entry point (no nlp warm-up), on the development
    # clock shared through Redis, set where the service clock is.
    monkeypatch.setattr(worker.nlp, "warm_up", lambda: None)
    runtime.redis.set(OFFSET_KEY, runtime.clock.offset.total_seconds())
    try:
        worker.run_worker(settings, burst=True)
    finally:
        runtimes.current().close()
        runtimes.install(runtime)
    for kind, deadline_id in clocks.items():
        assert deadline(runtime, deadline_id).status == "fired", kind
        assert firings(runtime, deadline_id) == 1, kind
