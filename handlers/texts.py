"""Every sentence a person reads, in one place: short, plain Simplified Chinese for a phone screen.

Placeholders use str.format names. Keep each message under ~120 characters where possible.
A law is named in words, never by its rule code: ``{law}`` placeholders (law, law2, …) take
``Rule.law`` (handlers/rules.py), e.g. 《劳动争议调解仲裁法》第十四条; the codes stay in data,
logs, the API's machine fields and the mediator console.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.units import WHOLE_SERVICE, months_and_days

CHINA = ZoneInfo("Asia/Shanghai")  # every date a person reads is a Beijing-time date


def china_date(moment: datetime) -> str:
    """2026年11月28日, in Beijing time."""
    local = moment.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日"


def period_end(end: datetime) -> str:
    """2026年11月28日24时: the end of a period, which runs to 24:00 of its last day."""
    return china_date(end - timedelta(microseconds=1)) + "24时"


# Names of dispute types and flags as a worker would say them.
DISPUTE_NAMES: dict[str, str] = {
    "wage_arrears": "拖欠工资",
    "overtime": "加班费",
    "termination_compensation": "解除劳动合同和经济补偿",
    "no_contract": "未签劳动合同",
    "social_insurance": "社保",
    "work_injury": "工伤",
    "labor_relation": "确认劳动关系",
    "leave_hours": "休息休假和工时",
    "dispatch": "劳务派遣",
    "other": "其他劳动问题",
}

WELCOME = (
    "您好，我是调解助手，帮您和单位协商、找调解组织解决劳动纠纷。"
    "请用一两句话说说遇到了什么问题，比如：“老板拖欠我三个月工资，一共两万四”。"
)
NOT_UNDERSTOOD_OPENING = (
    "抱歉，我还没弄明白是什么问题。能再用一两句话说说吗？"
    "比如：“老板拖欠我三个月工资，一共两万四”“干活受伤了厂里不管”。"
)
HELP = (
    "您可以直接说遇到的问题，我会一步步问清楚情况。\n"
    "常用指令：\n“跳过”：不回答当前问题\n“撤回”：撤回投诉\n“帮助”：查看本说明"
)
NOT_LABOR = (
    "您说的情况看起来不属于劳动纠纷，我这里帮不上忙。"
    "可以拨打12348公共法律服务热线咨询；消费问题可拨打12315；也可以向当地法院咨询。"
    "如果其实和工作有关，请再具体说说。"
)
UNDERSTOOD = "明白了，您反映的是{types}问题（依据您说的：{terms}）。"
CASE_REGISTERED = "您的投诉已于{date}登记，可在“我的案件”里随时查看进展。"

# Questions for the missing facts, one at a time.
ASK = {
    "employer": "请问是哪家单位？告诉我公司、工厂、工地或店铺的名称。",
    "place": "您在哪里上班？请说到区县或乡镇街道，比如“泉州洛江区万安街道”。",
    "amount": "一共涉及多少钱？说个大概数就行，比如“两万四”。",
    "months": "拖欠了几个月的工资？",
    "monthly_wage": "您每个月工资大概多少？（税前，比如“六千”）",
    "service_months": "您在这家单位干了多久？比如“两年半”。",
    "unsigned_months": (
        "从上班第一天算起，有多久没签书面劳动合同？"
        "一直没签就说“一直没签”，后来补签的说干了多久才签，比如“三个月后才签”。"
    ),
    "employed": "您现在还在这家单位上班吗？",
    "left_date": "大概是什么时候离开的？比如“去年12月”。",
    "left_reason": "是怎么离开的？被单位辞退、裁员、合同到期不续，还是您自己辞职？",
    "headcount": "这件事涉及几个人？只有您自己，还是还有其他工友？",
}
ASK_TOWNSHIP = "具体在{county}的哪个镇或街道？说不清可以回复“跳过”。"
EMPLOYED_YES = "还在上班"
EMPLOYED_NO = "已经离开"
CORRECTED = "已更正：{changes}。"
NOT_UNDERSTOOD_ANSWER = "抱歉，我没看明白。{question}（不清楚可以回复“跳过”）"
# Understanding what people say in words, whatever was asked.
STILL_ASKING = "我们接着说：{question}"
SKIPPING = "这个先跳过，以后想起来再告诉我。"
CONFIRM_APPROX = "我记成大约{value}，对吗？不对请直接告诉我准确的数。"
QUESTION_AMOUNT = "能要多少，要看工资、干了多久和为什么离开。情况问清楚后，我按法律帮您算一算。"
QUESTION_LEGAL = "合不合法要看具体情况。先把情况问清楚，我再告诉您法律是怎么规定的。"
QUESTION_OTHER = "您的问题我记下了，先把情况问清楚，再帮您解答。"
OFF_TOPIC = "这个我帮不上忙，我只能帮您处理工作上的纠纷。"
PERSON_AFTER_INTAKE = (
    "可以，调解员是真人。还剩几个问题，问完我就帮您联系单位或者交给调解员，由您来定。"
)
CONSENT_YES_OR_NO = "请回复“同意”或“不同意”。"
CONSENT_OFFER_MEDIATOR = (
    "好的，不联系单位。也可以交给调解组织，由调解员出面跟单位谈，不用您自己去找单位。"
)
CONSENT_BOTH_DECLINED = (
    "好的，先不联系任何人，这次的记录我先结束。以后想处理，随时再来找我，重新说一下情况就行。"
)
FACTS_COMPLETE = "好的，情况我记下了：\n{summary}"
FACT_LABELS = {
    "employer": "单位",
    "place": "地点",
    "amount": "金额",
    "months": "拖欠月数",
    "monthly_wage": "月工资",
    "service_months": "工作时长",
    "unsigned_months": "未签合同时长",
    "employed": "在职情况",
    "left_date": "离职时间",
    "left_reason": "离开原因",
    "headcount": "涉及人数",
    "injury_determined": "工伤认定",
    "disability_assessed": "伤残等级鉴定",
    "disability_grade": "伤残等级",
}
FACT_UNITS = {
    "amount": "元",
    "months": "个月",
    "headcount": "人",
    "monthly_wage": "元",
    "service_months": "个月",
    "disability_grade": "级",  # the simulator's unit; fact_value words it (未达到伤残等级)
}
FACT_BOOLEANS = {
    "employed": ("已离职", "在职"),
    "injury_determined": ("还没有", "已做"),
    "disability_assessed": ("还没有", "已做"),
}
FACT_UNKNOWN = "未提供"
LEFT_REASONS = {
    "dismissed": "被单位辞退",
    "laid_off": "裁员",
    "contract_ended": "合同到期不续",
    "agreed": "协商解除",
    "employer_closed": "单位关门",
    "forced": "被迫辞职",
    "resigned": "自己辞职",
}


def fact_value(name: str, value: object) -> str:
    """A fact as a person reads it: 24000元, 3个月, or 未提供 when skipped."""
    if value is None:
        return FACT_UNKNOWN
    if isinstance(value, bool) and name in FACT_BOOLEANS:
        return FACT_BOOLEANS[name][value]
    if name == "disability_grade" and isinstance(value, int):
        return f"{value}级" if value else INJURY_NO_GRADE
    if name == "left_reason" and isinstance(value, str):
        return LEFT_REASONS.get(value, value)
    if name == "unsigned_months":
        return _unsigned(value)
    return f"{value}{FACT_UNITS.get(name, '')}"


UNSIGNED_WHOLE_SERVICE = "一直没签"
PERIOD = "{months}个月"
PERIOD_DAYS = "{months}个月{days}天"


def period(months: float) -> str:
    """3个月, 7个月10天 (a part month by its days)."""
    whole, days = months_and_days(months)
    return PERIOD_DAYS.format(months=whole, days=days) if days else PERIOD.format(months=whole)


def _unsigned(value: object) -> str:
    """一直没签, or how long without a written contract."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return period(value)
    return UNSIGNED_WHOLE_SERVICE if value == WHOLE_SERVICE else str(value)


