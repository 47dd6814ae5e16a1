"""The three-phone simulator (api.md: ``GET /simulator``): worker, employer and mediator side
by side, each a phone that talks only through the mini-program API. Outside production only.

The page is static (template + plain JS, no build step); what the panes show comes from the
API. The few words the page's script writes itself (state, fact and deadline names, option
labels) are taken from handlers.texts and handed to the script as JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from bot.web import current_runtime
from handlers import texts
from handlers.deadlines import KINDS

simulator = Blueprint(
    "simulator",
    __name__,
    url_prefix="/simulator",
    static_folder="static/simulator",
    static_url_path="/static",
)


@simulator.before_request
def _development_only() -> None:
    """The page and its files answer 404 in production, like dev login (api.md)."""
    if not current_runtime().settings.dev_login:
        abort(404)


@simulator.get("")
def page() -> ResponseReturnValue:
    return render_template("simulator.html", words=_words())


def _words() -> dict[str, Any]:
    """The names the script shows beside what the API returns."""
    return {
        "states": texts.STATE_NAMES,
        "facts": texts.FACT_LABELS,
        "units": texts.FACT_UNITS,
        "booleans": texts.FACT_BOOLEANS,
        "unknown": texts.FACT_UNKNOWN,
        "deadlines": {kind: spec.label or kind for kind, spec in KINDS.items()},
        "accept": texts.ACCEPT_LABEL,
        "decline": texts.DECLINE_LABEL,
        "confirm": texts.CONFIRM_LABEL,
        "seal": texts.SEAL_LABEL,
    }
