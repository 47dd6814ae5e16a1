"""Statistics reports (统计报告): totals over 10,000 generated cases checked against direct SQL
counts and the generator's own tally; XLSX that opens in openpyxl; the CLI; real transcripts."""

from __future__ import annotations

import csv
import io
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import bindparam, insert, text
from sqlalchemy.orm import Session

from bot import reports
from bot.cli import main
from bot.config import Settings
from bot.runtime import Runtime
from handlers.texts import CHINA
from storage.models import (
    Agreement,
    Assignment,
    AuditEvent,
    Case,
    CourtReferral,
    Deadline,
    Message,
    Organization,
    Party,
    RiskAlert,
    UTCDateTime,
    new_id,
)
from tests.chat import Chat
from tests.test_negotiation import advance, complain, invite_employer

CASES = 10_000
PERIOD = (date(2026, 2, 1), date(2026, 5, 31))
NOW = datetime(2026, 7, 15, 12, 0, tzinfo=CHINA)
TYPES = ("wage_arrears", "overtime", "termination_compensation", "social_insurance", "work_injury")
PLACES = ("350504001", "350504002", "350504100", "350503001", "350581", None)
DEADLINE_KINDS = ("employer_answer", "org_acceptance", "mediation", "instalment", "court_feedback")
STATUSES = ("pending", "fired", "done", "cancelled")
RISK_KINDS = ("repeat_employer", "mass_wage_arrears", "urgent")


@dataclass
class Truth:
    """What the generator made, tallied in Python for the cases inside the report's period."""

    received: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_county: Counter[str | None] = field(default_factory=Counter)
    by_org: Counter[str | None] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    settle_days: list[float] = field(default_factory=list)
    agreed: int = 0
    paid: int = 0
    collective: int = 0
    overdue: int = 0
    risk_cases: int = 0
    region_350504: int = 0
    org_cases: Counter[str] = field(default_factory=Counter)


def in_period(moment: datetime) -> bool:
    start, end = reports.period(*PERIOD)
    return start <= moment < end