IN_PROGRESS = "您的案件目前处于“{state}”阶段，有进展会第一时间通知您。需要帮助请回复“帮助”。"
STATE_NAMES = {
    "intake": "登记",
    "triage": "评估处理方式",
    "awaiting_consent": "等待您的同意",
    "negotiating": "与单位协商",
    "escalated": "转交调解组织",
    "mediating": "调解",
    "settled": "已达成协议",
    "followup": "履行回访",
    "arbitration_advised": "建议仲裁",
    "closed": "已结束",
}

WITHDRAW_ASK = "确定要撤回这次投诉吗？撤回后案件结束，不会再联系任何人。"
WITHDRAW_CONFIRM_LABEL = "确认撤回"
WITHDRAW_CANCEL_LABEL = "不撤回"
WITHDRAWN = "已撤回，案件已结束。以后有需要，随时可以再来找我。"
WITHDRAW_CANCELLED = "好的，案件继续处理。"
CASE_CLOSED = "这个案件已经结束了。有新的问题，请直接描述，我会为您重新登记。"

# Errors at the edge (API), shown to the person using the mini-program.
ERRORS = {
    "bad_request": "请求格式不正确。",
    "not_json": "请求内容必须是 JSON。",
    "missing_text": "请输入要发送的内容。",
    "text_too_long": "内容太长了，请控制在{limit}字以内，分几次发送。",
    "bad_field": "字段“{field}”格式不正确。",
    "unauthorized": "请先登录。",
    "token_invalid": "登录已失效，请重新登录。",
    "forbidden": "您没有权限进行这个操作。",
    "not_found": "没有找到对应的内容。",
    "case_not_found": "没有找到这个案件。",
    "case_required": "请指明是哪个案件。",
    "not_allowed": "不支持这个操作。",
    "too_large": "请求内容太大。",
    "in_progress": "上一条消息还在处理中，请稍后再试。",
    "unavailable": "服务暂时繁忙，请稍后重试。",
    "internal": "服务出了点问题，请稍后再试。",
    "bad_role": "身份只能是：劳动者、用人单位、调解员或管理员。",
    "bad_name": "请填写名字（不超过{limit}个字）。",
    "invitation_unknown": "这个邀请不存在或已失效。",
    "no_agreement": "这个案件还没有协议。",
    "already_done": "这件事已经办过了。",
    "invitation_used": "这个邀请已经使用过或已过期，请让劳动者重新发送。",
}
# Privacy and limits: too many requests in a minute (bot/ratelimit.py).
ERRORS["rate_limited"] = "操作太频繁了，请{seconds}秒后再试。"

