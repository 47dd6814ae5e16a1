"""`tiaojie` commands: serve, worker, db, nlp, eval, bench, orgs, holidays."""

from __future__ import annotations

import sys
from typing import Any

import click

from bot.config import ConfigError, Settings


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as error:
        raise click.ClickException(f"invalid settings: {error}") from error


@click.group()
def main() -> None:
    """调解助手 tiaojie: labour-dispute negotiation and mediation by chat."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="web worker processes")
@click.option(
    "--fake-wechat",
    is_flag=True,
    help="development: run a local fake WeChat API and point the service at it",
)
def serve(host: str, port: int, workers: int, fake_wechat: bool) -> None:
    """Run everything: embedded Redis (unless REDIS_URL), migrations, RQ worker, web server."""
    from bot.serve import Service

    service = Service(
        _settings(), host=host, port=port, web_workers=workers, fake_wechat=fake_wechat
    )
    sys.exit(service.run())


@main.group("wechat")
def wechat_group() -> None:
    """Development: talk to `tiaojie serve --fake-wechat` as WeChat would."""


def _fake_state() -> dict[str, str]:
    from bot.fake_wechat import read_state

    try:
        return read_state(_settings().data_dir)
    except LookupError as error:
        raise click.ClickException(str(error)) from error


@wechat_group.command("push")
@click.argument("text")
@click.option("--openid", default="o_demo", show_default=True, help="the WeChat user")
@click.option("--aes", "safe_mode", is_flag=True, help="safe mode (encrypted) instead of plain")
@click.option("--wait", default=5.0, show_default=True, help="seconds to wait for the reply")
def wechat_push(text: str, openid: str, safe_mode: bool, wait: float) -> None:
    """Send TEXT to the push endpoint as a signed WeChat message; print what WeChat received."""
    import time

    from bot.fake_wechat import received, send_push

    state = _fake_state()
    before = len(received(state, openid))
    msg_id = send_push(state, openid, text, safe_mode=safe_mode)
    click.echo(f"pushed MsgId {msg_id} from {openid}")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        new = received(state, openid)[before:]
        if new:
            for call in new:
                click.echo(_sent_text(call))
            return
        time.sleep(0.2)
    click.echo("no reply reached the fake WeChat yet (see `tiaojie wechat calls`)")


@wechat_group.command("calls")
@click.option("--openid", default=None, help="only messages to this user")
def wechat_calls(openid: str | None) -> None:
    """What the fake WeChat received: customer-service and subscribe messages, oldest first."""
    from bot.fake_wechat import received

    for call in received(_fake_state(), openid):
        click.echo(_sent_text(call))


def _sent_text(call: dict[str, Any]) -> str:
    body = call.get("body") or {}
    if call["endpoint"] == "custom_send":
        return f"→ {body.get('touser')} 客服消息: {(body.get('text') or {}).get('content', '')}"
    data = body.get("data") or {}
    values = " / ".join(str(v.get("value", "")) for v in data.values())
    return f"→ {body.get('touser')} 订阅消息 {body.get('template_id')}: {values}"


@main.command()
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
def worker(burst: bool) -> None:
    """Run an RQ worker with its scheduler (production: one or more beside gunicorn)."""
    from bot.worker import run_worker

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set (only `tiaojie serve` embeds Redis)")
    run_worker(settings, burst=burst)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (serve does this on start)."""
    from storage.db import Store

    settings = _settings()
    store = Store(settings.database_url, settings.secret_key)
    store.upgrade()
    store.dispose()
    click.echo("database is up to date")


@main.group("nlp")
def nlp_group() -> None:
    """Understanding complaints: evaluate and try the classifier."""


@nlp_group.command("eval")
@click.option("--data", "data", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="one JSON object instead of a table")
@click.option(
    "--part",
    type=click.Choice(["all", "tune", "holdout"]),
    default="all",
    show_default=True,
    help="all lines, or the tuning 3/4 / held-out 1/4 (fixed by a hash of the id)",
)
@click.option("--cv", "cv", type=int, help="k-fold cross-validation over the training rows")
def nlp_eval(data: str | None, as_json: bool, part: str, cv: int | None) -> None:
    """Per-label P/R/F1, macro-F1, flag F1 and extraction exact match on a corpus file.

    With --cv K: K-fold cross-validated scores over all the training rows (`tiaojie nlp
    train`), each fold classified by a model trained without it, plus urgent recall.
    """
    import json

    from nlp.evaluate import evaluate, format_report, read_jsonl, split

    if cv:
        from nlp.train import cross_validate, format_cv, training_rows

        result = cross_validate(training_rows(), folds=cv)
        click.echo(json.dumps(result, ensure_ascii=False) if as_json else format_cv(result))
        return
    if not data:
        raise click.UsageError("give --data FILE (or --cv K)")
    report = evaluate(split(read_jsonl(data), part))
    click.echo(json.dumps(report, ensure_ascii=False) if as_json else format_report(report))


