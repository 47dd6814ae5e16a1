"""A worker talking to the pure conversation logic, with the case kept in memory.

Handler transcripts run in milliseconds: no Flask, database or queue. Events are applied as
storage applies them (facts merged, every move through the transition table), and the effects
that change what the next handler sees (consents, erasure) are reflected in the stub case.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import handlers
from handlers import texts
from handlers.states import CaseState, advance
from handlers.types import (
    CaseEvent,
    CaseView,
    Channel,
    Effect,
    EraseWorkerData,
    HandlerResult,
    Inbound,
    RecordConsent,
    Role,
    WithdrawConsents,
)


@dataclass
class StubWorker:
    """One worker's conversation; ``today`` pins the clock (10:00 China time)."""

    today: date
    name: str = "老张"
    case: CaseView | None = None
    erased: bool = False
    replies: list[str] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    last: HandlerResult | None = None
    _count: int = 0

    @property
    def now(self) -> datetime:
        return datetime.combine(self.today, time(10, 0), texts.CHINA) + timedelta(
            seconds=self._count
        )

    def says(self, text: str = "", action: str | None = None) -> list[str]:
        """Send a message (or tap an option) and return the assistant's replies."""
        self._count += 1
        inbound = Inbound(
            channel=Channel.API,
            msg_id=f"m{self._count}",
            sender_id="w1",
            role=Role.WORKER,
            received_at=self.now,
            text=text,
            sender_name=self.name,
            action=action,
            case_id=self.case.id if self.case else None,
        )
        result = handlers.route(inbound, self.case)(inbound, self.case)
        self.last = result
        self.effects.extend(result.effects)
        self._apply(result)
        self.replies = [reply.text for reply in result.replies]
        return self.replies

    def taps(self, action: str) -> list[str]:
        return self.says(action=action)

    @property
    def options(self) -> list[tuple[str, str]]:
        assert self.last is not None
        return [(o.label, o.action) for r in self.last.replies for o in r.options]

    def _apply(self, result: HandlerResult) -> None:
        event = result.event
        if event is not None:
            self._apply_event(event)
        for effect in result.effects:
            if isinstance(effect, RecordConsent) and self.case:
                consents = (*self.case.consents, effect.recipient)
                self.case = replace(self.case, consents=consents)
            elif isinstance(effect, WithdrawConsents) and self.case:
                self.case = replace(self.case, consents=())
            elif isinstance(effect, EraseWorkerData):
                self.case, self.erased = None, True

    def _apply_event(self, event: CaseEvent) -> None:
        case = self.case
        if event.open_case:
            case = CaseView(
                id="c1",
                state=CaseState.INTAKE,
                worker_id="w1",
                worker_name=self.name,
                employer_id=None,
                dispute_types=(),
                flags=(),
                facts={},
                asking=None,
                created_at=self.now,
            )
        if case is None:
            return
        state = case.state
        for target in event.moves:
            state = advance(state, target)
        changes: dict[str, Any] = {"state": state}
        if event.dispute_types is not None:
            changes["dispute_types"] = tuple(event.dispute_types)
        if event.flags is not None:
            changes["flags"] = tuple(event.flags)
        if event.facts:
            changes["facts"] = {**case.facts, **event.facts}
        if event.asking is not None:
            changes["asking"] = event.asking or None
        if event.triage is not None:
            changes["triage"] = dict(event.triage)
        self.case = replace(case, **changes)