# Triage: how the case will be handled, and why (each reason keeps its rule code in the data).
ROUTE_NEGOTIATE = "建议先和单位协商：由我把您的诉求转给单位。按{law}，单位应在5日内答复。"
ROUTE_ESCALATE = "建议直接交给调解组织处理，原因：{reasons}。"
REASON_COLLECTIVE = "涉及10人以上，属于集体争议（{law}）"
REASON_URGENT = "情况紧急，需要尽快有人介入"
REASON_LABOR_RELATION = (
    "劳动关系还不明确，调解员可以帮双方先理清；是否存在劳动关系，最终由劳动仲裁或法院认定"
)
REASON_EMPLOYER_GONE = "老板已经联系不上，没法先和单位协商（{law}）"
# Protections and routes the worker should know of (triage.PROTECTIONS), each with its law.
PROTECTIONS = {
    "pregnancy": (
        "您在孕期、产期或哺乳期，单位不能以不能胜任、经济性裁员、情况变化等理由辞退您（{law}）；"
        "合同到期的，也要延续到哺乳期结束（{law2}）。违法辞退的，可以要求回去上班，或要二倍赔偿金（{law3}）。"
    ),
    "withheld_documents": (
        "单位扣押身份证等证件、收押金或保证金，都是法律禁止的（{law}）。可以向当地劳动保障监察投诉，"
        "或拨打12333，由劳动行政部门责令单位退还，收押金的还要罚款（{law2}）。"
    ),
    "employer_gone": (
        "老板跑了、联系不上的，欠薪可以马上向当地劳动保障监察投诉或拨打12333，"
        "劳动行政部门可以责令单位限期支付（{law}）；调解员也会帮您找单位。"
    ),
    "wage_arrears": (
        "单位拖欠工资、欠多少清楚的（比如有欠条、工资条），也可以直接向当地法院申请支付令（{law}）。"
    ),
    "social_insurance": (
        "单位不交或少交社保的，可以拨打12333或向当地社保经办机构反映，"
        "由社会保险费征收机构责令单位限期补缴（{law}）。"
    ),
}
# When arbitration is advised (triage.arbitration_help): free, final for the employer on small
# claims, and help to apply.
ARBITRATION_HELP = (
    "申请劳动仲裁不收费（{law}）。追讨工资、工伤医疗费、经济补偿或赔偿金，每一项不超过{limit}的，"
    "仲裁裁决对单位是终局的，单位不能再到法院起诉拖延（{law2}）。需要帮忙写申请或找律师，"
    "可以拨打12348公共法律服务热线申请法律援助（{law3}），也可以找当地工会。"
)
ARBITRATION_LIMIT = "当地月最低工资12个月的金额（{minimum}元×12＝{limit}元）"
ARBITRATION_LIMIT_UNKNOWN = "当地月最低工资12个月的金额"
REASON_WORKER_ASKED = "您要求由调解员人工处理（{law}）"
# Urgent (handlers/safety.py): the danger's own line first, then who will call, then where.
URGENT_REPLIES = {
    "self_harm": (
        "听您这么说，我很担心您。您的安全最要紧：请马上拨打心理援助热线12356，"
        "或者让身边的人陪着您；有危险请立即拨打110。欠的钱我们一起想办法要。"
    ),
    "violence": (
        "您的安全最要紧。有人打您、威胁您或者不让您走，请马上拨打110报警；受了伤请拨打120。"
    ),
    "medical": "请先救治：马上拨打120或者去最近的医院。看病的钱以后可以依法追讨。",
    "stranded": (
        "先顾好吃饭、住处和安全：可以拨打110，或找当地的救助管理站帮忙回家；欠薪可以拨打12333反映。"
    ),
    "other": "您的安全最要紧：有危险请立即拨打110，需要急救请拨打120，心里难受可以拨打12356。",
}
URGENT_PERSON = "我已经请工作人员马上联系您。"
URGENT_ASK_PLACE = "您现在在哪个城市、哪个区县？告诉我，好找离您最近的调解组织。"
URGENT_NOTED_ASK_PLACE = "记下了。您现在在哪个城市、哪个区县？好找离您最近的调解组织。"
URGENT_PLACE_NOTED = "好的，地点：{place}。正在请当地的调解组织尽快联系您。"
URGENT_MORE = "等的时候，方便的话再告诉我几件事，调解员联系您就不用再问了（不想说就回复“跳过”）。"
URGENT_FACTS_DONE = "好的，都记下了。调解员会尽快联系您，有危险请先拨打110。"
URGENT_TO_MEDIATOR = "紧急：劳动者刚才的消息显示可能有人身安全危险，请立即联系劳动者。"
WORK_INJURY_FIRST = (
    "受了工伤，先要做工伤认定：单位应在事故后30日内申请，单位不申请的，"
    "您或家属可以在1年内向当地人社局申请（{law}）。认定和伤残鉴定之前，"
    "不要签“一次性了结”的私了协议。"
)

# Consent (PIPL-23): exactly what is shared, with whom; asked separately each time.
CONSENT_EMPLOYER = (
    "为了和单位协商，我会把以下信息告诉{employer}：\n{shared}\n"
    "不会提供您的电话和身份证号。您同意吗？"
)
CONSENT_MEDIATOR = (
    "为了转交调解组织，我会把以下信息提供给调解员：\n{shared}\n"
    "不会提供您的电话和身份证号。您同意吗？"
)
CONSENT_EMPLOYER_LABEL = "同意联系单位"
CONSENT_MEDIATOR_LABEL = "同意转调解"
CONSENT_DECLINE_LABEL = "暂不同意"
CONSENT_DECLINED = "好的，不会联系任何人。想好了随时回复“同意”继续，或回复“撤回”结束。"
THE_EMPLOYER = "单位"
SHARED_NAME = "您的称呼：{name}"
INVITATION_READY = (
    "好的。请在“我的案件”里点“邀请单位”，把邀请转发给单位负责人，邀请{date}前有效。"
    "单位收到邀请（打开邀请）后{days}日内应当答复，逾期不答复视为不愿协商（{law}）；"
    "单位打开邀请时，我会告诉您答复的截止日期。"
)
ESCALATED_TO_MEDIATION = "好的，我来为您找合适的调解组织。"

