"""Replies that do not belong to one stage: help, status, withdrawal (撤回)."""

from __future__ import annotations

from handlers import rules, texts
from handlers.states import CaseState
from handlers.types import (
    CancelDeadlines,
    CaseEvent,
    CaseView,
    Effect,
    EraseWorkerData,
    HandlerResult,
    Inbound,
    Notify,
    Option,
    Reply,
    WithdrawConsents,
)


def help_menu(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    return HandlerResult(replies=(Reply(texts.HELP),))


def status(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """A message the current stage has no handler for: say where the case stands."""
    if case is None:
        return HandlerResult(replies=(Reply(texts.WELCOME),))
    if case.state is CaseState.CLOSED:
        return HandlerResult(replies=(Reply(texts.CASE_CLOSED),))
    text = texts.IN_PROGRESS.format(state=texts.STATE_NAMES[case.state])
    return HandlerResult(replies=(Reply(text),))


def ask_withdraw(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """撤回 is final, so confirm first."""
    options = (
        Option(texts.WITHDRAW_CONFIRM_LABEL, "withdraw_confirm"),
        Option(texts.WITHDRAW_CANCEL_LABEL, "withdraw_cancel"),
    )
    return HandlerResult(replies=(Reply(texts.WITHDRAW_ASK, options),))


def withdraw(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """The worker withdraws: the case closes, clocks stop, and nothing more is shared
    (PIPL-15); an employer already in the case is told."""
    assert case is not None
    effects: list[Effect] = [CancelDeadlines(everything=True), WithdrawConsents()]
    if case.employer_id:
        effects.append(Notify(case.employer_id, texts.WORKER_WITHDREW_TO_EMPLOYER))
    event = CaseEvent(
        reason="worker withdrew the complaint",
        moves=(CaseState.CLOSED,),
        rule=rules.WITHDRAW_CONSENT.code,
        asking="",
    )
    return HandlerResult(replies=(Reply(texts.WITHDRAWN),), effects=tuple(effects), event=event)


def ask_erase(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """删除我的信息 cannot be undone, so confirm first."""
    options = (
        Option(texts.ERASE_CONFIRM_LABEL, "erase_confirm"),
        Option(texts.ERASE_CANCEL_LABEL, "erase_cancel"),
    )
    return HandlerResult(replies=(Reply(texts.ERASE_ASK, options),))


def erase(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """PIPL-47: erase the worker's personal data; bot/ closes their open cases as it does."""
    return HandlerResult(replies=(Reply(texts.ERASED),), effects=(EraseWorkerData(),))


def keep_data(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    return HandlerResult(replies=(Reply(texts.ERASE_CANCELLED),))


def keep_going(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """The worker changed their mind about withdrawing: repeat the open question, if any."""
    replies = [Reply(texts.WITHDRAW_CANCELLED)]
    if case is not None and case.asking in texts.ASK:
        replies.append(Reply(texts.ASK[case.asking]))
    return HandlerResult(replies=tuple(replies))
