"""The API's edges: bad input gets a clear JSON error in Chinese, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.app import create_app
from bot.config import Settings
from tests.chat import Chat


def _error(response) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return response.status_code, body["error"]["code"]


def test_messages_need_a_valid_token(client: FlaskClient) -> None:
    assert _error(client.post("/api/v1/messages", json={"text": "你好"})) == (401, "unauthorized")
    bad = {"Authorization": "Bearer not-a-token"}
    response = client.post("/api/v1/messages", json={"text": "你好"}, headers=bad)
    assert _error(response) == (401, "token_invalid")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"data": "text=hi", "content_type": "application/x-www-form-urlencoded"}, "not_json"),
        ({"data": "{broken", "content_type": "application/json"}, "not_json"),
        ({"json": ["a", "list"]}, "not_json"),
        ({"json": {}}, "missing_text"),
        ({"json": {"text": "   "}}, "missing_text"),
        ({"json": {"text": 42}}, "bad_field"),
        ({"json": {"text": "你好", "case_id": ["x"]}}, "bad_field"),
        ({"json": {"text": "你好", "msg_id": "m" * 500}}, "bad_field"),
        ({"json": {"text": "你好", "location": {"lat": "north"}}}, "bad_field"),
        ({"json": {"text": "你好", "location": {"lat": 95, "lng": 10}}}, "bad_field"),
        ({"json": {"text": "工资" * 1001}}, "text_too_long"),
    ],
)
def test_bad_message_bodies_get_400(chat: Chat, kwargs: dict, expected: str) -> None:
    worker = chat.login("worker", "测试")
    response = worker.client.post("/api/v1/messages", headers=worker.headers, **kwargs)
    assert _error(response) == (400, expected)


def test_too_long_text_message_names_the_limit(chat: Chat) -> None:
    worker = chat.login("worker", "测试")
    response = worker.post("/api/v1/messages", {"text": "欠" * 2001})
    assert "2000字" in response.get_json()["error"]["message"]


def test_a_huge_body_gets_413(chat: Chat) -> None:
    worker = chat.login("worker", "测试")
    response = worker.post("/api/v1/messages", {"text": "x" * 100_000})
    assert _error(response) == (413, "too_large")


def test_employers_must_say_which_case(chat: Chat) -> None:
    employer = chat.login("employer", "鑫达鞋厂")
    response = employer.post("/api/v1/messages", {"text": "我们会付的"})
    assert _error(response) == (400, "case_required")


def test_someone_elses_case_answers_exactly_like_an_unknown_one(chat: Chat) -> None:
    worker = chat.login("worker", "曾师傅")
    worker.says("老板拖欠我三个月工资了")
    for intruder in (chat.login("worker", "别人"), chat.login("employer", "别的老板")):
        hidden = intruder.get(f"/api/v1/cases/{worker.case_id}")
        unknown = intruder.get("/api/v1/cases/0000000000000000")
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.get_json() == unknown.get_json()
        posted = intruder.post("/api/v1/messages", {"text": "看看", "case_id": worker.case_id})
        assert posted.status_code == 404 and posted.get_json() == unknown.get_json()
        assert intruder.get("/api/v1/cases").get_json()["cases"] == []


def test_dev_login_validates_role_and_name(client: FlaskClient) -> None:
    response = client.post("/api/v1/dev/login", json={"role": "boss", "name": "x"})
    assert _error(response) == (400, "bad_role")
    response = client.post("/api/v1/dev/login", json={"role": "worker", "name": ""})
    assert _error(response) == (400, "bad_name")
    one = client.post("/api/v1/dev/login", json={"role": "worker", "name": "曾师傅"}).get_json()
    two = client.post("/api/v1/dev/login", json={"role": "worker", "name": "曾师傅"}).get_json()
    assert one["party_id"] == two["party_id"] and one["role"] == "worker"


def test_dev_login_does_not_exist_in_production(settings: Settings, tmp_path: Path) -> None:
    production = Settings(**{**settings.__dict__, "env": "production"})
    client = create_app(production).test_client()
    response = client.post("/api/v1/dev/login", json={"role": "worker", "name": "x"})
    assert _error(response) == (404, "not_found")


def test_unknown_paths_and_methods_answer_json(client: FlaskClient) -> None:
    assert _error(client.get("/api/v1/nothing-here")) == (404, "not_found")
    assert _error(client.get("/api/v1/messages")) == (405, "method_not_allowed")


def test_health_check_touches_database_and_redis(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"ok": True}