# Negotiation (协商).
EMPLOYER_JOINED = (
    "{employer}已打开邀请、加入协商，应在{date}前答复（{law}），对方的答复会第一时间转给您。"
)
EMPLOYER_WELCOME = (
    "您好，劳动者{name}就以下问题提出协商：\n{shared}\n"
    "请在{date}前直接回复您的意见，逾期不答复视为不愿协商（{law}）；"
    "如不同意协商，请回复“拒绝协商”。"
)
RELAY_FROM_EMPLOYER = "单位回复：{text}"
RELAY_FROM_WORKER = "劳动者：{text}"
RELAYED = "已转达。"
WAITING_FOR_EMPLOYER = (
    "单位还没有打开邀请，{days}日答复期还没有开始算。您的话我记下了，单位加入后会看到。"
)
INVITATION_UNOPENED = (
    "单位到现在还没有打开您转发的邀请，所以{days}日答复期还没有开始算。"
    "已为您重新生成邀请（{date}前有效），可以在“我的案件”里再转发一次。"
    "也可以不再等，交给调解组织，由调解员联系单位：需要您同意把案件信息提供给调解员，"
    "同意请回复“同意转调解”。"
)
INVITATION_NEVER_OPENED = (
    "单位一直没有打开邀请，协商没能开始（{days}日答复期没有开始算，不算单位拒绝）。"
    "按{law}，您可以申请调解或仲裁。"
)
EMPLOYER_REFUSED = "单位拒绝协商。按{law}，您可以申请调解或仲裁。"
EMPLOYER_REFUSAL_NOTED = "已记录您拒绝协商。按{law}，劳动者可以申请调解或仲裁。"
EMPLOYER_SILENT = "单位5日内未答复，按{law}视为不愿协商，您可以申请调解或仲裁。"
NEGOTIATION_TIMEOUT = "协商期限已到，仍未达成一致。按{law}，您可以申请调解或仲裁。"
DEADLINE_REMINDER = "提醒：{label}将在{date}到期，到期后{after}。"
DEADLINE_REMINDER_PLAIN = "提醒：{label}将在{date}到期。"
AFTER_EMPLOYER_ANSWER = "视为单位不愿协商，可以交给调解组织处理"
AFTER_NEGOTIATION = "可以交给调解组织处理"
AFTER_INVITATION = "会为您重新生成一次邀请，您也可以交给调解组织处理"
AFTER_INVITATION_RENEWED = "邀请失效，可以交给调解组织处理"
WORKER_WITHDREW_TO_EMPLOYER = "劳动者已撤回本次协商，案件结束。"
MEDIATION_REQUESTED_TO_EMPLOYER = "劳动者已申请调解，正在联系调解组织；受理后调解员会与您联系。"

# Deletion of personal data (PIPL-47).
ERASE_ASK = "确定要删除您的信息吗？删除后聊天记录和案件细节都无法恢复，进行中的案件会结束。"
ERASE_CONFIRM_LABEL = "确认删除"
ERASED = (
    "已删除您的聊天记录、称呼和案件细节，进行中的案件已结束。"
    "为依法统计，保留了案件编号、纠纷类型、处理阶段和时间，这些不含您的个人信息。"
)
ERASE_CANCEL_LABEL = "不删除"
ERASE_CANCELLED = "好的，您的信息保持不变。"

# Limitation (LDMAL-27) and what the law gives (calculators, LCL).
LIMITATION_WARNING = (
    "提醒：您离职已经{months}个月了。按{law}，{claims}"
    "请尽快处理；向单位提出协商或申请调解都会中断时效。"
)
LIMITATION_REMUNERATION = (
    "拖欠的工资、加班费在职期间不受一年时效限制，离职后要在离职之日起一年内申请劳动仲裁；"
)
LIMITATION_TERMINATION = (
    "经济补偿、赔偿金要在一年内申请劳动仲裁，从您知道权利被侵害之日起算，一般是劳动合同解除的那天；"
)
LIMITATION_KNOWLEDGE = "{claims}要在一年内申请劳动仲裁，从您知道或者应当知道权利被侵害之日起算；"
CALC_COMPENSATION = "按{law}，经济补偿约{amount}元（工作年限折算{years}个月 × 月工资{base}元）。"
CALC_FAULT = "单位如果说是您严重违纪等过错才辞退，要看理由是否属实，属实的没有经济补偿（{law}）。"
CALC_UNLAWFUL = (
    "如果单位解除没有合法理由，属于违法解除，可以改为要二倍赔偿金，约{double}元（{law}）。"
)
# Why the job ended is not known: say what N depends on (LCL-46) instead of promising it.
CALC_COMPENSATION_DEPENDS = (
    "有没有经济补偿，要看您是怎么离开的（{law}）：被辞退（因严重违纪等过错的除外）、裁员、合同到期单位不续签，"
    "或因单位欠薪、不交社保被迫辞职的，约{amount}元（工作年限折算{years}个月 × 月工资{base}元）；"
    "自己主动辞职的，一般没有。"
)
CALC_UNLAWFUL_IF_DISMISSED = (
    "如果是被单位辞退，而且辞退没有合法理由，可以改为要二倍赔偿金，约{double}元（{law}）。"
)
CALC_RESIGNED = (
    "自己辞职的，一般没有经济补偿（{law}）。如果是因为单位欠薪、不交社保等才辞职，"
    "可以要经济补偿，约{amount}元（{law2}）。"
)
# What the compensation figures rest on, or lack (calculators.economic_compensation).
CALC_RAISED_TO_MINIMUM = "月工资低于当地最低工资，按{minimum}元计"
CALC_CAPPED = (
    "月工资超过{area}{year}年职工月平均工资{average}元的3倍，基数按{base}元、年限最多按12年计"
    "（所用数据为{scope}）"
)
CALC_NO_AVERAGE = (
    "暂无{area}的职工月平均工资数据，没法判断是否超过“当地月平均工资3倍”的封顶，"
    "没有封顶；工资较高的，实际可能更少"
)
AREA_UNKNOWN = "当地"
CALC_FIGURES = "说明：{notes}。"
CALC_DOUBLE_WAGE = (
    "没签书面劳动合同的，从第二个月起每月可多要一倍工资，最多11个月（{law}）："
    "约{amount}元（{period} × 月工资{wage}元）。"
)
CALC_DOUBLE_WAGE_UNKNOWN = (
    "没签书面劳动合同的，从第二个月起每月可多要一倍工资，最多11个月（{law}）。"
    "您没说清有几个月没签合同，所以先没算；告诉调解员或单位后可以再算。"
)
CALC_OVERTIME = (
    "加班费参考（{law}）：工作日加班每小时约{workday}元，休息日约{rest_day}元，"
    "法定节假日约{holiday}元（按月工资{wage}元计算）。"
)
CALC_NOTE = "以上按您提供的信息估算，供协商参考；实际金额以双方核实为准。"

