"""What a party wants from a message, read before anything else, in every state: danger first
(the classifier's one urgency detector), then a tapped action, a command word, and the same
wishes in plain words (data/intents.json), in this order: erase, a correction, yes or no to
the consent being asked, a person, stop, a question. Only then does the stage's handler read
the facts."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.classify import urgency
from nlp.features import folding

if TYPE_CHECKING:
    from handlers.types import CaseView, Inbound


class Intent(StrEnum):
    MESSAGE = "message"  # ordinary talk: the stage's handler reads it
    HELP = "help"
    WITHDRAW = "withdraw"  # 撤回
    WITHDRAW_CONFIRM = "withdraw_confirm"
    WITHDRAW_CANCEL = "withdraw_cancel"
    SKIP = "skip"  # 跳过 the question asked
    AGREE = "agree"  # 同意: yes to the choice being asked
    CONSENT_EMPLOYER = "consent_employer"
    CONSENT_MEDIATOR = "consent_mediator"
    CONSENT_DECLINE = "consent_decline"
    REFUSE = "refuse"  # the employer refuses to negotiate
    ERASE = "erase"  # 删除我的信息
    ERASE_CONFIRM = "erase_confirm"
    ERASE_CANCEL = "erase_cancel"
    DEADLINE = "deadline"  # a clock ran out (SYSTEM messages only)
    CONFIRM_AGREEMENT = "confirm_agreement"
    HUMAN = "human"  # 转人工: a person, not the machine, handles it (PIPL-24)
    ACCEPT_CASE = "accept_case"  # a mediator: 受理
    DECLINE_CASE = "decline_case"  # a mediator: 不受理
    MEDIATION_SUCCESS = "mediation_success"  # 调解成功, with the terms
    MEDIATION_FAILED = "mediation_failed"  # 调解不成
    MEDIATION_WITHDRAWN = "mediation_withdrawn"  # 申请人撤回, recorded by the mediator
    SEAL_AGREEMENT = "seal_agreement"  # a mediator: the organization's seal (LDMAL-14)
    OTHER_ORG = "other_org"  # the worker: 换一个
    CHOOSE_ORG = "choose_org"  # "choose_org:<org id>"
    PAID = "paid"
    NOT_PAID = "not_paid"
    URGENT = "urgent"  # danger to life or health: a person now, in any state
    CORRECTION = "correction"  # 刚才说错了 是两万五
    QUESTION = "question"  # 我能要多少 / 这合法吗


# Whole-message commands (after trimming punctuation). Tapping an option sends its action id,
# and typing the option's label exactly does the same (api.md), so labels are listed here too.
COMMANDS: dict[str, Intent] = {
    "帮助": Intent.HELP,
    "菜单": Intent.HELP,
    "help": Intent.HELP,
    "?": Intent.HELP,
    "？": Intent.HELP,
    "怎么用": Intent.HELP,
    "撤回": Intent.WITHDRAW,
    "撤销": Intent.WITHDRAW,
    "撤回投诉": Intent.WITHDRAW,
    "不投诉了": Intent.WITHDRAW,
    "确认撤回": Intent.WITHDRAW_CONFIRM,
    "不撤回": Intent.WITHDRAW_CANCEL,
    "跳过": Intent.SKIP,
    "不知道": Intent.SKIP,
    "不清楚": Intent.SKIP,
    "同意": Intent.AGREE,
    "好的同意": Intent.AGREE,
    "可以": Intent.AGREE,
    "行": Intent.AGREE,
    "接受": Intent.AGREE,
    "同意联系单位": Intent.CONSENT_EMPLOYER,
    "同意转调解": Intent.CONSENT_MEDIATOR,
    "暂不同意": Intent.CONSENT_DECLINE,
    "不同意": Intent.CONSENT_DECLINE,
    "拒绝协商": Intent.REFUSE,
    "不同意协商": Intent.REFUSE,
    "不协商": Intent.REFUSE,
    "删除我的信息": Intent.ERASE,
    "删除信息": Intent.ERASE,
    "删除我的资料": Intent.ERASE,
    "确认删除": Intent.ERASE_CONFIRM,
    "不删除": Intent.ERASE_CANCEL,
    "受理": Intent.ACCEPT_CASE,
    "接受案件": Intent.ACCEPT_CASE,
    "不受理": Intent.DECLINE_CASE,
    "退回": Intent.DECLINE_CASE,
    "调解不成": Intent.MEDIATION_FAILED,
    "调解失败": Intent.MEDIATION_FAILED,
    "申请人撤回": Intent.MEDIATION_WITHDRAWN,
    "盖章确认": Intent.SEAL_AGREEMENT,
    "已盖章": Intent.SEAL_AGREEMENT,
    "换一个": Intent.OTHER_ORG,
    "换一家": Intent.OTHER_ORG,
    "转人工": Intent.HUMAN,
    "人工": Intent.HUMAN,
    "人工服务": Intent.HUMAN,
    "找调解员": Intent.HUMAN,
    "申请调解": Intent.HUMAN,
    "我要调解": Intent.HUMAN,
    "确认协议": Intent.CONFIRM_AGREEMENT,
    "确认": Intent.CONFIRM_AGREEMENT,
    "已收到": Intent.PAID,
    "收到了": Intent.PAID,
    "没收到": Intent.NOT_PAID,
    "没有收到": Intent.NOT_PAID,
    "还没收到": Intent.NOT_PAID,
}

_TRIM = "…⋯ \t\r\n。．.!！~～,，、"


# Commands that lead a longer message: "调解成功：单位支付两万，月底前付清".
PREFIXES: dict[str, Intent] = {"调解成功": Intent.MEDIATION_SUCCESS}


def detect(text: str, action: str | None) -> Intent:
    """Read the intent from a tapped action first, else from a whole-message command."""
    for prefix, intent in PREFIXES.items():
        if not action and text.strip().startswith(prefix):
            return intent
    if action:
        name = action.partition(":")[0]  # "deadline:<kind>" carries its argument after a colon
        try:
            return Intent(name)
        except ValueError:
            return Intent.MESSAGE
    return COMMANDS.get(text.strip(_TRIM).lower(), Intent.MESSAGE)


WORDS_PATH = Path(__file__).parent / "data" / "intents.json"
# Wishes said in words, in the order they are tried: erasing says more than stopping.
# Asking for a person is not stopping: "算了 这个先不问了 能找个人打电话不" wants a person.
_PLAIN = (("erase", Intent.ERASE), ("human", Intent.HUMAN), ("withdraw", Intent.WITHDRAW))
_CONSENT_ASKED = ("consent_employer", "consent_mediator")
_TALK_STATES = ("intake", "awaiting_consent")


@lru_cache(maxsize=1)
def _words() -> dict[str, re.Pattern[str]]:
    with WORDS_PATH.open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {key: re.compile(value, re.I) for key, value in data.items() if key[0] != "_"}


@lru_cache(maxsize=64)
def _read(text: str) -> str:
    """A message as the intent words read it: through the classifier's spelling folds (唔→不,
    咗→了, 俺→我; the data is written so), once per message however many kinds are tried."""
    return folding()(text)


def said(kind: str, text: str) -> bool:
    """Whether the text says `kind` (a key of data/intents.json) in words."""
    return bool(_words()[kind].search(_read(text)))


def consent_answer(text: str) -> bool | None:
    """Yes (True), no (False) or neither to "may we contact …": "行 你们弄吧" is yes, "找他有啥用
    电话都不接" and "先别跟厂里说" are no."""
    text = _read(text.strip(_TRIM))
    if not text:
        return None
    words = _words()
    if words["consent_if"].search(text):  # 要是他不理咋办: a question, not an answer
        return None
    if words["consent_yes_start"].search(text):  # 可以 但别说是我找的: yes, with a wish
        return True
    if words["consent_no"].search(text):
        return False
    return True if words["consent_yes"].search(text) else None


