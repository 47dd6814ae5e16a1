"""`tiaojie nlp eval|classify` and `tiaojie bench nlp` on small corpora of our own."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from nlp.evaluate import evaluate, is_holdout, read_jsonl, split

EXPECT = Path(__file__).parent / "data" / "nlp_expect.jsonl"
TODAY = "2025-03-20"  # what relative dates count from, as in nlp_expect.jsonl
ROWS = [
    {"id": "a", "text": "老板拖欠我三个月工资", "labels": ["wage_arrears"], "flags": []},
    {"id": "b", "text": "我想离婚，孩子归谁", "labels": ["not_labor"], "flags": []},
    {"id": "c", "text": "工地上摔伤了腿", "labels": ["work_injury"], "flags": ["construction"]},
]


def test_report_shape_and_perfect_scores() -> None:
    report = evaluate([{**row, "today": TODAY} for row in ROWS])
    assert {"macro_f1", "per_label", "flags", "extraction"} <= set(report)
    assert report["per_label"]["wage_arrears"]["f1"] == 1.0
    assert report["per_label"]["not_labor"]["f1"] == 1.0
    assert report["flags"]["per_flag"]["construction"]["f1"] == 1.0
    assert report["confusions"] == []


def test_holdout_is_a_fixed_quarter() -> None:
    ids = [f"row-{i}" for i in range(2000)]
    share = sum(map(is_holdout, ids)) / len(ids)
    assert 0.22 < share < 0.28
    rows = [{"id": i} for i in ids]
    assert len(split(rows, "tune")) + len(split(rows, "holdout")) == len(rows)


def test_cli_eval_json() -> None:
    result = CliRunner().invoke(main, ["nlp", "eval", "--data", str(EXPECT), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["extraction"]["amount_yuan"]["exact"] >= 0.95


def test_cli_classify_text_json() -> None:
    text = "我们二十几个工友在泉州洛江区万安街道的鑫达鞋厂，老板拖欠三个月工资三万二"
    result = CliRunner().invoke(main, ["nlp", "classify", "--json", "--today", TODAY, text])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["labels"][0]["label"] == "wage_arrears"
    assert out["labels"][0]["terms"][0].keys() == {"term", "start", "end"}
    assert "collective" in {flag["label"] for flag in out["flags"]}
    facts = out["facts"]
    assert (facts["amount_yuan"], facts["months_unpaid"], facts["headcount"]) == (32000, 3, 20)
    assert facts["employer"] == "鑫达鞋厂"
    assert facts["location"] == {
        "province": "福建省",
        "city": "泉州市",
        "county": "洛江区",
        "township": "万安街道",
        "code": "350504001",
    }


def test_cli_classify_corpus_prints_one_line_per_input() -> None:
    result = CliRunner().invoke(main, ["nlp", "classify", "--today", TODAY, "--data", str(EXPECT)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["id"] for line in lines] == [row["id"] for row in read_jsonl(EXPECT)]


def test_cli_bench_runs_on_a_small_corpus() -> None:
    args = ["bench", "nlp", "--data", str(EXPECT), "--rounds", "1", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["msgs_per_s"]["classify"] > 0 and out["ratio_classify_vs_lcut"] > 0