class Generator:
    """10,000 cases with their agreements, audit trail, assignments, messages, clocks and risk
    alerts, written with Core bulk inserts (the chat API would take minutes)."""

    def __init__(self, session: Session, seed: int = 8) -> None:
        self.session, self.rng = session, random.Random(seed)
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.truth = Truth()
        self.next_id: Counter[str] = Counter()

    def add(self, model: Any, **row: Any) -> dict[str, Any]:
        self.rows.setdefault(model, []).append(row)
        return row

    def serial(self, name: str) -> int:
        self.next_id[name] += 1
        return self.next_id[name]

    def run(self, cases: int) -> Truth:
        t0 = datetime(2026, 1, 1, tzinfo=CHINA)
        self.orgs = [
            self.add(
                Organization,
                id=new_id(),
                key=f"gen-{n}",
                name=f"测试调解中心{n}",
                type="township",
                filing_status="filed",
                admin_codes=["350504"],
                region_code="350504",
                created_at=t0,
                updated_at=t0,
            )["id"]
            for n in range(5)
        ]
        self.workers = [
            self.add(Party, id=new_id(), role="worker", display_name=f"工人{n}", created_at=t0)[
                "id"
            ]
            for n in range(300)
        ]
        for _ in range(cases):
            self.case(t0 + timedelta(minutes=self.rng.randrange(0, 181 * 24 * 60)))
        for model in (Organization, Party, Case, Assignment, Agreement, AuditEvent, Message):
            self.session.execute(insert(model), self.rows.get(model, []))
        for model in (Deadline, RiskAlert, CourtReferral):
            self.session.execute(insert(model), self.rows.get(model, []))
        return self.truth

    def case(self, created: datetime) -> None:
        rng, counted = self.rng, in_period(created)
        case_id = new_id()
        types = rng.sample(TYPES, rng.choice((1, 1, 2)))
        flags = ["collective"] if rng.random() < 0.06 else []
        place = rng.choice(PLACES)
        facts: dict[str, Any] = {"headcount": 12 if flags else 1}
        if place:
            facts["place_code"] = place
        outcome, at, agreements = self.outcome(case_id, created)
        org = self.assign(case_id, created) if rng.random() < 0.6 else None
        channel = self.channel(case_id, created)
        self.clocks(case_id, created, counted)
        risky = self.risk(case_id, created, place)
        if agreements:
            current = agreements[-1]["terms"]
            numbers = [p["n"] for p in current["instalments"]]
            paid = rng.sample(numbers, rng.randrange(0, len(numbers) + 1))
            facts["paid_instalments"] = sorted(paid)
        self.add(
            Case,
            id=case_id,
            state=rng.choice(("negotiating", "escalated", "mediating", "followup", "closed")),
            worker_id=rng.choice(self.workers),
            dispute_types=types,
            flags=flags,
            facts=facts,
            explanation={},
            created_at=created,
            updated_at=created,
        )
        if not counted:
            return
        truth = self.truth
        truth.received += 1
        truth.by_type.update(types)
        truth.by_county[place[:6] if place else None] += 1
        truth.by_org[org] += 1
        truth.by_channel[channel] += 1
        truth.outcomes[outcome] += 1
        truth.collective += bool(flags)
        truth.risk_cases += risky
        truth.region_350504 += bool(place and place.startswith("350504"))
        if org:
            truth.org_cases[org] += 1
        if outcome in ("negotiated", "mediated"):
            truth.settle_days.append((at - created).total_seconds() / 86400)
        if agreements:
            terms = agreements[-1]["terms"]
            truth.agreed += terms["total"]
            truth.paid += sum(p["amount"] for p in terms["instalments"] if p["n"] in paid)

    def outcome(
        self, case_id: str, created: datetime
    ) -> tuple[str, datetime | None, list[dict[str, Any]]]:
        """The case's story: its outcome events, the latest of which is its outcome."""
        rng = self.rng
        roll = rng.random()
        at = created + timedelta(days=rng.randrange(1, 60), minutes=rng.randrange(1, 1000))
        if roll < 0.25:
            return "negotiated", at, [self.agreement(case_id, "settlement", at)]
        if roll < 0.40:
            return "mediated", at, [self.agreement(case_id, "mediation", at)]
        if roll < 0.45:  # a settlement not performed, then mediated: the mediation counts
            first = self.agreement(case_id, "settlement", at - timedelta(days=1))
            self.move(case_id, "followup", "escalated", at - timedelta(hours=20), "ECNMR-12")
            return "mediated", at, [first, self.agreement(case_id, "mediation", at)]
        if roll < 0.55:
            self.move(case_id, "mediating", "arbitration_advised", at, "LDMAL-14")
            return "arbitration", at, []
        if roll < 0.63:
            self.move(case_id, "negotiating", "closed", at, "PIPL-15")
            return "withdrawn", at, []
        if roll < 0.66:  # closed for another reason (erasure): not an outcome
            self.move(case_id, "negotiating", "closed", at, "PIPL-47")
        return "open", None, []

    def agreement(self, case_id: str, kind: str, at: datetime) -> dict[str, Any]:
        parts = self.rng.randrange(1, 4)
        amount = self.rng.randrange(10, 100) * 100
        instalments = [{"n": n, "amount": amount, "due": "2026-08-01"} for n in range(1, parts + 1)]
        terms = {"by": "worker", "total": amount * parts, "instalments": instalments}
        return self.add(
            Agreement,
            case_id=case_id,
            kind=kind,
            text="协议",
            sha256="0" * 64,
            terms=terms,
            confirmed_by=["worker", "employer"],
            created_at=at,
            effective_at=at,
        )

    def move(self, case_id: str, source: str, target: str, at: datetime, rule: str) -> None:
        self.add(
            AuditEvent,
            at=at,
            case_id=case_id,
            action="state_changed",
            from_state=source,
            to_state=target,
            rule=rule,
            detail={},
        )

    def assign(self, case_id: str, created: datetime) -> str:
        first, last = self.rng.sample(self.orgs, 2)
        for org, status in ((first, "declined"), (last, "accepted")):
            if status == "declined" and self.rng.random() < 0.7:
                continue
            self.add(
                Assignment,
                id=self.serial("assignment"),
                case_id=case_id,
                org_id=org,
                status=status,
                step="township",
                reasons=[],
                alternatives=[],
                offered_at=created,
            )
        return last

    def channel(self, case_id: str, created: datetime) -> str:
        roll = self.rng.random()
        if roll < 0.02:
            self.add(
                CourtReferral,
                case_id=case_id,
                court="泉州市洛江区人民法院",
                court_case_no=f"(2026)闽0504民初{self.serial('court')}号",
                entrusted_at=created,
                feedback_due_at=created + timedelta(days=30),
            )
            return "court"
        if roll < 0.03:
            return "unknown"
        channel = "wechat" if roll < 0.15 else "api"
        for n in range(2):  # the first inbound message names the channel
            self.add(
                Message,
                channel=channel if n == 0 else "api",
                msg_id=f"gen-{case_id}-{n}",
                direction="in",
                case_id=case_id,
                text_enc="",
                created_at=created + timedelta(minutes=n),
            )
        return channel

    def clocks(self, case_id: str, created: datetime, counted: bool) -> None:
        for _ in range(self.rng.randrange(0, 3)):
            due = created + timedelta(days=self.rng.randrange(1, 200))
            status = self.rng.choice(STATUSES)
            self.add(
                Deadline,
                case_id=case_id,
                kind=self.rng.choice(DEADLINE_KINDS),
                rule="X",
                due_at=due,
                status=status,
                detail={},
                created_at=created,
            )
            self.truth.overdue += counted and status == "pending" and due <= NOW

    def risk(self, case_id: str, created: datetime, place: str | None) -> bool:
        if self.rng.random() >= 0.05:
            return False
        for kind in self.rng.sample(RISK_KINDS, self.rng.randrange(1, 3)):
            self.add(
                RiskAlert,
                case_id=case_id,
                kind=kind,
                region_code=place,
                reasons=[{"rule": "SEED-AH", "text": kind}],
                status=self.rng.choice(("open", "acknowledged", "closed")),
                created_at=created,
            )
        return True


