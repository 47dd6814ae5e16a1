"""WSGI entry point for gunicorn: ``gunicorn --preload bot.wsgi:app``.

The NLP tables (jieba dictionary, gazetteer: ~100 MB) load here, before gunicorn forks, so
the workers share them. Nothing connects to the database or Redis until the first request,
so no pooled connection crosses a fork (pitfalls.md).
"""

import nlp
from bot.app import create_app
from bot.config import Settings

nlp.warm_up()
app = create_app(Settings.from_env())
