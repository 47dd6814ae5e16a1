"""Every legal rule the product applies, cited by a short code (domain.md).

Code refers to the semantic name (e.g. ``EMPLOYER_ANSWER``), so that an article number
that turns out wrong is corrected here, in one place. domain.md notes that the ECNMR article
numbers are not yet verified against the official text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str  # short citation, e.g. "LDMAL-14"
    source: str  # the statute or notice
    summary: str  # one line, Chinese, safe to show to users


LABOUR_DISPUTE_SCOPE = Rule("LDMAL-2", "劳动争议调解仲裁法第二条", "劳动争议的受案范围")
NEGOTIATION = Rule("LDMAL-4", "劳动争议调解仲裁法第四条", "发生劳动争议，劳动者可以与用人单位协商")
COLLECTIVE = Rule(
    "LDMAL-7", "劳动争议调解仲裁法第七条", "劳动者一方在十人以上并有共同请求的，可以推举代表参加"
)
EMPLOYER_ANSWER = Rule(
    "ECNMR-8",
    "企业劳动争议协商调解规定",
    "一方提出协商，另一方应在5日内答复；逾期未答复视为不愿协商",
)
LIMITATION = Rule("LDMAL-27", "劳动争议调解仲裁法第二十七条", "申请仲裁的时效期间为一年")
PRIVACY_CONSENT = Rule("PIPL-23", "个人信息保护法第二十三条", "向他人提供个人信息须取得单独同意")
HUMAN_REVIEW = Rule("PIPL-24", "个人信息保护法第二十四条", "自动化决策须透明，个人有权要求人工处理")
WITHDRAW_CONSENT = Rule("PIPL-15", "个人信息保护法第十五条", "个人有权撤回同意")

ALL: tuple[Rule, ...] = (
    LABOUR_DISPUTE_SCOPE,
    NEGOTIATION,
    COLLECTIVE,
    EMPLOYER_ANSWER,
    LIMITATION,
    PRIVACY_CONSENT,
    HUMAN_REVIEW,
    WITHDRAW_CONSENT,
)