def sql_count(session: Session, sql: str) -> int:
    start, end = reports.period(*PERIOD)
    statement = text(sql).bindparams(
        bindparam("start", start, type_=UTCDateTime()), bindparam("end", end, type_=UTCDateTime())
    )
    return int(session.execute(statement).scalar_one())


IN_PERIOD = "c.created_at >= :start AND c.created_at < :end"


def rows_of(report: reports.Report, key: str, column: int = 1) -> dict[Any, Any]:
    return {row[column]: row[-1] for row in report.table(key).rows}


@pytest.fixture
def generated(runtime: Runtime) -> Truth:
    started = time.perf_counter()
    with runtime.store.transaction() as session:
        truth = Generator(session).run(CASES)
    print(f"generated {CASES} cases in {time.perf_counter() - started:.2f} s")
    return truth


def test_a_report_over_ten_thousand_cases_matches_direct_sql_counts(
    runtime: Runtime, generated: Truth
) -> None:
    truth = generated
    request = reports.ReportRequest(*PERIOD)
    started = time.perf_counter()
    with runtime.store.transaction() as session:
        report = reports.build(session, request, NOW)
        body = reports.render(report, "xlsx")
    elapsed = time.perf_counter() - started
    print(f"report over {CASES} cases (build + xlsx): {elapsed:.2f} s")
    summary = report.summary

    with runtime.store.transaction() as session:
        received = sql_count(session, f"SELECT COUNT(*) FROM cases c WHERE {IN_PERIOD}")
        risk_cases = sql_count(
            session,
            "SELECT COUNT(DISTINCT r.case_id) FROM risk_alerts r JOIN cases c "
            f"ON c.id = r.case_id WHERE {IN_PERIOD}",
        )
        court = sql_count(
            session,
            f"SELECT COUNT(*) FROM court_referrals r JOIN cases c ON c.id = r.case_id "
            f"WHERE {IN_PERIOD}",
        )
        withdrawn = sql_count(
            session,
            "SELECT COUNT(DISTINCT a.case_id) FROM audit_events a JOIN cases c "
            f"ON c.id = a.case_id WHERE a.rule = 'PIPL-15' AND {IN_PERIOD}",
        )
        deadlines = sql_count(
            session,
            f"SELECT COUNT(*) FROM deadlines d JOIN cases c ON c.id = d.case_id WHERE {IN_PERIOD}",
        )
    assert 5_000 < received == truth.received == summary["received"] < CASES
    assert summary["risk_cases"] == risk_cases == truth.risk_cases
    assert rows_of(report, "by_channel")["court"] == court == truth.by_channel["court"]
    assert summary["outcomes"]["withdrawn"] == withdrawn == truth.outcomes["withdrawn"]
    assert sum(r[2] for r in report.table("deadlines").rows) == deadlines

    assert rows_of(report, "by_type") == dict(truth.by_type)
    assert rows_of(report, "by_channel") == dict(truth.by_channel)
    assert rows_of(report, "by_region") == {k or "": v for k, v in truth.by_county.items()}
    assert rows_of(report, "by_org") == {k or "": v for k, v in truth.by_org.items()}
    assert {k: v for k, v in summary["outcomes"].items() if v} == dict(truth.outcomes)
    assert summary["settled"] == truth.outcomes["negotiated"] + truth.outcomes["mediated"]
    assert summary["concluded"] == truth.received - truth.outcomes["open"]
    assert summary["success_rate"] == round(summary["settled"] / summary["concluded"], 4)
    assert summary["median_days_to_settle"] == round(statistics.median(truth.settle_days), 1)
    assert (summary["amount_agreed"], summary["amount_paid"]) == (truth.agreed, truth.paid)
    assert summary["collective_cases"] == truth.collective
    assert summary["overdue_deadlines"] == truth.overdue
    assert elapsed < 30

    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == [t.title for t in report.tables] + ["图表"]
    assert [c.value for c in book["按纠纷类型"][1]] == ["纠纷类型", "代码", "受理案件数"]
    assert book["概况"]["A3"].value == "受理登记案件数" and book["概况"]["B3"].value == received
    assert len(book["图表"]._charts) == 3

    # Narrowed to a county, a city, or the cases one organization holds.
    org, expected = truth.org_cases.most_common(1)[0]
    with runtime.store.transaction() as session:
        county = reports.build(session, reports.ReportRequest(*PERIOD, region="350504"), NOW)
        city = reports.build(session, reports.ReportRequest(*PERIOD, region="350500"), NOW)
        held = reports.build(session, reports.ReportRequest(*PERIOD, org_id=org), NOW)
    assert county.summary["received"] == truth.region_350504
    assert city.summary["received"] == sum(v for k, v in truth.by_county.items() if k)
    assert held.summary["received"] == expected
    assert rows_of(held, "by_org") == {org: expected}


