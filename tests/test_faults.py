"""Faults, each as it happens in production: a worker killed in the middle of a job, WeChat
timing out, fifty messages racing for one case. Nothing is lost and nothing happens twice.

(Redis going away is tests/test_redis_down.py.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest
import rq.scheduler
from flask import Flask
from rq import SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from bot import runtime as runtimes
from bot import tasks, wechat_api
from bot.app import create_app
from bot.clock import Clock
from bot.config import RateLimits, Settings
from bot.runtime import Runtime
from storage.models import Case, Deadline, Message, Offer, OutboundDetail, OutboundMessage
from tests.chat import Chat, Person
from tests.fake_wechat import (  # noqa: F401  (pytest fixture: the settings of the fake)
    AES_KEY,
    APPID,
    SECRET,
    TOKEN,
    push,
    text_push,
    wechat_login,
    wechat_settings_fixture,
)
from tests.faults_wechat import SlowWeChat, slow_wechat_fixture  # noqa: F401
from tests.test_negotiation import complain, invite_employer

UNLIMITED = RateLimits(*[0] * 6)  # these tests are about faults, not about rate limits
ON_POSTGRES = bool(os.environ.get("TIAOJIE_TEST_DATABASE_URL"))


@pytest.fixture
def service(app: Flask, wechat_settings: Settings, clock: Clock) -> Iterator[Flask]:
    """The service with WeChat pointed at the (slow) fake; the tables were emptied by ``app``."""
    configured = create_app(replace(wechat_settings, rate_limits=UNLIMITED), clock=clock)
    yield configured
    configured.extensions["tiaojie"].close()


def runtime_of(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["tiaojie"]
    return runtime


def work(runtime: Runtime) -> None:
    """One pass of a worker with RQ's scheduler, in this process."""
    runtimes.install(runtime)
    SimpleWorker([runtime.queue], connection=runtime.redis).work(burst=True, with_scheduler=True)


def outbound_rows(runtime: Runtime, **where: object) -> list[OutboundMessage]:
    with runtime.store.transaction() as session:
        query = select(OutboundMessage).filter_by(**where).order_by(OutboundMessage.id)
        return list(session.scalars(query))


# --- 1. an RQ worker killed in the middle of a job -----------------------------------------------


def worker_environment(settings: Settings, fake: SlowWeChat, data_dir: Path) -> dict[str, str]:
    """`tiaojie worker` configured like the service under test (same database, Redis, key)."""
    return {
        **os.environ,
        "TIAOJIE_ENV": "development",
        "TIAOJIE_DATA_DIR": str(data_dir),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "TIAOJIE_SECRET_KEY": settings.secret_key,
        "TIAOJIE_WECHAT_APPID": APPID,
        "TIAOJIE_WECHAT_SECRET": SECRET,
        "TIAOJIE_WECHAT_TOKEN": TOKEN,
        "TIAOJIE_WECHAT_AES_KEY": AES_KEY,
        "TIAOJIE_WECHAT_API_BASE": fake.url,
        "TIAOJIE_WECHAT_CONTENT_CHECK": "closed",
    }


def start_worker(env: dict[str, str], log: Path, *burst: str) -> subprocess.Popen[bytes]:
    """`tiaojie worker` in its own process group (jobs run in the worker itself)."""
    command = [sys.executable, "-c", "from bot.cli import main; main()", "worker", *burst]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=out, start_new_session=True)


