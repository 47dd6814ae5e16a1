"""Transcript helpers: the roles as objects talking through the real mini-program API."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker
from werkzeug.test import TestResponse

from bot import runtime as runtimes
from bot.runtime import Runtime


class Chat:
    def __init__(self, app: Flask, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    def login(self, role: str, name: str) -> Person:
        client = self.app.test_client()
        response = client.post("/api/v1/dev/login", json={"role": role, "name": name})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        return Person(client, body["token"], body["party_id"], role)

    def login_mediator(self, name: str, org_id: str) -> Person:
        client = self.app.test_client()
        body = {"role": "mediator", "name": name, "org_id": org_id}
        response = client.post("/api/v1/dev/login", json=body)
        assert response.status_code == 200, response.get_json()
        data = response.get_json()
        return Person(client, data["token"], data["party_id"], "mediator")

    def run_jobs(self) -> None:
        """Run every queued RQ job in this process, as a worker would."""
        runtimes.install(self.runtime)  # jobs find their runtime as in a worker process
        worker = SimpleWorker([self.runtime.queue], connection=self.runtime.redis)
        worker.work(burst=True)


class Person:
    def __init__(self, client: FlaskClient, token: str, party_id: str, role: str) -> None:
        self.client = client
        self.token = token
        self.party_id = party_id
        self.role = role
        self.case_id: str | None = None
        self.last: dict[str, Any] = {}

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, body: Any) -> TestResponse:
        return self.client.post(path, json=body, headers=self.headers)

    def get(self, path: str) -> TestResponse:
        return self.client.get(path, headers=self.headers)

    def send(self, **body: Any) -> dict[str, Any]:
        """POST /api/v1/messages and remember the reply and the case it is about."""
        response = self.post("/api/v1/messages", {k: v for k, v in body.items() if v is not None})
        assert response.status_code == 200, response.get_json()
        self.last = response.get_json()
        if self.last.get("case"):
            self.case_id = self.last["case"]["id"]
        return self.last

    def says(self, text: str, *, msg_id: str | None = None, in_case: bool = True) -> dict[str, Any]:
        return self.send(text=text, msg_id=msg_id, case_id=self.case_id if in_case else None)

    def taps(self, action: str) -> dict[str, Any]:
        return self.send(action=action, case_id=self.case_id)

    @property
    def replies(self) -> list[str]:
        return [reply["text"] for reply in self.last.get("replies", [])]

    def hears(self, fragment: str) -> None:
        assert any(fragment in reply for reply in self.replies), (fragment, self.replies)

    def options(self) -> list[tuple[str, str]]:
        replies = self.last["replies"]
        return [(o["label"], o["action"]) for r in replies for o in r.get("options", [])]

    @property
    def case(self) -> dict[str, Any]:
        response = self.get(f"/api/v1/cases/{self.case_id}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def inbox(self) -> list[dict[str, Any]]:
        response = self.get("/api/v1/inbox")
        assert response.status_code == 200
        return response.get_json()["items"]
