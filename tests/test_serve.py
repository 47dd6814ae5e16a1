"""`tiaojie serve` as a user runs it: embedded defaults, one real conversation, clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(port: int, path: str, body: Any = None, token: str | None = None) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method="POST" if body is not None else "GET"
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(request, data, timeout=10) as response:
        return json.loads(response.read())


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found.add(child)
                frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until(condition: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_serve_answers_a_worker_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "TIAOJIE_ENV", "TIAOJIE_SECRET_KEY")
    }
    env["TIAOJIE_DATA_DIR"] = str(tmp_path / "data")
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        service = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--fake-wechat"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # Children log to the same stream; the banner comes once the web server is up.
        _wait_until(
            lambda: "is listening on" in log.read_text() or service.poll() is not None, timeout=30
        )
        assert f"is listening on http://127.0.0.1:{port}" in log.read_text(), log.read_text()
        login = _call(port, "/api/v1/dev/login", {"role": "worker", "name": "曾师傅"})
        answer = _call(port, "/api/v1/messages", {"text": "老板拖欠我三个月工资了"}, login["token"])
        assert "拖欠工资" in answer["replies"][0]["text"] and answer["case"]["state"] == "intake"
        # The RQ worker started by serve delivers the registration notice to the inbox.
        items = _wait_until(
            lambda: _call(port, "/api/v1/inbox", token=login["token"])["items"], timeout=30
        )
        assert items[0]["case_id"] == answer["case"]["id"]
        # --fake-wechat: WeChat login works locally, and a signed push is answered through the
        # RQ worker with a customer-service message that the fake WeChat received.
        wechat = _call(port, "/api/v1/login", {"code": "demo"})
        assert wechat["role"] == "worker" and wechat["token"]
        pushed = subprocess.run(
            [
                *(sys.executable, "-m", "bot.cli", "wechat", "push", "--openid", "o_push"),
                *("--aes", "老板拖欠我两个月工资", "--wait", "20"),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert pushed.returncode == 0, pushed.stderr
        assert "→ o_push 客服消息: 明白了，您反映的是拖欠工资问题" in pushed.stdout, pushed.stdout
        children = _descendants(service.pid)
        assert len(children) >= 3  # redis-server, rq worker, gunicorn (+ its workers)
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=30)
    assert service.returncode == 0
    _wait_until(lambda: not [pid for pid in children if _alive(pid)], timeout=10)
    assert not (tmp_path / "data" / "redis" / "redis.sock").exists()