# Settlement terms (协商方案) and the written settlement (和解协议, ECNMR-11).
ROLE_NAMES = {
    "worker": "劳动者",
    "employer": "单位",
    "mediator": "调解员",
    "organization": "调解组织",
}
AGREEMENT_NAMES = {"settlement": "和解协议", "mediation": "调解协议书"}
# What each signer of an agreement gives (LDMAL-14: the parties sign or seal, the mediator
# signs, the organization seals); "还差…" names the missing ones in these words.
SIGNATURE_NAMES = {
    "worker": "劳动者的确认",
    "employer": "单位的确认",
    "mediator": "调解员的签名",
    "organization": "调解组织的盖章",
}
EMPLOYER_NOT_JOINED = "（单位还没有加入案件）"
PROPOSAL_LINE = "{total}元，{schedule}"
INSTALMENT_ONE = "{date}前一次付清"
INSTALMENT_PART = "第{n}期{amount}元（{date}前）"
PROPOSAL_SENT = "已把您的方案转给对方：{proposal}。"
PROPOSAL_RECEIVED = "{who}提出方案：{proposal}。同意请回复“同意”，也可以直接说您的方案。"
PROPOSAL_NEEDS_AMOUNT = "您说的是比例，但诉求金额还不清楚，请直接说具体金额，比如“一万六”。"
ACCEPTED_DRAFT = "双方已就方案达成一致。和解协议如下，请仔细核对，无误请回复“确认协议”：\n{text}"
ACCEPTED_NOTICE = "{who}已同意方案，和解协议已生成。请在案件对话里核对，无误请回复“确认协议”。"
CONFIRM_LABEL = "确认协议"
CONFIRMED_WAITING = "已确认。协议还没有生效，还差：{missing}。"
CONFIRMED_OTHER = (
    "{who}已确认{agreement}，请您核对后回复“确认协议”。协议还没有生效，还差：{missing}。"
)
CONFIRMED_OTHER_DONE = "{who}已确认{agreement}。协议还没有生效，还差：{missing}。"
SEAL_LABEL = "盖章确认"
SEAL_ASKED = (
    "双方都已确认调解协议书。请加盖调解组织印章后回复“盖章确认”，协议自盖章起生效（{law}）。"
)
SEAL_TOO_EARLY = "现在还不能盖章：还差{missing}。双方确认后再盖章。"
SETTLED = (
    "双方都已确认，和解协议生效，对双方都有约束力（{law}）。"
    "我会在每期付款日提醒并回访，单位不按约付款的，可以申请调解或仲裁（{law2}）。"
)
NO_DRAFT = "现在还没有待确认的协议。"
ALREADY_CONFIRMED = "您已经确认过了。协议还没有生效，还差：{missing}。"
# Work injury: nothing full-and-final before 工伤认定 and 伤残等级鉴定 (domain.md, WIIR-17).
INJURY_NO_FINAL_SETTLEMENT = (
    "这是工伤案件。工伤认定和伤残等级鉴定都有结果之前，不能签“一次性了结”“以后不再追究”"
    "这样的协议，以免少拿工伤待遇。现在可以先约定医疗费、停工留薪期工资这样的临时款项，"
    "比如“先付医疗费八千，月底前付”。"
)
INJURY_NEXT_STEP = (
    "下一步：单位应在事故发生之日起30日内申请工伤认定；单位没有申请的，受伤职工或近亲属"
    "可以在1年内向当地人社局申请（{law}）。认定后伤情稳定了再做伤残等级鉴定。"
    "有了结果请告诉我，比如“认定下来了 九级”。"
)
INJURY_NOTED = "记下了：{progress}。"
INJURY_PROGRESS = {
    ("injury_determined", True): "工伤认定已做",
    ("injury_determined", False): "工伤认定还没做",
    ("disability_assessed", True): "伤残等级鉴定已做",
    ("disability_assessed", False): "伤残等级鉴定还没做",
}
INJURY_GRADE = "伤残等级{grade}级"
INJURY_NO_GRADE = "未达到伤残等级"  # disability_grade 0: assessed, below every grade
INJURY_FINAL_ALLOWED = "认定和鉴定都有结果了，现在可以商量最终的赔偿方案。"
INJURY_STILL_NEEDED = "在认定和鉴定都有结果之前，只能先约定医疗费、停工留薪期工资这样的临时款项。"
TERMS_INTERIM = "（临时约定：{items}，不是一次性了结）"
AGREEMENT_FINAL_CLAUSE = "二、用人单位按期足额支付后，双方就上述争议事项不再主张其他权利。"
AGREEMENT_INTERIM_CLAUSE = (
    "二、本协议只约定{items}，是临时约定，不是一次性了结；劳动者申请工伤认定、劳动能力鉴定"
    "和依法享受工伤保险待遇的权利不受影响。"
)
AGREEMENT_TEXT = """和解协议
劳动者：{worker}
用人单位：{employer}
争议事项：{disputes}
经双方协商一致，达成如下协议：
一、用人单位向劳动者支付{total}元（人民币），支付方式：{schedule}。
{scope_clause}
三、用人单位未按约定支付的，劳动者可以依法申请调解或者仲裁（{law_breach}）。
四、本协议经双方确认后生效，对双方具有约束力，双方应当履行（{law_binding}）。
协议编号：{case_id}"""

# Follow-up (回访) on payments.
PAYMENT_DUE_ASK = "回访：按和解协议，第{n}期{amount}元应在{date}前支付。请问收到了吗？"
PAID_LABEL = "已收到"
NOT_PAID_LABEL = "没收到"
PAYMENT_NOTED = "好的，已记录第{n}期已收到。"
ALL_PAID = "所有款项都已收到，案件办结。感谢您的信任！"
NOT_PAID = (
    "单位没有按和解协议付款。按{law}，您可以申请调解或仲裁。"
    "达成调解协议后单位仍不支付工资等款项的，可以凭调解协议向法院申请支付令（{law2}）。"
)
NOT_PAID_TO_EMPLOYER = "劳动者反映第{n}期款项未收到，可能申请调解或仲裁。"
PAYMENT_WHICH = "请问是哪一期？回复“已收到”或“没收到”即可。"
PDF_CONFIRMED = "已在线确认：{who}"
PDF_EFFECTIVE = "状态：已生效。生效时间：{at}（北京时间）"
PDF_NOT_EFFECTIVE = "状态：未生效（草稿）。还差：{missing}"
# An agreement's status as the parties read it (draft → confirmed by each → effective).
AGREEMENT_STATUS = {"draft": "草稿，未生效", "confirming": "确认中，未生效", "effective": "已生效"}
AGREEMENT_STATUS_MISSING = "{status}，还差：{missing}"
PDF_DIGEST = "协议文本SHA-256：{sha256}"

