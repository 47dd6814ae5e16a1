"""`tiaojie eval dialogs`: whole dialogues played through the real API, and their scoring.

The dialogues are our own, in the format of ../shared/data/dialogs/README.md, each pinned to
its own date; the checks read the case summary (state, asking, closed_reason, facts), never
the wording of replies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot import eval_dialogs as dialogs
from bot.cli import main

OPENING = "泉州鑫达鞋业有限公司拖欠我三个月工资，一共两万四"
ANSWERS = {
    "place": "洛江区万安街道",
    "employed": "还在上班",
    "headcount": "就我自己",
    "consent_employer": "同意",
}
FROM_OPENING = {"employer": "泉州鑫达鞋业有限公司", "amount": 24000, "months": 3}


def _dialogue(
    row_id: str, today: str, facts: dict[str, Any], nxt: str, **more: Any
) -> dict[str, Any]:
    expect = {"dispute_types": ["wage_arrears"], "flags": [], "facts": facts, "next": nxt}
    return {
        "id": row_id,
        "today": today,
        "opening": OPENING,
        "answers": ANSWERS,
        **more,
        "expect": expect,
    }


RIGHT = _dialogue(
    "t-right", "2026-03-02", {**FROM_OPENING, "employed": True, "headcount": 1}, "negotiate"
)
# The same conversation, with an expectation the case cannot meet: 25000 instead of 24000.
WRONG_FACT = _dialogue(
    "t-wrong", "2026-07-15", {**FROM_OPENING, "amount": 25000, "headcount": 1}, "negotiate"
)
WITHDRAW = _dialogue(
    "t-withdraw",
    "2025-12-31",
    FROM_OPENING,
    "withdrawn",
    interjections=[{"after": 1, "text": "撤回", "intent": "withdraw"}],
)


@pytest.fixture(scope="module")
def harness() -> Iterator[dialogs.Harness]:
    with dialogs.Harness() as harness:
        yield harness


@pytest.fixture(scope="module")
def results(harness: dialogs.Harness) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in dialogs.evaluate([RIGHT, WRONG_FACT, WITHDRAW], harness)}


def test_a_dialogue_understood_is_right(results: dict[str, dict[str, Any]]) -> None:
    result = results["t-right"]
    assert result["ok"], result["wrong"]
    assert result["wrong"] == [] and not result["loop"]
    assert result["got"]["next"] == "negotiate"
    assert result["case"]["state"] == "negotiating"
    assert result["case"]["asking"] is None  # nothing more is asked: intake is over
    assert result["case"]["closed_reason"] is None
    # The worker only ever said the opening and answers from the dialogue.
    said = [t["text"] for t in result["transcript"] if t["from"] == "worker"]
    assert said[0] == OPENING
    assert set(said[1:]) <= {*ANSWERS.values(), dialogs.SKIP}
    assert any(t["from"] == "assistant" for t in result["transcript"])


def test_a_wrong_fact_is_named_and_breaks_the_joint_score(
    results: dict[str, dict[str, Any]],
) -> None:
    result = results["t-wrong"]
    assert not result["ok"]
    assert result["wrong"] == ["amount: got 24000, expected 25000"]
    assert result["got"]["facts"]["amount"] == 24000
    assert result["got"]["next"] == "negotiate"


def test_a_withdrawal_is_confirmed_and_ends_withdrawn(results: dict[str, dict[str, Any]]) -> None:
    result = results["t-withdraw"]
    assert result["ok"], result["wrong"]
    assert result["case"]["state"] == "closed"
    assert result["case"]["closed_reason"] == "withdrawn"
    said = [t["text"] for t in result["transcript"] if t["from"] == "worker"]
    assert "撤回" in said and said[-1] != "撤回"  # the confirmation option was tapped


def test_the_summary(results: dict[str, dict[str, Any]]) -> None:
    summary = dialogs.summarize(results.values())
    assert summary["n"] == 3
    assert summary["joint"] == round(2 / 3, 4)
    assert summary["facts"]["amount"] == {"n": 3, "accuracy": round(2 / 3, 4)}
    assert summary["facts"]["employer"] == {"n": 3, "accuracy": 1.0}
    assert summary["next"] == 1.0 and summary["dispute_types"] == 1.0 and summary["flags"] == 1.0
    assert summary["urgent_n"] == 0 and summary["urgent_recall"] is None
    assert summary["false_urgent_rate"] == 0.0
    assert summary["loops"] == 0 and summary["errors"] == 0


def test_the_command_prints_the_failures_and_a_summary(tmp_path: Path) -> None:
    data = tmp_path / "dialogs.jsonl"
    rows = [RIGHT, WRONG_FACT]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    outcome = CliRunner().invoke(
        main, ["eval", "dialogs", "--data", str(data), "--json", "--fail-only"]
    )
    assert outcome.exit_code == 0, outcome.output
    lines = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert [line.get("id") for line in lines[:-1]] == ["t-wrong"]
    assert set(lines[0]) == {"id", "ok", "case", "got", "expect", "wrong", "transcript", "loop"}
    assert lines[-1]["summary"]["n"] == 2 and lines[-1]["summary"]["joint"] == 0.5


def test_facts_compare_as_numbers_months_and_trimmed_names() -> None:
    assert dialogs.fact_right("amount", 24000.0, 24000)
    assert not dialogs.fact_right("amount", "两万四", 24000)
    assert dialogs.fact_right("left_date", "2026-11-15", "2026-11")
    assert dialogs.fact_right("employer", " 宏泰 建筑", "宏泰建筑")
    assert not dialogs.fact_right("employer", "宏泰建筑 包工头姓刘", "宏泰建筑")
    assert not dialogs.fact_right("employed", None, False)
    assert dialogs.got_facts({"facts": {"left_date": "2026-11-15", "place": "x"}}) == {
        "left_date": "2026-11"
    }


def test_next_from_the_final_case() -> None:
    assert dialogs.next_of(None) == "not_labor"
    assert dialogs.next_of({"state": "awaiting_consent"}) == "stuck"
    assert dialogs.next_of({"state": "mediating"}) == "escalate"
    assert dialogs.next_of({"state": "closed", "closed_reason": "erased"}) == "erased"
    assert dialogs.next_of({"state": "closed", "closed_reason": "paid"}) == "closed"
    assert dialogs.next_of({"state": "negotiating"}, "HTTP 500 internal") == "error"


def test_answers_for_what_is_asked() -> None:
    assert dialogs.answer_for("amount", {"amount": "两万三"}) == "两万三"
    assert dialogs.answer_for("months", {"amount": "两万三"}) == dialogs.SKIP
    assert dialogs.answer_for("confirm:amount", {}) == dialogs.CONFIRM
    assert dialogs.answer_for("something_new", {"something_new": "x"}) == dialogs.SKIP


def test_the_held_out_fifth_is_fixed_by_the_id() -> None:
    rows = [{"id": f"x{i:04d}"} for i in range(50)]
    held = dialogs.split(rows, "holdout")
    tuned = dialogs.split(rows, "tune")
    assert len(held) + len(tuned) == 50 and held
    for row in held:
        assert int(hashlib.sha1(row["id"].encode()).hexdigest(), 16) % 5 == 0


def test_a_question_asked_back_gets_the_same_answer_again() -> None:
    said = {"amount": "九千二"}
    assert dialogs.answer_for("amount", said) == "九千二"
    assert dialogs.answer_for("again:amount", said) == "九千二"
    assert dialogs.answer_for("again:months", said) == dialogs.SKIP
