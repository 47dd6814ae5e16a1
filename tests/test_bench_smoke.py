"""The benchmark harness keeps working: a tiny run of `tiaojie bench http` and of the push
comparison against WeRoBot, on the suite's own database and Redis. No speed is asserted here
(figures belong to benchmarks, docs/benchmarks.md); what is checked is that every request was
answered 200 and that our messages really went through the pipeline into the database."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

from benchmarks import loadgen
from bot.cli import main
from storage.db import Store
from storage.models import Message, WechatPush
from tests.conftest import TEST_SECRET


@pytest.fixture
def service_env(
    app: Flask, migrated: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    """`tiaojie serve` under the harness uses the suite's database and Redis (no seeding),
    emptied first by the ``app`` fixture: no job, deadline or dev-clock offset another test
    left behind runs in the service the harness starts."""
    monkeypatch.setenv("DATABASE_URL", migrated)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("TIAOJIE_SECRET_KEY", TEST_SECRET)
    store = Store(migrated, TEST_SECRET)
    yield store
    store.dispose()


def _count(store: Store, query) -> int:  # type: ignore[no-untyped-def]
    with store.transaction() as session:
        return int(session.scalar(query) or 0)


def test_bench_http_prints_one_json_line_and_every_message_is_stored(service_env: Store) -> None:
    inbound = select(func.count()).select_from(Message).where(Message.direction == "in")
    before = _count(service_env, inbound)
    args = ["bench", "http", "--json", "--duration", "1", "--rounds", "1", "--connections", "2"]
    outcome = CliRunner().invoke(main, [*args, "--workers", "4", "--tool", "python", "--floor"])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    for key in ("endpoint_rps", "baseline_rps", "ratio", "p50_ms", "p99_ms", "worker_rss_mb"):
        assert result[key] > 0, key
    assert result["errors"] == 0
    # warm-up and the measured round: every answered message was stored once
    assert _count(service_env, inbound) - before >= result["requests"]
    # the floor contender did its work too: every message it answered is in its own file
    assert result["floor"]["rps"] > 0 and result["floor"]["errors"] == 0
    assert result["floor_stored"] >= result["floor"]["requests"] > 0


def test_bench_push_compares_with_werobot_and_every_push_is_logged(service_env: Store) -> None:
    pytest.importorskip("werobot")
    from benchmarks import push_bench

    before = _count(service_env, select(func.count()).select_from(WechatPush))
    result = push_bench.run(duration=1, rounds=1, connections=2)
    for name in ("ours", "werobot_session", "werobot_no_session", "bare"):
        assert result["contenders"][name]["rps"] > 0, name
        assert result["contenders"][name]["errors"] == 0, name
    assert result["times_werobot_session"] > 0
    pushes = _count(service_env, select(func.count()).select_from(WechatPush)) - before
    assert pushes >= result["rounds"][0]["ours"]["requests"]


def test_wrk_script_keeps_chinese_bytes_and_makes_ids_unique() -> None:
    template = loadgen.Template("POST", "/p?n={seq}", '{"text": "欠薪3个月"}', {"A": "b"})
    script = loadgen.wrk_script([template], run_id=7, threads=2)
    literal = loadgen._lua_literal("欠薪3个")
    # each UTF-8 byte as a three-digit escape: a digit after it cannot change it
    assert (
        literal == '"' + "".join(f"\\{b:03d}" for b in "欠薪".encode()) + "3\\228\\184\\170" + '"'
    )
    assert "local run_id = 107" in script  # three digits: ids stay unique across runs
