"""People read the law in words, never a rule code: chat, notices, agreements and their PDF.

Rule codes (ECNMR-8, LCL-47, SEED-AH) stay in data, logs, the API's machine fields and the
mediator console; every text names the law through ``Rule.law`` or not at all.
"""

from __future__ import annotations

import ast
import re
import string
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import pdf
from bot.clock import CHINA, Clock
from bot.runtime import Runtime
from handlers import rules, texts, triage
from tests.chat import Chat
from tests.test_mediation import mediation_recorded, quanzhou  # noqa: F401 (fixture)
from tests.test_negotiation import complain, invite_employer

ROOT = Path(__file__).resolve().parent.parent
RULE_CODE = re.compile(r"\b[A-Z]{2,}-\d+|SEED-")
NOT_A_RULE = ("SHA-256",)  # the agreement PDF's digest line
MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=CHINA)


def codes_in(text: str) -> list[str]:
    for harmless in NOT_A_RULE:
        text = text.replace(harmless, "")
    return RULE_CODE.findall(text)


def every_text() -> dict[str, str]:
    """Every template in handlers/texts.py, by name (dict entries as NAME[key])."""
    found: dict[str, str] = {}
    for name, value in vars(texts).items():
        if name.isupper() and isinstance(value, str):
            found[name] = value
        elif name.isupper() and isinstance(value, dict):
            for key, item in value.items():
                for i, text in enumerate(item if isinstance(item, tuple) else (item,)):
                    if isinstance(text, str):
                        found[f"{name}[{key}][{i}]"] = text
    return found


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def naming_a_law() -> dict[str, str]:
    return {
        name: t for name, t in every_text().items() if any(f.startswith("law") for f in fields(t))
    }


@pytest.fixture(autouse=True)
def pinned(clock: Clock) -> None:
    clock.set_to(MONDAY)


def test_the_texts_that_name_a_law_render_it_in_words_for_every_rule() -> None:
    templates = naming_a_law()
    assert {"ROUTE_NEGOTIATE", "EMPLOYER_SILENT", "AGREEMENT_TEXT"} <= set(templates)
    assert "MEDIATION_AGREEMENT_TEXT" in templates and "CALC_COMPENSATION" in templates
    for rule in rules.ALL:
        for name, template in templates.items():
            values = {f: rule.law if f.startswith("law") else "1" for f in fields(template)}
            rendered = template.format(**values)
            assert not codes_in(rendered), (name, rule.code, rendered)
            assert rule.law in rendered, name


def test_no_text_carries_a_rule_code_or_tells_a_worker_of_the_risk_ledger() -> None:
    for name, template in every_text().items():
        assert not codes_in(template), (name, template)
        assert "{rule" not in template and "{seed" not in template, name
    routes = [t for n, t in every_text().items() if n.startswith(("ROUTE_", "REASON_"))]
    assert not any("台账" in t for t in routes)


def test_every_rule_has_its_own_code_and_its_law_in_words() -> None:
    assert len(rules.BY_CODE) == len(rules.ALL)  # no two rules share a code
    for rule in rules.ALL:
        assert "《" in rule.law and "》" in rule.law, rule.code
        assert not codes_in(rule.law) and not codes_in(rule.summary), rule.code
    assert rules.MEDIATION_AGREEMENT.code != rules.MEDIATION_PERIOD.code
    assert "随人社函〔2023〕57号" in rules.COURT_FEEDBACK.law
    assert "《关于进一步加强劳动人事争议协商调解工作的实施意见》" in rules.PEAK_PERIODS.law
    assert "青人社厅发〔2023〕70号" in rules.PEAK_PERIODS.law
    assert rules.law_of("LCL-47") == "《劳动合同法》第四十七条" and rules.law_of("LDMAL-99") is None


def test_every_protection_and_the_arbitration_help_name_their_laws_in_words() -> None:
    for protection in triage.PROTECTIONS:
        note = protection.note()
        assert not codes_in(note), protection.when
        assert all(rule.law in note for rule in protection.rules), protection.when
    said = triage.arbitration_help("350504001")
    assert not codes_in(said) and "《劳动争议调解仲裁法》第四十七条" in said


def test_this_table_lists_every_rule() -> None:
    """docs/rules.md: a row per rule, with its citation, and every test it names exists."""
    table = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line[:2] == "| "}
    for rule in rules.ALL:
        assert rule.code in rows, rule.code
        assert f"| {rule.law} |" in rows[rule.code], rule.code
    for module, name in re.findall(r"`(test_\w+)\.py::(test_\w+)`", table):
        source = (ROOT / "tests" / f"{module}.py").read_text(encoding="utf-8")
        assert f"def {name}(" in source, f"{module}::{name}"