def test_the_cli_writes_xlsx_csv_and_json(settings: Settings, runtime: Runtime) -> None:
    with runtime.store.transaction() as session:
        Generator(session).run(300)
    env = {
        "DATABASE_URL": settings.database_url,
        "TIAOJIE_SECRET_KEY": settings.secret_key,
        "TIAOJIE_DATA_DIR": str(settings.data_dir),
    }
    out = Path(settings.data_dir) / "report.xlsx"
    args = ["report", "--from", "2026-02-01", "--to", "2026-05-31", "--format"]
    result = CliRunner().invoke(main, [*args, "xlsx", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "统计中" in result.stderr
    assert load_workbook(out).sheetnames[0] == "概况"
    result = CliRunner().invoke(main, [*args, "csv"], env=env)
    lines = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert lines[0] == ["概况"] and lines[1] == ["指标", "数值"]
    result = CliRunner().invoke(main, [*args, "json", "--region", "350504"], env=env)
    assert json.loads(result.stdout)["summary"]["region"] == "350504"
    bad = CliRunner().invoke(main, ["report", "--from", "2026-13-01", "--to", "x"], env=env)
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    exported = CliRunner().invoke(main, ["risk", "export", "--status", "open"], env=env)
    assert exported.exit_code == 0 and exported.stdout.lstrip("\ufeff").startswith("编号,登记时间")


def test_a_settlement_from_the_chat_is_counted_with_what_was_paid(
    chat: Chat, runtime: Runtime
) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("我们先给七成，分两次付清，下个月底前付完")
    employer.says("确认")  # the reading of the terms is right: now the worker sees them
    worker.says("同意")
    worker.taps("confirm_agreement")
    employer.says("确认协议")
    advance(worker, "P32D")
    worker.says("已收到")
    quitter = complain(chat, "另一位师傅")
    quitter.says("撤回")
    quitter.taps("withdraw_confirm")
    today = runtime.clock.now().astimezone(CHINA).date()
    with runtime.store.transaction() as session:
        report = reports.build(
            session, reports.ReportRequest(today - timedelta(days=40), today), runtime.clock.now()
        )
    summary = report.summary
    assert summary["received"] == 2 and summary["settled"] == 1
    assert summary["outcomes"]["negotiated"] == 1 and summary["outcomes"]["withdrawn"] == 1
    assert (summary["amount_agreed"], summary["amount_paid"]) == (16800, 8400)
    assert summary["success_rate"] == 0.5
    assert summary["followup"]["followups_done"] == 1
    assert summary["followup"]["instalments_paid"] == 1
    assert rows_of(report, "by_channel") == {"api": 2}
    assert rows_of(report, "by_region") == {"350504": 2}
    region = next(r[0] for r in report.table("by_region").rows)
    assert region == "泉州市洛江区"


def test_an_empty_period_is_a_report_of_zeros(runtime: Runtime) -> None:
    with runtime.store.transaction() as session:
        report = reports.build(session, reports.ReportRequest(*PERIOD), NOW)
    assert report.summary["received"] == 0 and report.summary["success_rate"] is None
    book = load_workbook(io.BytesIO(reports.render(report, "xlsx")))
    assert "图表" in book.sheetnames
