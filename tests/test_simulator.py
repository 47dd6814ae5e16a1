"""The three-phone simulator page (api.md: GET /simulator), outside production only.

What the page does in a browser is tested in tests/browser/; here: that it is served, with its
accessible names and its script, and that production answers 404 like any unknown path.
"""

from __future__ import annotations

import json
import re

from flask.testing import FlaskClient

from bot.app import create_app
from bot.config import Settings


def test_the_simulator_page_shows_three_phones(client: FlaskClient) -> None:
    page = client.get("/simulator")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "三方模拟器" in html and "仅用于开发和演示" in html
    titles = re.findall(r'<h2 id="title-(\w+)">(\S+)</h2>', html)
    assert titles == [("worker", "劳动者"), ("employer", "单位"), ("mediator", "调解员")]
    assert html.count('role="region"') == 3 and html.count(">输入消息</label>") == 3
    assert "把邀请发给单位" in html and "+5天" in html
    words = json.loads(re.search(r'id="words">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert words["states"]["negotiating"] == "与单位协商" and words["accept"] == "受理"
    assert words["deadlines"]["employer_answer"] == "单位答复期限"


def test_the_page_script_and_style_are_served(client: FlaskClient) -> None:
    # A file response holds the file open until it is closed.
    with client.get("/simulator/static/simulator.js") as script:
        assert script.status_code == 200 and b"/api/v1/messages" in script.data
    with client.get("/simulator/static/simulator.css") as style:
        assert style.status_code == 200 and style.mimetype == "text/css"


def test_production_has_no_simulator(settings: Settings) -> None:
    production = Settings(**{**settings.__dict__, "env": "production"})
    client = create_app(production).test_client()
    unknown = client.get("/no-such-page")
    for path in ("/simulator", "/simulator/static/simulator.js"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.get_json() == unknown.get_json()