def understand(inbound: Inbound, case: CaseView | None) -> Intent:
    """The intent of one message, for ROUTES."""
    text = inbound.text
    if text and inbound.role in ("worker", "employer") and urgency(text) is not None:
        return Intent.URGENT
    intent = detect(text, inbound.action)
    if intent is not Intent.MESSAGE or not text or inbound.role != "worker":
        return intent
    if said("erase", text):
        return Intent.ERASE
    talking = case is not None and case.state in _TALK_STATES
    if talking and said("correction", text):  # 不对，是三万二: a correction, not a "no"
        return Intent.CORRECTION
    asked = (case.asking or "").removeprefix("again:") if case else ""
    if asked in _CONSENT_ASKED and said("mediator_wish", text):
        # 你们能不能先找调解的: not the employer, a mediator (offered next, with what is shared)
        return Intent.AGREE if asked == "consent_mediator" else Intent.CONSENT_DECLINE
    if asked in _CONSENT_ASKED:  # 不用了 / 算了 to "may we contact …" is a no, not a withdrawal
        yes = consent_answer(text)
        if yes is not None:
            return Intent.AGREE if yes else Intent.CONSENT_DECLINE
    for kind, wish in _PLAIN[1:]:
        if said(kind, text):
            return wish
    if case is None:
        return Intent.MESSAGE
    if case.state in _TALK_STATES and said("question", text):
        return Intent.QUESTION
    return Intent.MESSAGE
