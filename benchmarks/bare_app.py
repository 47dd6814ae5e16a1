"""The baseline: a bare Flask JSON endpoint, served by the same gunicorn settings as ours.

``POST /echo`` reads the JSON body (or the raw body of a push) and answers a small JSON
object: the floor of what any Flask endpoint costs here (WSGI, routing, JSON in and out).
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

app = Flask(__name__)
app.json.ensure_ascii = False  # type: ignore[attr-defined]  # as our app answers


@app.post("/echo")
def echo() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    size = len(request.get_data(cache=False)) if body is None else len(body)
    return jsonify({"ok": True, "size": size})