@nlp_group.command("eval-terms")
@click.option("--data", "data", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="one JSON line per item, then the summary")
@click.option(
    "--part",
    type=click.Choice(["all", "tune", "holdout"]),
    default="all",
    show_default=True,
    help="all lines, or the tuning 4/5 / held-out 1/5 (fixed by a hash of the id)",
)
def nlp_eval_terms(data: str, as_json: bool, part: str) -> None:
    """Settlement terms: kind accuracy, total and schedule exact, per-field accuracy."""
    import json

    from nlp import terms_eval
    from nlp.evaluate import read_jsonl

    readings, summary = terms_eval.evaluate(terms_eval.split(read_jsonl(data), part))
    if not as_json:
        click.echo(terms_eval.format_summary(summary))
        return
    for line in readings:
        click.echo(json.dumps(line, ensure_ascii=False))
    click.echo(json.dumps(summary, ensure_ascii=False))


@nlp_group.command("train")
def nlp_train() -> None:
    """Learn the classifier's term weights into nlp/data/weights.json (needs the train extra)."""
    from nlp.train import WEIGHTS, train

    doc = train()
    click.echo(f"{len(doc['terms'])} weighted terms → {WEIGHTS}")


@nlp_group.command("classify")
@click.argument("text", required=False)
@click.option("--data", type=click.Path(exists=True, dir_okay=False), help="classify a corpus")
@click.option("--json", "as_json", is_flag=True, help="JSON output (always on with --data)")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="anchor for relative dates")
def nlp_classify(text: str | None, data: str | None, as_json: bool, today: Any) -> None:
    """Classify TEXT, or every line of --data (one JSON line each, with its id)."""
    import json

    from nlp.evaluate import format_prediction, predict, read_jsonl

    day = today.date() if today else None
    if data:
        for row in read_jsonl(data):
            line = {"id": row.get("id"), **predict(str(row.get("text", "")), day)}
            click.echo(json.dumps(line, ensure_ascii=False))
        return
    if text is None:
        raise click.UsageError("give a TEXT or --data FILE")
    result = predict(text, day)
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else format_prediction(result))


@main.group("eval")
def eval_group() -> None:
    """Measure the conversation end to end."""


@eval_group.command("dialogs")
@click.option("--data", "data", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="JSON lines, then a summary line")
@click.option("--fail-only", is_flag=True, help="only the dialogues not fully right")
@click.option(
    "--part",
    type=click.Choice(["all", "tune", "holdout"]),
    default="all",
    show_default=True,
    help="all lines, or the tuning 4/5 / held-out 1/5 (fixed by a hash of the id)",
)
def eval_dialogs(data: str, as_json: bool, fail_only: bool, part: str) -> None:
    """Play whole intake dialogues through the real API (in process) and score the cases."""
    import json

    from bot import eval_dialogs as dialogs
    from nlp.evaluate import read_jsonl

    rows = dialogs.split(read_jsonl(data), part)
    results = []
    with (
        dialogs.Harness() as harness,
        click.progressbar(length=len(rows), label="dialogues", file=sys.stderr) as bar,
    ):
        for result in dialogs.evaluate(rows, harness):
            results.append(result)
            bar.update(1)
            if fail_only and result["ok"]:
                continue
            line = dialogs.public(result)
            click.echo(
                json.dumps(line, ensure_ascii=False) if as_json else dialogs.format_line(line)
            )
    summary = dialogs.summarize(results)
    if as_json:
        click.echo(json.dumps({"summary": summary}, ensure_ascii=False))
    else:
        click.echo(dialogs.format_summary(summary))


@main.group()
def bench() -> None:
    """Throughput benchmarks (ratios against a baseline measured in the same run)."""