def kill_with_children(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and every process it started (a forking RQ worker's work horse has
    a session of its own, so the process group alone would miss it)."""
    children = [
        int(stat.parent.name)
        for stat in Path("/proc").glob("[0-9]*/stat")
        if _parent_pid(stat) == process.pid
    ]
    for pid in [process.pid, *children]:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.kill(pid, signal.SIGKILL)
    process.wait(10)


def _parent_pid(stat: Path) -> int | None:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_delivers_once_after_the_restart(
    service: Flask, fake_wechat: SlowWeChat, wechat_settings: Settings, tmp_path: Path
) -> None:
    """The worker's words to the employer are being checked (msgSecCheck) when the worker is
    SIGKILLed mid-job; `tiaojie worker` starts again, re-enqueues what is still
    queued, and the employer finds the words in the inbox exactly once."""
    runtime = runtime_of(service)
    chat = Chat(service, runtime)
    worker = wechat_login(chat, "kill-worker")  # a WeChat user: the relay is content-checked
    complain_as(worker)
    employer = invite_employer(chat, worker)
    chat.run_jobs()  # everything so far is delivered in this process
    before = len(employer.inbox())

    worker.says("那也不能一直拖着，这个月底前必须给个说法")
    [relay] = outbound_rows(runtime, party_id=employer.party_id, status="queued")
    fake_wechat.hold("msg_sec_check")  # the check takes its time

    env = worker_environment(wechat_settings, fake_wechat, tmp_path)
    log = tmp_path / "worker.log"
    first = start_worker(env, log)
    try:
        wait_for(lambda: fake_wechat.started("msg_sec_check") == 1, 60, "the job to be running")
        assert outbound_rows(runtime, id=relay.id)[0].attempts == 1
    finally:
        kill_with_children(first)  # mid-job
    assert outbound_rows(runtime, id=relay.id)[0].status == "queued"  # nothing was delivered

    fake_wechat.release()  # WeChat answers at once from now on
    second = start_worker(env, log, "--burst")
    assert second.wait(120) == 0, log.read_text(errors="replace")[-3000:]

    [row] = outbound_rows(runtime, id=relay.id)
    assert (row.status, row.attempts) == ("sent", 2), (
        log.read_text(errors="replace")[-4000:],
        [(r.id, r.party_id, r.channel, r.status, r.attempts) for r in outbound_rows(runtime)],
    )
    relayed = [i for i in employer.inbox()[before:] if "那也不能一直拖着" in i["text"]]
    assert len(relayed) == 1  # one notification, not two
    assert fake_wechat.started("msg_sec_check") == 2  # checked again after the restart
    with runtime.store.transaction() as session:
        assert session.get(OutboundDetail, relay.id).verdict == "pass"  # type: ignore[union-attr]


def test_a_worker_killed_during_a_wechat_send_does_not_send_it_twice(
    service: Flask, fake_wechat: SlowWeChat, wechat_settings: Settings, tmp_path: Path
) -> None:
    """A customer-service reply is on its way to WeChat when the worker is SIGKILLed: WeChat
    may already have it, and its send API has no idempotency key. After the restart the
    reply is not sent a second time: the row says the send was interrupted, and the sender
    finds the reply in the mini-program's inbox, once."""
    runtime = runtime_of(service)
    client = service.test_client()
    assert push(client, text_push("o_killed", "老板拖欠我三个月工资", 4301)).status_code == 200
    [reply] = outbound_rows(runtime, channel="wechat_cs")
    fake_wechat.hold("custom_send")  # WeChat has the message but has not answered yet

    env = worker_environment(wechat_settings, fake_wechat, tmp_path)
    log = tmp_path / "worker.log"
    first = start_worker(env, log)
    try:
        wait_for(lambda: fake_wechat.started("custom_send") == 1, 60, "the send to be out")
        assert outbound_rows(runtime, id=reply.id)[0].status == "sending"
    finally:
        kill_with_children(first)  # mid-call

    fake_wechat.release()
    second = start_worker(env, log, "--burst")
    assert second.wait(120) == 0, log.read_text(errors="replace")[-3000:]

    [row] = outbound_rows(runtime, id=reply.id)
    assert (row.status, row.error_code) == ("fallback", "interrupted")
    assert fake_wechat.started("custom_send") == 1  # never sent again
    user = wechat_login(Chat(service, runtime), "killed")  # the same WeChat user (o_killed)
    assert [i["text"] for i in user.inbox()].count(row_text(runtime, reply.id)) == 1


def complain_as(worker: Person) -> Person:
    """The story of tests/test_negotiation.complain, told by this (WeChat) worker."""
    worker.says("泉州鑫达鞋业有限公司拖欠我三个月工资，一共两万四")
    worker.says("洛江区万安街道")
    worker.says("每月八千")
    worker.says("干了两年")
    worker.says("还在上班")
    worker.says("就我自己")
    return worker


# --- 3. WeChat API timeouts ----------------------------------------------------------------------


@pytest.fixture
def rq_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """RQ's scheduler reads wall time plus a shift the test moves (no sleeping for retries)."""
    shift = [0.0]
    monkeypatch.setattr(rq.scheduler, "current_timestamp", lambda: int(time.time() + shift[0]))
    return shift


def test_wechat_timeouts_are_retried_with_backoff_then_fall_back_to_the_inbox(
    service: Flask, fake_wechat: SlowWeChat, rq_clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer-service reply while WeChat answers slower than our client waits: RQ retries
    it on tasks.RETRY's schedule (5 s, 30 s, 2 min, 10 min, 30 min); the sixth timeout is
    recorded on the outbound row and the reply goes to the in-app inbox instead."""
    monkeypatch.setattr(wechat_api, "TIMEOUT", (1.0, 0.3))  # connect, read: WeChat is slower
    fake_wechat.delays["custom_send"] = 1.0  # the fake's own scriptable delay
    runtime = runtime_of(service)
    client = service.test_client()
    assert push(client, text_push("o_timeout", "老板拖欠我三个月工资", 4201)).status_code == 200
    [reply] = outbound_rows(runtime, channel="wechat_cs")
    registry = ScheduledJobRegistry(queue=runtime.queue)
    job_id = f"outbound-{reply.id}"

    waits = []
    for attempt in range(1, 6):
        failed_at = time.time()
        work(runtime)
        assert len(fake_wechat.calls("custom_send")) == attempt
        assert outbound_rows(runtime, id=reply.id)[0].status == "queued"  # not yet given up
        due = registry.get_scheduled_time(Job.fetch(job_id, connection=runtime.redis))
        waits.append(round(due.replace(tzinfo=UTC).timestamp() - failed_at))
        rq_clock[0] = due.replace(tzinfo=UTC).timestamp() - time.time() + 1  # now it is due
    assert all(
        abs(got - want) <= 2 for got, want in zip(waits, tasks.RETRY.intervals, strict=True)
    ), waits

    work(runtime)  # the sixth attempt times out too, and is the last
    assert len(fake_wechat.calls("custom_send")) == 6
    [row] = outbound_rows(runtime, id=reply.id)
    assert (row.status, row.error_code, row.attempts) == ("fallback", "unavailable", 6)
    work(runtime)  # the inbox copy is delivered
    user = wechat_login(Chat(service, runtime), "timeout")  # the same WeChat user (o_timeout)
    assert [i["text"] for i in user.inbox()].count(row_text(runtime, reply.id)) == 1
    assert registry.get_job_ids() == []  # nothing left waiting


def row_text(runtime: Runtime, outbound_id: int) -> str:
    with runtime.store.transaction() as session:
        row = session.get(OutboundMessage, outbound_id)
        assert row is not None
        return runtime.store.cipher.decrypt(row.text_enc)


# --- 2. fifty messages racing for one case -------------------------------------------------------


def test_concurrent_messages_to_one_case_are_all_kept_in_the_order_of_the_case_lock(
    service: Flask,
) -> None:
    """Worker and employer send 50 offers at once (25 each, SQLite: 10), each from its own
    thread and database connection. Every message is stored once; the case lock makes the
    stored order the order of processing: each side's terms read back to it are those of its
    last message processed, and only the first employer message processed found the 5-day
    answer clock running (one negotiation clock, not several)."""
    runtime = runtime_of(service)
    chat = Chat(service, runtime)
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    count = 50 if ON_POSTGRES else 10
    senders = [worker if n % 2 else employer for n in range(count)]
    amounts = {f"race-{n}": 10_000 + n for n in range(count)}
    start = threading.Barrier(count)
    answers: dict[str, int] = {}

    def send(n: int) -> None:
        person, msg_id = senders[n], f"race-{n}"
        client = service.test_client()  # its own client; each request its own connection
        start.wait()
        response = client.post(
            "/api/v1/messages",
            json={
                "text": f"我们可以{amounts[msg_id]}元，月底前付清",
                "case_id": worker.case_id,
                "msg_id": msg_id,
            },
            headers=person.headers,
        )
        answers[msg_id] = response.status_code

    threads = [threading.Thread(target=send, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert answers == dict.fromkeys(amounts, 200)

    with runtime.store.transaction() as session:
        messages = list(
            session.execute(
                select(Message.msg_id, Message.sender_id, Message.created_at)
                .where(
                    Message.case_id == worker.case_id,
                    Message.direction == "in",
                    Message.msg_id.like("%race-%"),
                )
                .order_by(Message.id)
            )
        )
        offers = list(
            session.execute(
                select(Offer.party_id, Offer.terms)
                .where(Offer.case_id == worker.case_id)
                .order_by(Offer.id)
            )
        )
        clocks = list(
            session.execute(
                select(Deadline.kind, Deadline.status, Deadline.created_at)
                .where(Deadline.case_id == worker.case_id)
                .order_by(Deadline.id)
            )
        )
        proposal = session.scalar(select(Case.proposal).where(Case.id == worker.case_id))
    order = [msg_id.rsplit(":", 1)[1] for msg_id, _, _ in messages]
    assert sorted(order) == sorted(amounts)  # all kept, none twice
    # Terms are read back to their author first: nothing is on the table yet, and each side's
    # reading is the terms of its last message processed (stored in the order processed).
    assert offers == []
    last = {sender: amounts[msg_id] for msg_id, (_, sender, _) in zip(order, messages, strict=True)}
    assert proposal is not None
    readings = {
        worker.party_id: proposal["drafts"]["worker"]["total"],
        employer.party_id: proposal["drafts"]["employer"]["total"],
    }
    assert readings == last
    # The 5-day clock (ECNMR-8) stopped once, at the first employer message processed.
    kinds = [(kind, status) for kind, status, _ in clocks]
    assert kinds.count(("employer_answer", "cancelled")) == 1, kinds
    assert kinds.count(("negotiation", "pending")) == 1, kinds
    first_employer = next(at for _, sender, at in messages if sender == employer.party_id)
    assert next(at for kind, _, at in clocks if kind == "negotiation") == first_employer
