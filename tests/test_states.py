"""The transition table, checked over every pair of states."""

from __future__ import annotations

import itertools

import pytest

from handlers.states import TRANSITIONS, CaseState, InvalidTransition, advance

S = CaseState

# The edges of design.md's diagram, plus withdrawal (撤回) from every open state after intake.
EXPECTED = {
    (S.INTAKE, S.TRIAGE),
    (S.INTAKE, S.CLOSED),
    (S.TRIAGE, S.AWAITING_CONSENT),
    (S.AWAITING_CONSENT, S.NEGOTIATING),
    (S.AWAITING_CONSENT, S.ESCALATED),
    (S.NEGOTIATING, S.SETTLED),
    (S.NEGOTIATING, S.ESCALATED),
    (S.ESCALATED, S.MEDIATING),
    (S.ESCALATED, S.ESCALATED),
    (S.MEDIATING, S.SETTLED),
    (S.MEDIATING, S.ARBITRATION_ADVISED),
    (S.SETTLED, S.FOLLOWUP),
    (S.FOLLOWUP, S.CLOSED),
    (S.FOLLOWUP, S.ARBITRATION_ADVISED),
    (S.FOLLOWUP, S.ESCALATED),  # settlement not performed (ECNMR-12)
    (S.ARBITRATION_ADVISED, S.CLOSED),
} | {(state, S.CLOSED) for state in S if state is not S.CLOSED}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_every_pair_is_allowed_exactly_when_the_table_says(current: S, target: S) -> None:
    if (current, target) in EXPECTED:
        assert advance(current, target) is target
    else:
        with pytest.raises(InvalidTransition) as raised:
            advance(current, target)
        assert raised.value.current is current and raised.value.target is target


def test_table_covers_every_state_and_closed_is_final() -> None:
    assert set(TRANSITIONS) == set(S)
    assert TRANSITIONS[S.CLOSED] == frozenset()
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == EXPECTED


def test_every_state_is_reachable_from_intake() -> None:
    seen, frontier = {S.INTAKE}, [S.INTAKE]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(S)


def test_every_cited_rule_is_in_the_one_table() -> None:
    import json
    from pathlib import Path

    from handlers import rules
    from handlers.deadlines import KINDS

    assert {kind.rule.code for kind in KINDS.values()} <= set(rules.BY_CODE)
    data = Path(rules.__file__).with_name("data") / "risk_rules.json"
    cited = {r["rule"] for r in json.loads(data.read_text(encoding="utf-8"))["rules"]}
    assert cited <= set(rules.BY_CODE)
