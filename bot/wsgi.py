"""WSGI entry point for gunicorn: ``gunicorn bot.wsgi:app``."""

from bot.app import create_app
from bot.config import Settings

app = create_app(Settings.from_env())