# Settlement terms read back to whoever proposed them (worker, employer, or a mediator recording
# the outcome) before the other side sees them; every amount and date in words.
TERMS_LINE = "共{total}元，{plan}"
TERMS_ONCE = "{date}前一次付清"
TERMS_ONCE_UNDATED = "一次付清（没说付款日期）"
TERMS_PAYMENTS = "分{count}次：{steps}"
TERMS_PAYMENT = "第{n}次{date}前付{amount}元"
TERMS_PAYMENT_UNDATED = "第{n}次付{amount}元（没说日期）"
TERMS_CONDITIONS = "；另外：{conditions}"
AGREEMENT_PAYMENTS = "分{count}期支付："
AGREEMENT_PAYMENT = "\n第{n}期：{date}前支付{amount}元"
AGREEMENT_PAYMENT_UNDATED = "\n第{n}期：支付{amount}元（未约定日期）"
AGREEMENT_CONDITIONS = "。\n其他约定：{conditions}"
READBACK_CONFIRM_LABEL = "确认"
READBACK = "我理解您的方案是：{terms}。\n对的话请回复“确认”，我再转给对方；不对请直接说正确的方案。"
READBACK_MEDIATOR = (
    "我理解的调解结果是：{terms}。\n"
    "对的话请回复“确认”，我再生成调解协议书请双方确认；不对请重新写“调解成功：……”。"
)
READBACK_DROPPED = "好的，这个方案不发出。请重新说一下，比如“两万，月底前付一万，下月底前付一万”。"
PROPOSAL_KEPT = "已记下您的方案：{proposal}。单位加入后会看到。"
TERMS_REFUSED = "已告诉对方您不接受这个方案。您也可以直接说您的方案。"
TERMS_REFUSED_NOTICE = "{who}不接受方案：{text}"
PAYMENT_DUE_ASK_UNDATED = "回访：按协议，第{n}期{amount}元应已支付。请问收到了吗？"

# Routing to a mediation organization (design.md, routing policy); each reason keeps its rule
# code in the data, and the worker reads the law in words where it matters.
ROUTE_CHOICE = "这是您选择的调解组织"
ROUTE_COLLECTIVE = "涉及10人以上的集体争议，由{where}处理（{law}）"
ROUTE_URGENT = "情况紧急，由{where}尽快介入"
WHERE_COUNTY = "区县劳动人事争议仲裁院调解中心"
WHERE_TOWNSHIP = "当地乡镇（街道）调解中心"
ROUTE_ENTERPRISE = "单位设有企业劳动争议调解委员会，您也可以选择其他组织"
ROUTE_PLATFORM = "平台用工争议由新就业形态劳动争议调解组织处理"
ROUTE_TOWNSHIP = "您在{place}工作，由当地乡镇（街道）调解中心就近处理"
ROUTE_COUNTY = "由所在区县的劳动人事争议仲裁院调解中心处理"
ROUTE_NEAREST = "离您最近的同类调解组织（约{km}公里）"
ROUTE_CHOSEN = (
    "已为您转交：{org}。\n理由：{reasons}。\n"
    "{org}应在3个工作日内决定是否受理（{law}）。也可以回复“换一个”选择：{alternatives}"
)
ROUTE_NONE = "抱歉，暂时没找到可以受理的调解组织。请拨打12333咨询，我们也会尽快人工处理。"

# Mediation (调解) with the organization's mediators.
ESCALATION_NEEDS_CONSENT = (
    "可以转交调解组织处理。需要您同意把案件信息提供给调解员，同意请回复“同意转调解”。"
)
CASE_OFFERED = "新案件待受理：{disputes}，{place}。请在{date}前决定是否受理（{law}）。"
ACCEPT_LABEL = "受理"
DECLINE_LABEL = "不受理"
OFFER_OPTIONS_HINT = "请选择是否受理这个案件。"
ACCEPTED_TO_MEDIATOR = "已受理。调解期限到{date}（{law}）。您的回复会同时转给劳动者和单位。"
ACCEPTED_TO_PARTIES = (
    "{org}已受理您的案件，调解员{mediator}会在这里和您联系。调解期限到{date}（{law}）。"
)
DECLINED_TO_MEDIATOR = "已退回，案件会转给下一个调解组织。"
RELAY_FROM_MEDIATOR = "调解员{name}：{text}"
RELAY_TO_MEDIATOR = "{who}：{text}"
NO_MEDIATOR_YET = "调解组织还在受理中，您的话已记下，调解员受理后会看到。"
MEDIATION_DRAFT = (
    "调解员记录了调解结果，调解协议如下，请核对，无误请回复“确认协议”。"
    "双方都确认、调解组织盖章后协议才生效：\n{text}"
)
MEDIATION_RECORDED = (
    "已记录调解结果，等待双方确认调解协议。双方确认后，请加盖调解组织印章并回复“盖章确认”。"
)
MEDIATION_TERMS_NEEDED = "请在“调解成功”后写明协议内容，例如：调解成功：单位支付两万，月底前付清。"
MEDIATION_AGREEMENT_TEXT = """调解协议书
劳动者：{worker}
用人单位：{employer}
调解组织：{org}
调解员：{mediator}
争议事项：{disputes}
经调解，双方自愿达成如下协议：
一、用人单位向劳动者支付{total}元（人民币），支付方式：{schedule}。
{scope_clause}
三、本协议自双方当事人签名、调解员签名并加盖调解组织印章后生效，对双方具有约束力（{law}）。
四、用人单位未按期支付劳动报酬、工伤医疗费、经济补偿或者赔偿金的，劳动者可以持本协议书向人民法院申请支付令（{law_order}）。
五、双方可以自协议生效之日起15日内共同申请仲裁审查确认（{law_review}），或者30日内共同向人民法院申请司法确认（{law_court}）。
协议编号：{case_id}"""
MEDIATION_SETTLED = (
    "双方当事人和调解员都已确认，调解组织已盖章，调解协议生效，对双方具有约束力（{law}）。"
    "可以在15日内共同申请仲裁审查确认（{law_review}），"
    "或30日内申请司法确认（{law_court}）。我会在每期付款日回访。"
)
MEDIATION_FAILED_TEXT = (
    "调解未能达成协议。您可以申请劳动仲裁（{law}），"
    "由劳动合同履行地或用人单位所在地的仲裁委员会管辖（{law21}）：{commission}。"
)
MEDIATION_TIMEOUT = (
    "调解组织收到申请已满15日，仍未达成调解协议。"
    "您可以申请劳动仲裁（{law}），管辖：{commission}（{law21}）。"
)
COMMISSION_UNKNOWN = "劳动合同履行地或用人单位所在地的劳动人事争议仲裁委员会"
CONFIRMATION_REMINDER = "提醒：调解协议共同申请{what}的期限到{date}（{law}）。"
ARBITRAL_REVIEW_NAME = "仲裁审查确认"
JUDICIAL_CONFIRMATION_NAME = "司法确认"
ORG_CHOICES = "可以换成以下调解组织，请选择："
ORG_CHANGED = "好的，已改为：{org}。"
NO_ALTERNATIVES = "暂时没有其他可选的调解组织。"
RISK_COLLECTIVE = "集体争议（{headcount}人）"
RISK_URGENT = "紧急情况"
RISK_ALERT_NOTICE = "风险预警：{kind}，{place}，案件{case_id}。"

