"""Case lifecycle: the one transition table every state change goes through (design.md)."""

from __future__ import annotations

from enum import StrEnum


class CaseState(StrEnum):
    INTAKE = "intake"  # 受理登记: collecting the facts
    TRIAGE = "triage"  # deciding: negotiate or escalate
    AWAITING_CONSENT = "awaiting_consent"  # PIPL-23: nothing is shared before consent
    NEGOTIATING = "negotiating"  # 协商 with the employer
    ESCALATED = "escalated"  # sent to a mediation organization, not yet accepted
    MEDIATING = "mediating"  # 调解 by an accepted organization
    SETTLED = "settled"  # 和解协议 / 调解协议书 signed
    FOLLOWUP = "followup"  # 回访: payments being checked
    ARBITRATION_ADVISED = "arbitration_advised"  # pointed to 仲裁 / 支付令
    CLOSED = "closed"


class InvalidTransition(ValueError):
    """A case was asked to move along an edge the table does not have."""

    def __init__(self, current: CaseState, target: CaseState) -> None:
        super().__init__(f"illegal case transition {current.value} → {target.value}")
        self.current = current
        self.target = target


S = CaseState

# The worker may withdraw (撤回) at any point before the case is closed; LDMAL-4 and ECNMR
# let either side stop negotiating at any time, and PIPL-15 lets the worker withdraw consent.
_WITHDRAWABLE = (
    S.TRIAGE,
    S.AWAITING_CONSENT,
    S.NEGOTIATING,
    S.ESCALATED,
    S.MEDIATING,
    S.SETTLED,
    S.FOLLOWUP,
)

TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    S.INTAKE: frozenset({S.TRIAGE, S.CLOSED}),
    S.TRIAGE: frozenset({S.AWAITING_CONSENT}),
    S.AWAITING_CONSENT: frozenset({S.NEGOTIATING, S.ESCALATED}),
    S.NEGOTIATING: frozenset({S.SETTLED, S.ESCALATED}),
    # Decline or silence for 3 working days re-routes to the next organization (ECNMR-19).
    S.ESCALATED: frozenset({S.MEDIATING, S.ESCALATED}),
    S.MEDIATING: frozenset({S.SETTLED, S.ARBITRATION_ADVISED}),
    S.SETTLED: frozenset({S.FOLLOWUP}),
    # A settlement not performed: mediation or arbitration (ECNMR-12); a mediation agreement
    # not performed: arbitration or 支付令 (LDMAL-15/16).
    S.FOLLOWUP: frozenset({S.CLOSED, S.ARBITRATION_ADVISED, S.ESCALATED}),
    S.ARBITRATION_ADVISED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
for _state in _WITHDRAWABLE:
    TRANSITIONS[_state] = TRANSITIONS[_state] | {S.CLOSED}
del _state

OPEN_STATES = frozenset(s for s in CaseState if s is not S.CLOSED)


def can_advance(current: CaseState, target: CaseState) -> bool:
    """Whether the table has the edge current → target."""
    return target in TRANSITIONS[current]


def advance(current: CaseState, target: CaseState) -> CaseState:
    """Return the new state, or raise InvalidTransition when the move is illegal."""
    if not can_advance(current, target):
        raise InvalidTransition(current, target)
    return target
