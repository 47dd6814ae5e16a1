"""Console accounts: made on the command line, passwords kept with scrypt and rehashed when the
parameters are raised, logging out, and the live updates of the case page."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from bot import passwords
from bot.cli import main
from bot.config import Settings
from bot.runtime import Runtime
from storage.models import ConsoleAccount, Mediator, Party
from tests.chat import Chat
from tests.test_console import PASSWORD, Desk, add_console_user, escalated_to_wanan
from tests.test_mediation import WANAN, org_id, quanzhou  # noqa: F401


def cli_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        "TIAOJIE_ENV": "test",
        "TIAOJIE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "TIAOJIE_SECRET_KEY": settings.secret_key,
    }


def test_tiaojie_console_user_add_makes_a_mediator_who_can_log_in(
    app: Flask,
    runtime: Runtime,
    settings: Settings,
    tmp_path: Path,
    quanzhou: None,  # noqa: F811
) -> None:
    wanan = org_id(runtime, WANAN)
    args = ["console", "user", "add", "--username", "lin", "--name", "林调解员"]
    args += ["--role", "mediator", "--org", wanan, "--password-stdin"]
    made = CliRunner().invoke(main, args, input=PASSWORD + "\n", env=cli_env(settings, tmp_path))
    assert made.exit_code == 0, made.output
    assert "console user lin (mediator) created" in made.output

    again = CliRunner().invoke(main, args, input=PASSWORD + "\n", env=cli_env(settings, tmp_path))
    assert again.exit_code != 0 and "用户名“lin”已被使用。" in again.output
    short = ["console", "user", "add", "--username", "he", "--name", "何", "--role", "admin"]
    refused = CliRunner().invoke(
        main, [*short, "--password-stdin"], input="1234\n", env=cli_env(settings, tmp_path)
    )
    assert refused.exit_code != 0 and "密码至少8个字符。" in refused.output

    with runtime.store.transaction() as session:
        account = session.scalars(select(ConsoleAccount)).one()
        party = session.get(Party, account.party_id)
        roster = session.scalars(select(Mediator).where(Mediator.party_id == account.party_id))
        assert party is not None and (party.role, party.org_id, party.openid) == (
            "mediator",
            wanan,
            None,
        )
        assert [m.org_id for m in roster] == [wanan]  # on the organization's roster
        assert account.password_hash.startswith("scrypt$") and PASSWORD not in account.password_hash
    desk = Desk(app)
    desk.login("lin")
    desk.sees("林调解员（泉州市洛江区万安街道劳动人事争议调解中心）")


def test_a_password_hashed_with_older_parameters_is_rehashed_at_login(
    app: Flask, runtime: Runtime
) -> None:
    add_console_user(runtime, "admin", "管理员", "admin")
    weaker = passwords.Params(n=2**12, r=8, p=1)
    with runtime.store.transaction() as session:
        account = session.scalars(select(ConsoleAccount)).one()
        account.password_hash = passwords.hash_password(PASSWORD, weaker)
    assert passwords.needs_rehash(account.password_hash)
    Desk(app).login("admin")
    with runtime.store.transaction() as session:
        stored = session.scalars(select(ConsoleAccount.password_hash)).one()
    assert not passwords.needs_rehash(stored) and passwords.verify(PASSWORD, stored)
    assert not passwords.verify(PASSWORD + "x", stored)


def test_logging_out_ends_the_session(app: Flask, runtime: Runtime) -> None:
    add_console_user(runtime, "admin", "管理员", "admin")
    desk = Desk(app)
    desk.login("admin")
    desk.submit("/console/logout", {})
    desk.sees("您已退出登录。")
    back = desk.client.get("/console/admin/orgs")
    assert back.status_code == 302 and "/console/login" in back.headers["Location"]


def test_the_case_page_receives_new_messages_without_a_reload(
    app: Flask,
    chat: Chat,
    runtime: Runtime,
    quanzhou: None,  # noqa: F811
) -> None:
    add_console_user(runtime, "lin", "林调解员", "mediator", WANAN)
    worker, employer = escalated_to_wanan(chat)
    desk = Desk(app)
    desk.login("lin")
    desk.open(f"/console/cases/{worker.case_id}")
    desk.sees('role="log" aria-live="polite"')
    desk.submit(f"/console/cases/{worker.case_id}/actions", {"action": "accept_case"})
    cursor = desk.client.get(f"/console/cases/{worker.case_id}/updates").get_json()
    assert cursor["state"] == "mediating"

    employer.says("我们愿意先付一半")
    chat.run_jobs()
    path = f"/console/cases/{worker.case_id}/updates?m={cursor['m']}&o={cursor['o']}"
    news = desk.client.get(path).get_json()
    said = [(line["speaker"], line["seen_by"], line["text"]) for line in news["lines"]]
    assert ("单位", "单位", "我们愿意先付一半") in said  # the employer's own message
    assert ("调解助手", "调解员", "单位：我们愿意先付一半") in said  # relayed to the mediator
    assert news["m"] > cursor["m"] and news["o"] > cursor["o"]
    quiet = desk.client.get(
        f"/console/cases/{worker.case_id}/updates?m={news['m']}&o={news['o']}"
    ).get_json()
    assert quiet["lines"] == []