# The WeChat channel: login, customer-service chat, notifications, content security.
ERRORS.update(
    {
        "missing_code": "缺少登录凭证 code，请重新打开小程序。",
        "wechat_code_invalid": "登录凭证无效或已过期，请重新打开小程序再试。",
        "wechat_rate_limited": "登录太频繁了，请一分钟后再试。",
        "wechat_user_blocked": "当前微信账号暂时无法登录，如有疑问请联系客服。",
        "wechat_busy": "微信服务繁忙，请稍后重试。",
        "wechat_unavailable": "暂时连不上微信服务，请稍后重试。",
        "wechat_not_configured": "微信登录尚未配置，请联系管理员。",
        "bad_signature": "签名校验失败。",
        "bad_push": "消息格式不正确。",
    }
)
WECHAT_NEW_USER = "微信用户"
WECHAT_WELCOME = (
    "您好，我是劳动争议调解助手。请直接说说遇到了什么问题，比如“老板拖欠我三个月工资”。"
    "在小程序里可以查看案件进度和对方的答复。"
)
WECHAT_UNSUPPORTED = (
    "暂时还不能识别图片和语音，已为您保存。请用文字说说情况，比如单位名称、欠了多少钱、多久了。"
)
WECHAT_TOO_FAST = "消息发得太快了，刚才这条没有收到。请{seconds}秒后再发一次。"
WECHAT_NOT_PROCESSED = "抱歉，您刚才发的“{start}”没能处理成功，请再发一次。"
WECHAT_OPTIONS = "请直接回复：{labels}"
WECHAT_OPTION_SEPARATOR = " 或 "
WECHAT_NOTICE_TITLE = "案件有新消息"
CONTENT_HELD = (
    "您刚才的消息暂时没有转给对方，已交给调解员查看，调解员会尽快和您联系。"
    "如果有人身安全危险，请立即拨打110。"
)
OUTCOME_SUCCESS_LABEL = "调解成功"
OUTCOME_FAILED_LABEL = "调解不成"
OUTCOME_WITHDRAWN_LABEL = "申请人撤回"
MEDIATION_WITHDRAWN = "调解员已记录：申请人撤回调解申请，案件结束。"
PLACE_FROM_LOCATION = "手机定位的位置"
MEDIATION_NOT_PAID = (
    "单位没有按调解协议付款。您可以申请劳动仲裁（{law}）；拖欠的是工资、工伤医疗费、"
    "经济补偿或赔偿金的，也可以持调解协议书直接向法院申请支付令（{law2}）。"
)
NOT_PAID_TO_EMPLOYER_MEDIATED = "劳动者反映调解协议第{n}期款项未收到，可能申请仲裁或支付令。"
EMPLOYER_CONTACT_NOTED = "已记下单位的联系电话，只提供给处理案件的调解员。"

