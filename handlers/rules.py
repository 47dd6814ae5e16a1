"""Every legal rule the product applies: a short code for machines, the law's name for people.

Code refers to the semantic name (e.g. ``EMPLOYER_ANSWER``), so that an article number
that turns out wrong is corrected here, in one place. The code (``ECNMR-8``) stays in data,
logs, the API's machine fields and the mediator console; what a worker, an employer or an
agreement reads is ``law``, the citation in words (《劳动争议调解仲裁法》第十四条). The ECNMR
article numbers are not verified against the official text (domain.md), so ``law`` names that
regulation without an article.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str  # short citation for machines, e.g. "LDMAL-7"; never in text people read
    law: str  # the citation in words, e.g. "《劳动争议调解仲裁法》第七条"
    summary: str  # one line, Chinese, safe to show to users


LABOUR_DISPUTE_SCOPE = Rule("LDMAL-2", "《劳动争议调解仲裁法》第二条", "劳动争议的受案范围")
NEGOTIATION = Rule(
    "LDMAL-4", "《劳动争议调解仲裁法》第四条", "发生劳动争议，劳动者可以与用人单位协商"
)
COLLECTIVE = Rule(
    "LDMAL-7",
    "《劳动争议调解仲裁法》第七条",
    "劳动者一方在十人以上并有共同请求的，可以推举代表参加",
)
EMPLOYER_ANSWER = Rule(
    "ECNMR-8",
    "《企业劳动争议协商调解规定》",
    "一方提出协商，另一方应在5日内答复；逾期未答复视为不愿协商",
)
SETTLEMENT_BINDING = Rule(
    "ECNMR-11",
    "《企业劳动争议协商调解规定》",
    "协商达成一致的，应当签订书面和解协议，对双方具有约束力",
)
ARBITRATION_AFTER_MEDIATION = Rule(
    "LDMAL-15",
    "《劳动争议调解仲裁法》第十五条",
    "达成调解协议后，一方当事人在协议约定期限内不履行的，另一方可以申请仲裁",
)
PAYMENT_ORDER = Rule(
    "LDMAL-16",
    "《劳动争议调解仲裁法》第十六条",
    "因支付拖欠劳动报酬等事项达成调解协议，用人单位不履行的，劳动者可持调解协议书申请支付令",
)
MEDIATION_ORGS = Rule(
    "LDMAL-10",
    "《劳动争议调解仲裁法》第十条",
    "当事人可以到企业劳动争议调解委员会、基层人民调解组织、乡镇街道调解组织申请调解",
)
COMPETENT_COMMISSION = Rule(
    "LDMAL-21",
    "《劳动争议调解仲裁法》第二十一条",
    "由劳动合同履行地或者用人单位所在地的劳动争议仲裁委员会管辖，履行地优先",
)
# LDMAL-14 has two rules in two paragraphs: when the agreement takes effect (para 2) and the
# 15 days after which arbitration may be applied for (para 3); each has its own code.
MEDIATION_AGREEMENT = Rule(
    "LDMAL-14.2",
    "《劳动争议调解仲裁法》第十四条",
    "调解协议书由双方当事人签名或者盖章，经调解员签名并加盖调解组织印章后生效",
)
ARBITRAL_REVIEW = Rule(
    "AHR-74",
    "《劳动人事争议仲裁办案规则》第七十四条",
    "调解协议生效之日起15日内可共同申请仲裁审查确认",
)
JUDICIAL_CONFIRMATION = Rule(
    "CPL-205", "《民事诉讼法》第二百零五条", "调解协议生效之日起30日内可共同向人民法院申请司法确认"
)
COURT_FEEDBACK = Rule(
    "SEED-SZ",
    "随州市《关于推进劳动人事争议纠纷“一站式”多元联调处置机制的补充意见》（随人社函〔2023〕57号）",
    "法院委派或委托调解的案件，自接收之日起30日内将调解结果反馈法院",
)
RISK_LEDGER = Rule(
    "SEED-AH",
    "安徽省《关于进一步加强劳动人事争议协商调解工作的实施意见》（2023年）",
    "突出农民工、劳务派遣、新业态劳动者等重点群体，针对欠薪欠保、规模裁员等建立风险台账",
)
PEAK_PERIODS = Rule(
    "SEED-QH",
    "青海省《关于进一步加强劳动人事争议协商调解工作的实施意见》（青人社厅发〔2023〕70号）",
    "聚焦重要时间节点，突出农民工等重点群体，围绕追索劳动报酬等风险建立台账、预警",
)
NEGOTIATION_FAILED = Rule(
    "ECNMR-12",
    "《企业劳动争议协商调解规定》",
    "协商不成、一方不愿协商或达成和解协议后不履行的，可以申请调解或仲裁",
)
ORG_ACCEPTANCE = Rule(
    "ECNMR-19", "《企业劳动争议协商调解规定》", "调解委员会应在3个工作日内决定是否受理"
)
MEDIATION_PERIOD = Rule(
    "LDMAL-14.3",
    "《劳动争议调解仲裁法》第十四条",
    "自收到调解申请之日起15日内未达成调解协议的，当事人可以申请仲裁",
)
FINAL_AWARD = Rule(
    "LDMAL-47",
    "《劳动争议调解仲裁法》第四十七条",
    "追索劳动报酬、工伤医疗费、经济补偿或者赔偿金，不超过当地月最低工资标准十二个月金额的争议，"
    "仲裁裁决为终局裁决",
)
FREE_ARBITRATION = Rule("LDMAL-53", "《劳动争议调解仲裁法》第五十三条", "劳动争议仲裁不收费")
LIMITATION = Rule("LDMAL-27", "《劳动争议调解仲裁法》第二十七条", "申请仲裁的时效期间为一年")
WORK_INJURY_DETERMINATION = Rule(
    "WIIR-17",
    "《工伤保险条例》第十七条",
    "单位应在30日内申请工伤认定；单位未申请的，工伤职工或其近亲属可在1年内申请",
)
NO_DEPOSIT = Rule(
    "LCL-9",
    "《劳动合同法》第九条",
    "用人单位不得扣押劳动者的居民身份证和其他证件，不得要求劳动者提供担保或者以其他名义收取财物",
)
WAGES_PAYMENT_ORDER = Rule(
    "LCL-30",
    "《劳动合同法》第三十条",
    "用人单位拖欠或者未足额支付劳动报酬的，劳动者可以依法向当地人民法院申请支付令",
)
WORKER_MAY_TERMINATE = Rule(
    "LCL-38",
    "《劳动合同法》第三十八条",
    "用人单位未及时足额支付劳动报酬、未依法缴纳社会保险费等，劳动者可以解除劳动合同",
)
DISMISSAL_FOR_FAULT = Rule(
    "LCL-39",
    "《劳动合同法》第三十九条",
    "劳动者严重违反规章制度、严重失职等过错的，用人单位可以解除劳动合同，无需经济补偿",
)
NO_DISMISSAL_IN_PREGNANCY = Rule(
    "LCL-42",
    "《劳动合同法》第四十二条",
    "女职工在孕期、产期、哺乳期的，用人单位不得依照第四十条、第四十一条的规定解除劳动合同",
)
CONTRACT_EXTENDED = Rule(
    "LCL-45",
    "《劳动合同法》第四十五条",
    "劳动合同期满，有第四十二条规定情形之一的，劳动合同应当续延至相应的情形消失时终止",
)
COMPENSATION_DUE = Rule(
    "LCL-46",
    "《劳动合同法》第四十六条",
    "劳动者依第三十八条解除、单位提出协商解除、单位依第四十条或第四十一条解除、"
    "合同期满单位不续订等情形，单位应当支付经济补偿",
)
COMPENSATION = Rule(
    "LCL-47", "《劳动合同法》第四十七条", "经济补偿按工作年限每满一年支付一个月工资"
)
REINSTATEMENT_OR_DAMAGES = Rule(
    "LCL-48",
    "《劳动合同法》第四十八条",
    "用人单位违法解除或者终止劳动合同，劳动者要求继续履行的，应当继续履行；"
    "不要求或者已经不能继续履行的，按第八十七条支付赔偿金",
)
UNLAWFUL_TERMINATION = Rule(
    "LCL-87", "《劳动合同法》第八十七条", "违法解除劳动合同，按经济补偿标准的二倍支付赔偿金"
)
NO_CONTRACT = Rule(
    "LCL-82", "《劳动合同法》第八十二条", "超过一个月不满一年未订立书面劳动合同，应每月支付二倍工资"
)
DOCUMENTS_RETURNED = Rule(
    "LCL-84",
    "《劳动合同法》第八十四条",
    "扣押劳动者身份证等证件或者收取财物的，由劳动行政部门责令限期退还；收取财物的，"
    "并处每人五百元以上二千元以下罚款",
)
WAGES_ORDERED = Rule(
    "LCL-85",
    "《劳动合同法》第八十五条",
    "未及时足额支付劳动报酬等的，由劳动行政部门责令限期支付；逾期不支付的，"
    "责令加付应付金额百分之五十以上百分之一百以下的赔偿金",
)
OVERTIME = Rule(
    "LL-44", "《劳动法》第四十四条", "延长工作时间支付150%、休息日200%、法定休假日300%工资"
)
SOCIAL_INSURANCE_COLLECTION = Rule(
    "SIL-63",
    "《社会保险法》第六十三条",
    "用人单位未按时足额缴纳社会保险费的，由社会保险费征收机构责令其限期缴纳或者补足",
)
LEGAL_AID = Rule(
    "LAL-31",
    "《法律援助法》第三十一条",
    "请求确认劳动关系或者支付劳动报酬、请求社会保险待遇、请求工伤事故人身损害赔偿等，"
    "因经济困难没有委托代理人的，可以申请法律援助",
)
ERASURE = Rule("PIPL-47", "《个人信息保护法》第四十七条", "个人有权请求删除其个人信息")
PRIVACY_CONSENT = Rule(
    "PIPL-23", "《个人信息保护法》第二十三条", "向他人提供个人信息须取得单独同意"
)
EMERGENCY = Rule(
    "PIPL-13",
    "《个人信息保护法》第十三条",
    "紧急情况下为保护自然人的生命健康所必需，可以处理个人信息",
)
HUMAN_REVIEW = Rule(
    "PIPL-24", "《个人信息保护法》第二十四条", "自动化决策须透明，个人有权要求人工处理"
)
WITHDRAW_CONSENT = Rule("PIPL-15", "《个人信息保护法》第十五条", "个人有权撤回同意")
RETENTION = Rule(
    "PIPL-19", "《个人信息保护法》第十九条", "个人信息的保存期限应当为实现处理目的所必要的最短时间"
)

# Every rule above, in the order defined (one table: a wrong article number is fixed here).
ALL: tuple[Rule, ...] = tuple(
    value for value in dict(globals()).values() if isinstance(value, Rule)
)
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL}


def law_of(code: str | None) -> str | None:
    """The law in words for a stored rule code, or None for a code this table no longer has."""
    rule = BY_CODE.get(code or "")
    return rule.law if rule else None