@bench.command("nlp")
@click.option("--data", type=click.Path(exists=True, dir_okay=False), help="default: dev corpus")
@click.option("--rounds", default=5, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def bench_nlp(data: str | None, rounds: int, as_json: bool) -> None:
    """Our classifier vs raw jieba.lcut on the same texts: msgs/s, ratio, first call, RSS."""
    import json
    from pathlib import Path

    module = _benchmark("nlp_bench")
    corpus = Path(data) if data else module.DEFAULT_DATA
    if not corpus.exists():
        raise click.ClickException(f"{corpus} not found: pass --data FILE.jsonl")
    result = module.run(module.load_texts(corpus), rounds=rounds)
    click.echo(json.dumps(result) if as_json else module.format_result(result))


def _benchmark(name: str) -> Any:
    """A module of benchmarks/ (a source checkout's, not installed with the package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.exists():
        raise click.ClickException(f"{path} not found: run from a source checkout")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@bench.command("route")
@click.option("--orgs", default=100_000, show_default=True, type=int)
@click.option("--lookups", default=20_000, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def bench_route(orgs: int, lookups: int, as_json: bool) -> None:
    """Nearest-organization lookups at N organizations: p50/p99, against a linear scan."""
    import json

    module = _benchmark("route_bench")
    result = module.run(orgs=orgs, lookups=lookups)
    click.echo(json.dumps(result) if as_json else module.format_result(result))


def _bench_options(function: Any) -> Any:
    for option in (
        click.option("--json", "as_json", is_flag=True, help="one JSON line"),
        click.option("--duration", default=10.0, show_default=True, help="seconds per run"),
        click.option("--connections", default=16, show_default=True, help="concurrent"),
        click.option("--rounds", default=3, show_default=True, help="runs each; medians"),
        click.option("--tool", type=click.Choice(["auto", "wrk", "python"]), default="auto"),
    ):
        function = option(function)
    return function


def _bench_report(module: Any, result: dict[str, Any], as_json: bool) -> None:
    import json

    click.echo(json.dumps(result, ensure_ascii=False) if as_json else module.format_result(result))


@bench.command("http")
@_bench_options
@click.option("--workers", default=300, show_default=True, help="workers logged in first")
@click.option("--floor", is_flag=True, help="also the least our duties cost (floor_app.py)")
def bench_http(
    as_json: bool,
    duration: float,
    connections: int,
    rounds: int,
    tool: str,
    workers: int,
    floor: bool,
) -> None:
    """POST /api/v1/messages under load vs bare Flask, same run (gunicorn -w2, wrk)."""
    module = _benchmark("http_bench")
    kwargs = {"duration": duration, "connections": connections, "rounds": rounds, "tool": tool}
    _bench_report(module, module.run(workers=workers, floor=floor, **kwargs), as_json)


@bench.command("push")
@_bench_options
def bench_push(as_json: bool, duration: float, connections: int, rounds: int, tool: str) -> None:
    """The WeChat push endpoint vs WeRoBot (with and without session) and bare Flask."""
    module = _benchmark("push_bench")
    kwargs = {"duration": duration, "connections": connections, "rounds": rounds, "tool": tool}
    _bench_report(module, module.run(**kwargs), as_json)


@bench.command("soak")
@click.option("--minutes", default=10.0, show_default=True)
@click.option("--connections", default=4, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_soak(minutes: float, connections: int, as_json: bool) -> None:
    """Constant bounded load for N minutes; RSS of every process over time, and its slope."""
    module = _benchmark("soak")
    _bench_report(module, module.run(minutes=minutes, connections=connections), as_json)


@main.group("holidays")
def holidays_group() -> None:
    """The official 放假安排 (holidays and 调休 working days) periods are counted with."""


@holidays_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def holidays_load(path: str) -> None:
    """Load a year's 放假安排: CSV lines date(or first~last),holiday|workday,name."""
    from pathlib import Path

    from bot import holidays

    settings = _settings()
    try:
        years = holidays.load(settings.data_dir, Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(f"nothing loaded: {error}") from error
    click.echo(f"loaded {', '.join(map(str, years))} into {holidays.path(settings.data_dir)}")


@holidays_group.command("show")
@click.option("--through", type=int, help="the last year to check (default: next year)")
def holidays_show(through: int | None) -> None:
    """Which years periods are counted with the official calendar, and which not."""
    from bot import holidays
    from bot.clock import Clock
    from handlers import calendar
    from handlers.texts import CHINA

    calendar.use_holiday_file(holidays.path(_settings().data_dir))
    shipped = calendar.package_years()
    click.echo(f"chinese_calendar package: {shipped[0]}–{shipped[-1]}")
    loaded = sorted(calendar.loaded_years())
    click.echo(f"loaded: {', '.join(map(str, loaded)) or 'none'}")
    last = through or Clock().now().astimezone(CHINA).year + 1
    for year in holidays.missing(shipped[0], last):
        click.echo(
            f"no 放假安排 for {year}: periods ending then are counted Monday to Friday "
            "(load it: tiaojie holidays load FILE)",
            err=True,
        )


@main.group()
def orgs() -> None:
    """The mediation organization directory."""


def _store(settings: Settings) -> Any:
    from storage.db import Store

    store = Store(settings.database_url, settings.secret_key)
    store.upgrade()
    return store


@orgs.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def orgs_import(path: str) -> None:
    """Import organizations and mediators from CSV/XLSX (all rows valid, or nothing)."""
    from pathlib import Path

    from bot import orgs as directory
    from bot.clock import Clock

    settings = _settings()
    store = _store(settings)
    try:
        raws = directory.read_rows(Path(path))
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    with (
        store.transaction() as session,
        click.progressbar(length=len(raws), label="importing", file=sys.stderr) as bar,
    ):
        report = directory.import_rows(session, store.cipher, raws, Clock().now(), bar.update)
    store.dispose()
    if not report.ok:
        for row, problem in report.errors:
            click.echo(f"第{row}行：{problem}", err=True)
        bad = len({row for row, _ in report.errors})
        raise click.ClickException(f"{bad} of {report.rows} rows are invalid; nothing imported")
    click.echo(
        f"{report.rows} rows: {report.inserted} added, {report.updated} updated, "
        f"{report.mediators} mediators"
    )


@orgs.command("export")
@click.option("--out", type=click.Path(dir_okay=False), help="default: standard output")
@click.option("--with-contacts", is_flag=True, help="mediators' phones in full (masked by default)")
def orgs_export(out: str | None, with_contacts: bool) -> None:
    """Export the directory as CSV in the import template's format."""
    from bot import orgs as directory

    store = _store(_settings())
    with store.transaction() as session:
        text = directory.export_csv(session, store.cipher, contacts=with_contacts)
    store.dispose()
    if out:
        with open(out, "w", encoding="utf-8-sig", newline="") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)


@orgs.command("generate")
@click.option("--region", default="all", show_default=True, help="admin code, or all")
def orgs_generate(region: str) -> None:
    """Build a realistic, clearly marked (generated) directory from the gazetteer."""
    from bot import orgs as directory
    from bot.clock import Clock
    from routing.directory import divisions

    if region != "all" and region not in divisions():
        raise click.ClickException(f"unknown admin code {region!r}")
    store = _store(_settings())
    total = sum(1 for _ in directory.generate(region))
    with (
        store.transaction() as session,
        click.progressbar(length=total, label="generating", file=sys.stderr) as bar,
    ):
        inserted, updated = directory.generate_directory(session, region, Clock().now(), bar.update)
    store.dispose()
    click.echo(f"{inserted + updated} generated organizations: {inserted} added, {updated} updated")


@main.command()
@click.option("--text", required=True, help="what the worker wrote")
@click.option("--lat", type=float)
@click.option("--lng", type=float)
@click.option("--json", "as_json", is_flag=True)
def route(text: str, lat: float | None, lng: float | None, as_json: bool) -> None:
    """Where a complaint would be routed, and why (uses the directory in the database)."""
    import json
    from datetime import date

    import nlp
    from bot.directory import load
    from routing.policy import Request, route_case

    facts = nlp.extract(text, today=date.today())
    place = facts.get("place")
    classification = nlp.classify(text)
    request = Request(
        place_code=(place.detail or {}).get("code") if place else None,
        place_name=str(place.value) if place else None,
        point=(lat, lng) if lat is not None and lng is not None else None,
        dispute_types=classification.dispute_types,
        flags=classification.flag_names,
        employer=str(facts["employer"].value) if "employer" in facts else None,
    )
    store = _store(_settings())
    with store.transaction() as session:
        result = route_case(request, load(session))
    store.dispose()
    if result is None:
        raise click.ClickException("no organization found (generate or import a directory)")
    data = result.as_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"{result.org.name}  ({result.step})")
    for reason in result.reasons:
        click.echo(f"  - {reason.text}")
    for org in result.alternatives:
        click.echo(f"  或：{org.name}")