# Statistics reports (统计报告), the risk ledger (风险台账) and deadline lists.
ERRORS.update(
    {
        "bad_date": "日期“{field}”格式不正确，请写成 YYYY-MM-DD，例如 2026-01-31。",
        "missing_date": "请提供统计的起止日期（from 和 to，格式 YYYY-MM-DD）。",
        "bad_range": "开始日期不能晚于结束日期。",
        "bad_region": "行政区划代码“{region}”不存在，请填写省、市、区县或乡镇街道的代码。",
        "bad_org": "没有找到这个调解组织。",
        "bad_format": "格式只能是：{choices}。",
        "bad_status": "状态只能是：{choices}。",
        "bad_kind": "预警类型“{kind}”不存在。",
        "bad_number": "参数“{field}”应为{low}到{high}之间的整数。",
        "alert_not_found": "没有找到这条风险预警。",
        "alert_state": "这条预警已经是“{state}”，不能再{action}。",
    }
)
REPORT_TABLES = {
    "summary": ("概况", ("指标", "数值")),
    "by_type": ("按纠纷类型", ("纠纷类型", "代码", "受理案件数")),
    "by_region": ("按地区", ("区县", "行政区划代码", "受理案件数")),
    "by_org": ("按调解组织", ("调解组织", "组织编号", "受理案件数")),
    "by_channel": ("按受理渠道", ("渠道", "代码", "受理案件数")),
    "by_state": ("按处理阶段", ("处理阶段", "代码", "案件数")),
    "outcomes": ("处理结果", ("结果", "代码", "案件数", "占已结案比例")),
    "deadlines": (
        "期限",
        ("期限", "依据", "总数", "进行中", "当前逾期", "到期触发", "已完成", "已取消"),
    ),
    "followup": ("履行回访", ("指标", "数值")),
    "risk": ("风险台账", ("预警类型", "代码", "涉及案件数", "待处理", "已知悉", "已关闭")),
}
REPORT_SUMMARY = {
    "period": "统计期间",
    "received": "受理登记案件数",
    "concluded": "已有处理结果的案件数",
    "settled": "达成协议案件数（协商和解＋调解成功）",
    "success_rate": "成功率（达成协议/已有结果）",
    "median_days_to_settle": "达成协议用时中位数（天）",
    "amount_agreed": "协议金额合计（元）",
    "amount_paid": "已履行金额合计（元，回访确认）",
    "overdue_deadlines": "当前逾期未处理的期限数",
    "expired_deadlines": "到期触发的法定期限数（不含付款回访）",
    "collective_cases": "集体争议案件数（10人以上，劳动争议调解仲裁法第七条）",
    "risk_cases": "列入风险台账的案件数",
}
REPORT_FOLLOWUP = {
    "agreements": "生效协议数",
    "instalments_agreed": "约定付款期数",
    "followups_done": "已回访次数（付款日后询问）",
    "instalments_paid": "已确认收到的期数",
    "amount_paid": "已确认收到金额（元）",
    "fully_performed": "全部履行结案数",
    "not_performed": "未履行转调解或仲裁数",
}
REPORT_OUTCOMES = {
    "negotiated": "协商和解",
    "mediated": "调解成功",
    "arbitration": "建议仲裁",
    "withdrawn": "撤回",
    "open": "处理中或未结",
}
REPORT_CHANNELS = {
    "api": "小程序",
    "wechat": "微信客服消息",
    "console": "调解员工作台",
    "court": "法院委托调解",
    "system": "系统",
    "unknown": "未知",
}
REPORT_NOT_ESCALATED = "未转调解组织"
REPORT_NO_REGION = "地点未知"
REPORT_CHART_SHEET = "图表"
REPORT_CHART_TYPES = "受理案件数（按纠纷类型）"
REPORT_CHART_OUTCOMES = "处理结果"
REPORT_CHART_REGIONS = "受理案件数（按地区，前20）"
REPORT_PERIOD = "{start} 至 {end}"
RISK_KIND_EXTRA = {"content_review": "内容安全复核"}
RISK_STATUS_NAMES = {"open": "待处理", "acknowledged": "已知悉", "closed": "已关闭"}
RISK_ACTIONS = {"acknowledged": "标记为已知悉", "closed": "关闭"}
RISK_CSV_HEADERS = (
    "编号",
    "登记时间",
    "预警类型",
    "代码",
    "状态",
    "行政区划代码",
    "地区",
    "案件编号",
    "原因",
)

# The mediator and admin web console: messages its code produces. The pages' static
# labels live in the templates (bot/templates/console/).
CONSOLE = {
    "login_failed": "用户名或密码不正确。",
    "login_throttled": "登录失败次数过多，请{minutes}分钟后再试。",
    "logged_out": "您已退出登录。",
    "session_expired": "登录已超时，请重新登录。",
    "login_needed": "请先登录。",
    "csrf": "页面已过期或提交无效，请返回刷新后重试。",
    "not_found": "没有找到这个页面或案件。",
    "forbidden": "您的账号没有权限访问这个页面。",
    "bad_request": "提交的内容有误，请检查后重试。",
    "text_empty": "请输入内容。",
    "reason_needed": "请写明理由。",
    "types_needed": "请至少选择一种争议类型。",
    "overruled": "已更正争议类型：{old} → {new}。",
    "released": "已放行，消息已转达对方。",
    "dropped": "已决定不转达，并告知了发送人。",
    "relay_gone": "这条消息已经处理过了。",
    "import_done": "导入成功：新增{inserted}个、更新{updated}个组织，调解员{mediators}人。",
    "import_failed": "导入失败，没有导入任何数据。请修改以下问题后重新导入：",
    "import_no_file": "请选择要导入的文件（CSV或XLSX格式）。",
    "import_row": "第{row}行：{problem}",
    "org_saved": "已保存组织信息。",
    "org_deactivated": "已停用该组织，新案件不会再分配给它。",
    "mediator_deactivated": "已停用调解员{name}。",
    "alert_done": "风险预警已{action}。",
    "user_exists": "用户名“{username}”已被使用。",
    "password_short": "密码至少{length}个字符。",
    "org_needed": "调解员账号需要指定所属组织（--org）。",
    "org_unknown": "没有找到组织“{org}”。",
}
CONSOLE_CLOCK_NOT_STARTED = "未开始，{event}后起算{length}日"
CONSOLE_ROLE_NAMES = {
    "worker": "劳动者",
    "employer": "单位",
    "mediator": "调解员",
    "admin": "管理员",
    "system": "调解助手",
    "organization": "调解组织",
}
# A notification's line on the case page: its delivery, or what became of words content
# security held (a mediator released them or decided not to pass them on).
CONSOLE_LINE_STATUS = {
    "queued": "待送达",
    "sending": "待送达",
    "sent": "已送达",
    "failed": "未送达",
    "fallback": "已送达",
    "held": "已暂扣",
    "released": "已放行",
    "dropped": "未转达",
}
CONSOLE_CHART_MONTHS = "受理案件数（按月）"
CONSOLE_PROPOSAL = "调解员建议方案：{terms}"  # what "propose terms" sends to both parties
CONSOLE_DECLINE_NOTE = "婉拒理由：{reason}"
CONTENT_DROPPED = (
    "您之前的一条消息经调解员查看后没有转给对方。如有需要，可以换一种说法，或直接联系调解员。"
)
