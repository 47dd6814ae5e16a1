"""Retention on the injected clock: a closed case's words and personal data are erased once its
period is over, the way "删除我的信息" erases, and nothing sooner; open and recent cases stay;
the statistics and the audit trail stay; notifications, the push log and revoked sessions go
after their own periods; the purge runs daily through RQ's scheduler and twice erases nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import rq.scheduler
from click.testing import CliRunner
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from bot import retention, tasks
from bot import runtime as runtimes
from bot.cli import main
from bot.clock import Clock
from bot.runtime import Runtime
from handlers.texts import CHINA
from storage import queries
from storage.models import AuditEvent, Case, Message, OutboundMessage, Party, WechatPush
from tests.chat import Chat, Person
from tests.test_negotiation import complain, invite_employer

DAYS = 3 * 365  # the default case retention


def purge(runtime: Runtime, clock: Clock, *, dry_run: bool = False) -> dict[str, int]:
    return retention.purge(runtime.store, runtime.settings, clock.now(), dry_run=dry_run).counts


def withdrawn(chat: Chat, name: str) -> Person:
    """A worker tells the story with a phone number, then withdraws: the case is closed."""
    worker = chat.login("worker", name)
    worker.says("泉州鑫达鞋业有限公司拖欠我三个月工资，一共两万四，电话13912345678")
    worker.says("洛江区万安街道")
    worker.says("撤回")
    worker.says("确认撤回")
    assert worker.case["state"] == "closed"
    return worker


def case_row(runtime: Runtime, case_id: str | None) -> Case:
    with runtime.store.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        session.expunge(case)
        return case


def messages_of(runtime: Runtime, case_id: str | None) -> int:
    with runtime.store.transaction() as session:
        query = select(func.count()).where(Message.case_id == case_id)
        return int(session.scalar(query) or 0)


def test_a_closed_case_is_erased_after_three_years_and_not_a_day_sooner(
    chat: Chat, runtime: Runtime, clock: Clock
) -> None:
    closed = withdrawn(chat, "曾师傅")
    still_open = complain(chat, "老周")
    clock.advance(timedelta(days=DAYS - 1))
    assert sum(purge(runtime, clock).values()) == 0
    assert messages_of(runtime, closed.case_id) > 0

    clock.advance(timedelta(days=2))
    preview = purge(runtime, clock, dry_run=True)
    assert preview["cases"] == 1 and messages_of(runtime, closed.case_id) > 0  # only counted
    with runtime.store.transaction() as session:
        scope = queries.CaseScope(clock.now() - timedelta(days=DAYS + 2), clock.now())
        states_before = queries.cases_by_state(session, scope)

    assert purge(runtime, clock)["cases"] == 1
    case = case_row(runtime, closed.case_id)
    assert messages_of(runtime, closed.case_id) == 0
    assert case.facts == {} and case.explanation == {}
    assert case.dispute_types == ["wage_arrears"] and case.state == "closed"  # statistics
    with runtime.store.transaction() as session:
        worker = session.get(Party, closed.party_id)
        assert worker is not None and worker.display_name == "已删除" and worker.openid is None
        trail = list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)))
        assert queries.cases_by_state(session, scope) == states_before
    assert [e.action for e in trail][-1] == "case_purged" and trail[-1].rule == "PIPL-19"
    assert any(e.action == "state_changed" for e in trail)  # the trail without text stays
    # The open case, three years on, keeps its words and its worker.
    assert messages_of(runtime, still_open.case_id) > 0
    assert still_open.get("/api/v1/cases").get_json()["cases"][0]["facts"]

    assert sum(purge(runtime, clock).values()) == 0  # idempotent


def test_notifications_pushes_and_sessions_go_after_their_own_periods(
    chat: Chat, runtime: Runtime, clock: Clock
) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    chat.run_jobs()
    assert employer.post("/api/v1/logout", {}).status_code == 200
    chatter = chat.login("worker", "随便问问")
    chatter.says("你好")  # no labour complaint: a message outside any case
    with runtime.store.transaction() as session:
        queries.record_push(
            session, dedupe_key="msg:1", party_id=worker.party_id, kind="text", now=clock.now()
        )
        loose_id = queries.add_notification(
            session,
            runtime.store.cipher,
            party_id=chatter.party_id,
            case_id=None,
            text="您好，请直接说说遇到了什么问题。",
            now=clock.now(),
        )
        session.get_one(OutboundMessage, loose_id).status = "sent"
        in_cases = select(func.count()).where(OutboundMessage.case_id.is_not(None))
        kept = session.scalar(in_cases)
    assert kept

    clock.advance(timedelta(days=32))
    counts = purge(runtime, clock)
    assert (counts["pushes"], counts["sessions"], counts["outbound"]) == (1, 1, 0)
    clock.advance(timedelta(days=150))
    # Delivered notifications outside any case go; a case's notifications are its record.
    assert purge(runtime, clock)["outbound"] == 1
    with runtime.store.transaction() as session:
        assert session.scalar(in_cases) == kept
        assert session.scalar(select(func.count()).select_from(WechatPush)) == 0
        loose = select(func.count()).where(Message.case_id.is_(None))
        assert session.scalar(loose)  # kept as long as cases are
    clock.advance(timedelta(days=DAYS))
    counts = purge(runtime, clock)
    assert counts["cases"] == 0  # the case is still open
    # The chatter's words outside any case go with the chatter, erased as on request.
    assert counts["parties"] == 1 and counts["loose_messages"] == 0
    with runtime.store.transaction() as session:
        assert session.scalar(loose) == 0
        chatter_party = session.get(Party, chatter.party_id)
        assert chatter_party is not None and chatter_party.erased_at is not None
        kept = session.get(Party, worker.party_id)
        assert kept is not None and kept.erased_at is None  # an open case keeps its worker


def test_purges_are_batched(chat: Chat, runtime: Runtime, clock: Clock) -> None:
    for name in ("甲", "乙", "丙"):
        withdrawn(chat, f"工友{name}")
    clock.advance(timedelta(days=DAYS + 1))
    result = retention.purge(runtime.store, runtime.settings, clock.now(), batch=2)
    assert result.counts["cases"] == 3 and result.counts["parties"] == 3


@pytest.fixture
def rq_on_service_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(
        rq.scheduler, "current_timestamp", lambda: int(runtimes.current().clock.now().timestamp())
    )
    yield


def test_the_purge_runs_daily_at_three_through_rqs_scheduler(
    chat: Chat, runtime: Runtime, clock: Clock, rq_on_service_clock: None
) -> None:
    clock.set_to(datetime(2029, 12, 1, 10, 0, tzinfo=CHINA))
    withdrawn(chat, "曾师傅")
    clock.advance(timedelta(days=DAYS))  # 2032-11-30 10:00 in Beijing
    tasks.requeue_pending(runtime)
    tasks.requeue_pending(runtime)  # a second worker starting arms nothing twice
    registry = ScheduledJobRegistry(queue=runtime.queue)
    assert registry.get_job_ids() == ["purge-2032-12-01"]

    runtimes.install(runtime)
    worker = SimpleWorker([runtime.queue], connection=runtime.redis)
    worker.work(burst=True, with_scheduler=True)  # 10:00: not yet
    assert purge(runtime, clock, dry_run=True)["cases"] == 1
    clock.advance(timedelta(hours=17, minutes=1))  # 03:01 the next day
    worker.work(burst=True, with_scheduler=True)
    assert purge(runtime, clock, dry_run=True)["cases"] == 0
    assert registry.get_job_ids() == ["purge-2032-12-02"]  # and tomorrow's is armed


def test_purge_dry_run_command_prints_counts_and_changes_nothing(
    chat: Chat, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command reads the real clock: a case closed long ago, as the database would hold it.
    withdrawn(chat, "曾师傅")
    long_ago = datetime.now(UTC) - timedelta(days=DAYS + 10)
    with runtime.store.transaction() as session:
        for case in session.scalars(select(Case)):
            case.updated_at = long_ago
    settings = runtime.settings
    monkeypatch.setenv("TIAOJIE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TIAOJIE_SECRET_KEY", settings.secret_key)
    result = CliRunner().invoke(main, ["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would erase       1 cases" in result.output
    assert purge(runtime, Clock(), dry_run=True)["cases"] == 1  # nothing changed
    result = CliRunner().invoke(main, ["purge"])
    assert "erased       1 cases" in result.output


def test_a_purge_found_days_late_erases_nothing_and_tomorrows_runs_on_time(
    chat: Chat, runtime: Runtime, clock: Clock, rq_on_service_clock: None
) -> None:
    """The workers were away (or the job was armed on another clock): no surprise erasure at
    an odd hour; the next day's purge, armed at once, does the work."""
    clock.set_to(datetime(2029, 12, 1, 10, 0, tzinfo=CHINA))
    withdrawn(chat, "曾师傅")
    clock.advance(timedelta(days=DAYS + 1))  # 2032-12-01 10:00
    tasks.requeue_pending(runtime)  # due 2032-12-02 03:00
    clock.advance(timedelta(days=3))  # found on 2032-12-04 10:00
    runtimes.install(runtime)
    worker = SimpleWorker([runtime.queue], connection=runtime.redis)
    worker.work(burst=True, with_scheduler=True)
    assert purge(runtime, clock, dry_run=True)["cases"] == 1  # skipped
    registry = ScheduledJobRegistry(queue=runtime.queue)
    assert registry.get_job_ids() == ["purge-2032-12-05"]
    clock.advance(timedelta(hours=17, minutes=1))
    worker.work(burst=True, with_scheduler=True)
    assert purge(runtime, clock, dry_run=True)["cases"] == 0