@main.command()
@click.option("--from", "start", required=True, help="first day, YYYY-MM-DD (Beijing time)")
@click.option("--to", "end", required=True, help="last day, included")
@click.option("--region", help="admin code of a province, city, county or township")
@click.option("--org", "org_id", help="organization id (cases it holds)")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="json", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False), help="default: standard output")
def report(
    start: str, end: str, region: str | None, org_id: str | None, fmt: str, out: str | None
) -> None:
    """Statistics report (统计报告): cases received, outcomes, amounts, deadlines, 回访, risk."""
    from bot import reports
    from bot.clock import Clock

    store = _store(_settings())
    steps = reports.BUILD_STEPS + reports.render_steps(fmt)
    try:
        first, last = reports.parse_date(start, "--from"), reports.parse_date(end, "--to")
        with (
            store.transaction() as session,
            click.progressbar(length=steps, label="统计中", file=sys.stderr) as bar,
        ):
            ask = reports.ReportRequest(first, last, region, reports.check_org(session, org_id))
            body = reports.render(
                reports.build(session, ask, Clock().now(), bar.update), fmt, bar.update
            )
    except reports.BadRequest as error:
        raise click.ClickException(str(error)) from error
    finally:
        store.dispose()
    _write(body, out)


def _write(body: bytes, out: str | None) -> None:
    if out:
        with open(out, "wb") as handle:
            handle.write(body)
        click.echo(f"written to {out}", err=True)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()


