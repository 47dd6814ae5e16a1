"""What a party wants from a message: a tapped action, a command word, or plain talk."""

from __future__ import annotations

from enum import StrEnum


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
    OTHER_ORG = "other_org"  # the worker: 换一个
    CHOOSE_ORG = "choose_org"  # "choose_org:<org id>"
    PAID = "paid"
    NOT_PAID = "not_paid"


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

_TRIM = " \t\r\n。．.!！~～,，、"


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