def _format_calls(path: Path) -> list[tuple[int, str, ast.expr]]:
    """(line, keyword, value) of every ``texts.NAME.format(...)`` keyword in a module."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr == "format" and _is_a_text(node.func.value):
            calls += [(node.lineno, k.arg or "", k.value) for k in node.keywords]
    return calls


def _is_a_text(node: ast.expr) -> bool:
    """``texts.NAME``."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "texts"
    )


def test_no_code_hands_a_rule_code_to_a_text() -> None:
    modules = [*ROOT.glob("handlers/*.py"), *ROOT.glob("routing/*.py"), *ROOT.glob("bot/**/*.py")]
    for path in modules:
        for line, keyword, value in _format_calls(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            assert not (isinstance(value, ast.Attribute) and value.attr == "code"), where
            assert not keyword.startswith(("rule", "seed")), where


def test_an_unclear_labour_relation_is_decided_by_arbitration_or_a_court_not_the_mediator() -> None:
    decision = triage.decide(("labor_relation",), ("platform",), {}, date(2026, 11, 16))
    said = triage.explain(decision)
    assert "最终由劳动仲裁或法院认定" in said and "理清" in said
    assert "调解组织认定" not in said and "帮助认定" not in said
    assert texts.DISPUTE_NAMES["labor_relation"] == "确认劳动关系"  # LDMAL-2 (1), as the law says


def test_the_settlement_and_its_pdf_name_the_law_in_words(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = complain(chat)
    worker.hears("按《企业劳动争议协商调解规定》，单位应在5日内答复")
    employer = invite_employer(chat, worker)
    employer.says("两万四全给，月底前一次付清")
    employer.says("确认")
    worker.says("同意")
    worker.hears("对双方具有约束力，双方应当履行（《企业劳动争议协商调解规定》）")
    worker.says("确认协议")
    employer.says("确认协议")
    employer.hears("和解协议生效，对双方都有约束力（《企业劳动争议协商调解规定》）")
    agreement = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()
    assert "《企业劳动争议协商调解规定》" in agreement["text"] and not codes_in(agreement["text"])
    printed = _printed_lines(monkeypatch)
    assert worker.get(f"/api/v1/cases/{worker.case_id}/agreement.pdf").status_code == 200
    assert any("和解协议" in line for line in printed)
    assert not [line for line in printed if codes_in(line)]


def test_the_mediation_agreement_names_the_law_in_words(
    chat: Chat,
    runtime: Runtime,
    quanzhou: None,  # noqa: F811 (fixture)
) -> None:
    worker, employer, mediator = mediation_recorded(chat, runtime)
    chat.run_jobs()
    draft = next(i["text"] for i in worker.inbox() if "调解协议书" in i["text"])
    assert "（《劳动争议调解仲裁法》第十四条）" in draft
    assert "（《劳动人事争议仲裁办案规则》第七十四条）" in draft
    assert not codes_in(draft)
    worker.says("确认协议")
    employer.says("确认协议")
    mediator.says("盖章确认")
    mediator.hears("（《劳动争议调解仲裁法》第十四条）")
    assert not [reply for reply in mediator.replies if codes_in(reply)]
    chat.run_jobs()
    told = [i["text"] for i in employer.inbox() if "调解协议生效" in i["text"]]
    assert told and not [t for t in told if codes_in(t)]


def test_no_organization_found_is_said_as_it_is(chat: Chat) -> None:
    worker = chat.login("worker", "老许")
    worker.says("宏达建筑工地包工头拖欠我们二十三个工友四个月工资，一共三十万")
    worker.says("洛江区")
    worker.says("每月三千七")
    worker.says("干了三年")
    worker.says("还在干")
    worker.hears("集体争议（《劳动争议调解仲裁法》第七条）")
    worker.says("同意")
    worker.hears("我来为您找合适的调解组织")
    worker.hears("暂时没找到可以受理的调解组织")
    assert not any("已为您申请" in r or "已为您转交" in r for r in worker.replies)


def _printed_lines(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every line the agreement PDF prints, as given to reportlab."""
    printed: list[str] = []
    real = pdf.Paragraph

    def paragraph(text: str, *args: Any, **kwargs: Any) -> Any:
        printed.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(pdf, "Paragraph", paragraph)
    return printed