@main.command()
@click.option("--dry-run", is_flag=True, help="only count what would be erased")
def purge(dry_run: bool) -> None:
    """Erase what is kept past retention (PIPL-19); the worker also runs this daily."""
    from bot import logs, retention
    from bot.clock import Clock

    settings = _settings()
    logs.setup(settings)
    store = _store(settings)
    try:
        result = retention.purge(store, settings, Clock().now(), dry_run=dry_run)
    finally:
        store.dispose()
    verb = "would erase" if dry_run else "erased"
    for kind, count in result.counts.items():
        click.echo(f"{verb} {count:>7} {kind}")


@main.group("risk")
def risk_group() -> None:
    """The risk ledger (风险台账)."""


@risk_group.command("export")
@click.option("--status", type=click.Choice(["open", "acknowledged", "closed"]))
@click.option("--kind", help="alert kind, e.g. repeat_employer")
@click.option("--region", help="admin code")
@click.option("--from", "start", help="raised on or after, YYYY-MM-DD")
@click.option("--to", "end", help="raised on or before, YYYY-MM-DD")
@click.option("--out", type=click.Path(dir_okay=False), help="default: standard output")
def risk_export(
    status: str | None,
    kind: str | None,
    region: str | None,
    start: str | None,
    end: str | None,
    out: str | None,
) -> None:
    """Export the risk ledger as CSV (Chinese headers), newest first."""
    from bot import reports
    from storage import queries

    store = _store(_settings())
    try:
        where = reports.risk_filter(status=status, kind=kind, region=region, start=start, end=end)
        with store.transaction() as session:
            _, alerts = queries.risk_alerts(session, where)
            text = reports.risk_csv(alerts)
    except reports.BadRequest as error:
        raise click.ClickException(str(error)) from error
    finally:
        store.dispose()
    _write(text.encode("utf-8-sig"), out)


@main.group("console")
def console_group() -> None:
    """The mediator and administrator web console (/console)."""


@console_group.group("user")
def console_user() -> None:
    """Console accounts."""


@console_user.command("add")
@click.option("--username", required=True, help="the login name")
@click.option("--name", required=True, help="the name people see, e.g. 林调解员")
@click.option("--role", type=click.Choice(["mediator", "admin"]), required=True)
@click.option("--org", "org_id", help="the organization id (mediators)")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def console_user_add(
    username: str, name: str, role: str, org_id: str | None, password_stdin: bool
) -> None:
    """Create a console account (the password is asked for, or read with --password-stdin)."""
    from bot.clock import Clock
    from bot.console.auth import ConsoleUserError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    store = _store(_settings())
    try:
        with store.transaction() as session:
            account = create_user(
                session,
                username=username,
                password=password,
                name=name,
                role=role,
                org_id=org_id,
                now=Clock().now(),
            )
            party_id = account.party_id
    except ConsoleUserError as error:
        raise click.ClickException(str(error)) from error
    finally:
        store.dispose()
    click.echo(f"console user {username} ({role}) created, party {party_id}")


if __name__ == "__main__":
    main()
