"""The peer: a WeRoBot robot answering the same WeChat text push as our /wechat/push.

Served as WeRoBot documents it (``robot.wsgi``, its own Bottle app) under the same gunicorn
settings as ours. ``BENCH_WEROBOT_SESSION=0`` turns the session off; otherwise WeRoBot uses
its default session storage, a SQLite file (``werobot_session.sqlite3``) in the current
directory, opened lazily in each worker after the fork. The handler does what a minimal
stateful bot does: remember the sender's last message and count them, then answer in text.
"""

from __future__ import annotations

import os
from typing import Any

import werobot

TOKEN = os.environ.get("BENCH_WECHAT_TOKEN", "benchtoken")
SESSION = os.environ.get("BENCH_WEROBOT_SESSION", "1") != "0"

robot = werobot.WeRoBot(token=TOKEN)
if not SESSION:
    robot.config["SESSION_STORAGE"] = False


@robot.text
def on_text(message: Any, session: Any = None) -> str:
    if session is not None:
        session["last"] = message.content
        session["count"] = int(session.get("count", 0)) + 1
    return "收到，我们会尽快处理。"


app = robot.wsgi
