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
}

_TRIM = " \t\r\n。．.!！~～,，、"


def detect(text: str, action: str | None) -> Intent:
    """Read the intent from a tapped action first, else from a whole-message command."""
    if action:
        try:
            return Intent(action)
        except ValueError:
            return Intent.MESSAGE
    return COMMANDS.get(text.strip(_TRIM).lower(), Intent.MESSAGE)
