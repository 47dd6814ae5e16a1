"""`tiaojie` commands: serve, worker, db."""

from __future__ import annotations

import sys

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
def serve(host: str, port: int, workers: int) -> None:
    """Run everything: embedded Redis (unless REDIS_URL), migrations, RQ worker, web server."""
    from bot.serve import Service

    sys.exit(Service(_settings(), host=host, port=port, web_workers=workers).run())


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


if __name__ == "__main__":
    main()
