"""WSGI entry point for gunicorn: ``gunicorn --preload bot.wsgi:app``.

The NLP tables (jieba dictionary, gazetteer: ~100 MB) load here, before gunicorn forks, so
the workers share them. Nothing connects to the database or Redis until the first request,
so no pooled connection crosses a fork (pitfalls.md).
"""

import gc

import nlp
from bot import logs
from bot.app import create_app
from bot.config import Settings

settings = Settings.from_env()
logs.setup(settings)  # JSON lines in production, personal numbers masked (bot/logs.py)
nlp.warm_up()
app = create_app(settings)
# What is loaded now lives as long as the process: the collector stops walking it (no full
# collection pauses over the NLP tables) and the workers keep sharing its pages after fork.
gc.freeze()
