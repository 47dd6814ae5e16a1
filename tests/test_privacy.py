"""Personal numbers at rest and on the way out: a worker types a phone and an ID number, and
neither is found in clear in any table, nor in what leaves for the other parties (PIPL-28)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from bot.config import Settings
from bot.runtime import Runtime
from handlers.texts import CHINA
from handlers.types import CaseEvent
from storage import queries
from storage.models import AuditEvent, Base
from tests.chat import Chat, Person
from tests.fake_wechat import (  # noqa: F401  (pytest fixtures: fake WeChat, configured app)
    fake_wechat_fixture,
    push,
    text_push,
    wechat_app_fixture,
    wechat_chat_fixture,
    wechat_runtime_fixture,
    wechat_settings_fixture,
)
from tests.test_mediation import (  # noqa: F401  (quanzhou: a fixture)
    WANAN,
    in_mediation,
    mediator_of,
    quanzhou,
)
from tests.test_orgs import TEMPLATE, run

PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"  # a valid GB 11643 check digit
EMPLOYER_PHONE = "13800001111"
WORKER_NUMBERS = (PHONE, ID_NUMBER, ID_NUMBER[:17])
SECRETS = (*WORKER_NUMBERS, EMPLOYER_PHONE)

pytestmark = pytest.mark.usefixtures("quanzhou")  # the generated directory of 泉州


def raw_rows(runtime: Runtime) -> dict[str, list[str]]:
    """Every column of every row of every table, as the database returns it."""
    found: dict[str, list[str]] = {}
    with runtime.store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(text(f'SELECT * FROM "{table.name}"'))
            found[table.name] = [repr(value) for row in rows for value in row]
    return found


def leaks(values: list[Any], secrets: tuple[str, ...] = SECRETS) -> list[Any]:
    return [v for v in values if any(secret in v for secret in secrets)]


def worker_tells_everything(chat: Chat, runtime: Runtime) -> tuple[Person, Person, Person]:
    """Intake with both numbers, the employer's phone, a relay, mediation and an agreement."""
    worker = chat.login("worker", "曾师傅")
    worker.says(
        f"泉州鑫达鞋业有限公司拖欠我三个月工资，一共两万四，我电话{PHONE}，身份证号{ID_NUMBER}"
    )
    worker.says("洛江区万安街道")
    worker.says("每月八千")
    worker.says("干了两年")
    worker.says("还在上班")
    worker.says("就我自己")
    worker.taps("consent_employer")
    worker.says(f"单位王经理的电话是{EMPLOYER_PHONE}")
    token = worker.case["invitation"]["token"]
    employer = chat.login("employer", "鑫达鞋业 王经理")
    assert employer.post(f"/api/v1/invitations/{token}/join", {}).status_code == 200
    employer.case_id = worker.case_id
    worker.says(f"有事打我电话{PHONE}，我身份证是{ID_NUMBER}")
    worker.says("转人工")
    worker.says("同意")
    mediator = mediator_of(chat, runtime, WANAN)
    mediator.case_id = worker.case_id
    mediator.taps("accept_case")
    mediator.says("调解成功：单位支付两万，月底前一次付清")
    mediator.says("确认")
    worker.says("确认协议")
    employer.says("确认协议")
    chat.run_jobs()
    return worker, employer, mediator


def test_no_table_holds_a_phone_or_id_number_in_clear(chat: Chat, runtime: Runtime) -> None:
    worker, _, _ = worker_tells_everything(chat, runtime)
    # The worker reads back their own words (decrypted for them alone).
    assert any(PHONE in m["text"] for m in worker.case["messages"])
    rows = raw_rows(runtime)
    assert rows["messages"] and rows["outbound_messages"] and rows["audit_events"]
    assert {table: leaks(values) for table, values in rows.items() if leaks(values)} == {}


def test_the_other_parties_never_see_the_workers_numbers(chat: Chat, runtime: Runtime) -> None:
    worker, employer, mediator = worker_tells_everything(chat, runtime)
    for person in (employer, mediator):
        seen: list[Any] = [
            person.get(f"/api/v1/cases/{worker.case_id}").get_data(as_text=True),
            person.get(f"/api/v1/cases/{worker.case_id}/agreement").get_data(as_text=True),
            person.get("/api/v1/cases").get_data(as_text=True),
            person.get("/api/v1/inbox").get_data(as_text=True),
        ]
        assert leaks(seen, WORKER_NUMBERS) == [], person.role
    # The relayed words reached the employer, with the numbers masked.
    relayed = [i["text"] for i in employer.inbox() if "有事打我电话" in i["text"]]
    assert relayed and "139****5678" in relayed[0]
    # The employer's phone the worker gave is for the mediator alone (need to know).
    assert mediator.case["employer_contact"] == EMPLOYER_PHONE
    assert "employer_contact" not in employer.case


def reads(runtime: Runtime) -> list[tuple[str | None, str | None, dict[str, Any]]]:
    with runtime.store.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.action == "case_read").order_by(AuditEvent.id)
        return [(e.actor_id, e.case_id, dict(e.detail)) for e in session.scalars(query)]


