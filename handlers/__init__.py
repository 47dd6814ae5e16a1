"""Pure conversation logic. ``ROUTES`` maps (role, case state, intent) to a handler: a table.

``None`` as the state means "no case yet"; ``ANY`` matches every state. Lookup tries the exact
key, then the ANY-state key, then falls back to a status reply.
"""

from __future__ import annotations

from handlers import fallback, intake
from handlers.intents import Intent, detect
from handlers.states import OPEN_STATES, CaseState
from handlers.types import CaseView, Handler, Inbound, Role

ANY = "*"
RouteKey = tuple[Role, CaseState | str | None, Intent]

W = Role.WORKER

ROUTES: dict[RouteKey, Handler] = {
    (W, None, Intent.MESSAGE): intake.open_case,
    (W, CaseState.INTAKE, Intent.MESSAGE): intake.answer,
    (W, CaseState.INTAKE, Intent.SKIP): intake.skip,
    (W, ANY, Intent.HELP): fallback.help_menu,
    (W, None, Intent.HELP): fallback.help_menu,
    **{(W, state, Intent.WITHDRAW): fallback.ask_withdraw for state in OPEN_STATES},
    **{(W, state, Intent.WITHDRAW_CONFIRM): fallback.withdraw for state in OPEN_STATES},
    **{(W, state, Intent.WITHDRAW_CANCEL): fallback.keep_going for state in OPEN_STATES},
}


def route(inbound: Inbound, case: CaseView | None) -> Handler:
    """Pick the handler for this message from the ROUTES table."""
    intent = detect(inbound.text, inbound.action)
    state = case.state if case else None
    for key in ((inbound.role, state, intent), (inbound.role, ANY, intent)):
        handler = ROUTES.get(key)
        if handler is not None:
            return handler
    return fallback.status


__all__ = ["ANY", "ROUTES", "route"]