def test_every_read_of_a_case_by_someone_but_its_worker_is_audited(
    chat: Chat, runtime: Runtime
) -> None:
    worker, employer, mediator = in_mediation(chat, runtime)
    mediator.says("调解成功：单位支付两万，月底前一次付清")
    mediator.says("确认")
    case = worker.case_id
    worker.get(f"/api/v1/cases/{case}")
    worker.get(f"/api/v1/cases/{case}/agreement")
    worker.get("/api/v1/cases")
    assert reads(runtime) == []  # the worker's own case

    employer.get(f"/api/v1/cases/{case}")
    mediator.get(f"/api/v1/cases/{case}/agreement")
    mediator.get(f"/api/v1/cases/{case}/agreement.pdf")
    employer.get("/api/v1/cases")
    assert reads(runtime) == [
        (employer.party_id, case, {"via": "api", "what": "case"}),
        (mediator.party_id, case, {"via": "api", "what": "agreement"}),
        (mediator.party_id, case, {"via": "api", "what": "agreement.pdf"}),
        (employer.party_id, case, {"via": "api", "what": "list"}),
    ]
    # A refused read (not a party: the same 404 as an unknown case) reads nothing.
    stranger = chat.login("employer", "别家公司")
    assert stranger.get(f"/api/v1/cases/{case}").status_code == 404
    assert len(reads(runtime)) == 4


def test_exports_carry_no_personal_numbers(chat: Chat, runtime: Runtime) -> None:
    """The risk ledger (list and CSV), the statistics report (CSV) after a collective case
    whose representative typed both numbers."""
    admin = chat.login("admin", "洛江区人社局")
    worker = chat.login("worker", "班长老周")
    worker.says(
        "宏达建筑工地包工头拖欠我们二十三个工友四个月工资，一共三十万，"
        f"我电话{PHONE}，身份证{ID_NUMBER}"
    )
    worker.says("洛江区万安街道")
    worker.says("每月三千七")
    worker.says("干了三年")
    worker.says("还在干")
    worker.says("同意")
    chat.run_jobs()
    day = runtime.clock.now().astimezone(CHINA).date().isoformat()
    exported = [
        admin.get("/api/v1/admin/risk-alerts").get_data(as_text=True),
        admin.get("/api/v1/admin/risk-alerts/export").get_data(as_text=True),
        admin.get(f"/api/v1/admin/reports?from={day}&to={day}&format=csv").get_data(as_text=True),
        admin.get("/api/v1/inbox").get_data(as_text=True),
    ]
    assert "mass_wage_arrears" in exported[0] and "三十万" not in exported[1]
    assert leaks(exported) == []


def test_the_directory_export_masks_mediators_phones_unless_asked(
    settings: Settings, runtime: Runtime
) -> None:
    assert run(settings, "orgs", "import", str(TEMPLATE))[0] == 0
    _, masked, _ = run(settings, "orgs", "export")
    assert "张调解员|138****0000|" in masked and "13800000000" not in masked
    _, full, _ = run(settings, "orgs", "export", "--with-contacts")
    assert "张调解员|13800000000|" in full
    # The masked export imported again keeps the phones on record.
    path = settings.data_dir / "masked.csv"
    path.write_text(masked, encoding="utf-8")
    assert run(settings, "orgs", "import", str(path))[0] == 0
    assert run(settings, "orgs", "export", "--with-contacts")[1] == full


def test_pushes_and_court_referrals_keep_no_number_in_clear(
    wechat_chat: Chat, wechat_runtime: Runtime, wechat_app: Flask
) -> None:
    client = wechat_app.test_client()
    for n, words in enumerate(
        (f"老板拖欠我三个月工资，电话{PHONE}", f"身份证{ID_NUMBER}", "泉州鑫达鞋业有限公司")
    ):
        assert push(client, text_push("o_worker", words, 100 + n)).status_code == 200
    wechat_chat.run_jobs()
    admin = wechat_chat.login("admin", "洛江区人社局")
    court_case = {
        "court": "泉州市洛江区人民法院",
        "court_case_no": "(2026)闽0504民初123号",
        "worker_name": "陈某",
        "employer": "泉州鑫达鞋业有限公司",
        "summary": f"陈某诉称单位拖欠工资两万元，联系电话{PHONE}",
        "place": "洛江区万安街道",
    }
    registered = admin.post("/api/v1/admin/court-cases", court_case)
    assert registered.status_code == 201, registered.get_json()
    case_id = registered.get_json()["id"]
    feedback = {"feedback": f"调解成功，陈某（身份证{ID_NUMBER}）已收到款项"}
    assert admin.post(f"/api/v1/admin/court-cases/{case_id}/feedback", feedback).status_code == 200
    rows = raw_rows(wechat_runtime)
    assert rows["wechat_pushes"] and rows["court_referrals"]
    assert {table: leaks(values) for table, values in rows.items() if leaks(values)} == {}


def test_a_reason_a_person_types_is_audited_with_numbers_masked(
    chat: Chat, runtime: Runtime
) -> None:
    """E.g. a mediator overruling the classifier says why, in words (console, PIPL-24)."""
    worker = chat.login("worker", "曾师傅")
    worker.says("老板拖欠我三个月工资了")
    reason = CaseEvent(reason=f"工人来电{PHONE}说明是工伤", rule="PIPL-24")
    with runtime.store.transaction() as session:
        queries.audit(
            session, runtime.clock.now(), None, worker.case_id, "overruled", None, None, reason
        )
    rows = raw_rows(runtime)
    assert leaks(rows["audit_events"]) == []
    assert any("139****5678" in v for v in rows["audit_events"])  # JSON may escape the rest
