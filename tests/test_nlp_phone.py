"""Messages as workers type them on a phone (our own phrasings): dialect, typos, no punctuation.

A real complaint reads as its dispute, whoever the employer is (物业, 医院, 网点); a message from
someone owed as a customer, lender, shop owner, landlord's tenant, subcontracting boss, relative
or passer-by is not a labour case, whatever labour words it holds.
"""

from __future__ import annotations

import pytest

from nlp import classify
from nlp.classify import urgency

WORKERS = [
    ("老版拖了俺仨月公资 一问就说下礼拜", {"wage_arrears"}, set()),
    ("在物业当保安 过年三天都在岗 三倍工资一分没见着", {"overtime"}, set()),
    ("幼儿园当保育员两年了 园长一直说不用签老动合同", {"no_contract"}, set()),
    ("老细冇畀人工我 两个月了 佢话下个月先出粮", {"wage_arrears"}, set()),
    ("上海做了半年 东家欠我工钿八千 讲好月底结 到现在没给", {"wage_arrears"}, set()),
    ("厂里押着我身份证不给 说干不满三个月不还", {"other"}, {"urgent"}),
    ("茶园摘茶 说好一天一百四 结账一天只算一百", {"wage_arrears"}, set()),
    ("医院里当合同工 科室说编制紧 让我们合同工月底都走", {"termination_compensation"}, set()),
    ("请了三天病假 回来全勤奖没了还扣了三百", {"wage_arrears", "leave_hours"}, set()),
    (
        "跑众包的 送餐路上摔了 胳膊骨折 平台说我不是他们的人",
        {"labor_relation", "work_injury"},
        {"platform"},
    ),
    ("入职押了一千块押金 干了三个月走的时候不退", {"other"}, set()),
    ("辞职了 老板压着最后一个月工资不给 说要等年底", {"wage_arrears"}, set()),
    ("商场导购 国庆七天全上了 没给加班费 也不给调休", {"overtime"}, set()),
    ("在装修队干了俩月 活干完了工头说房东没结账 让俺们等", {"wage_arrears"}, {"construction"}),
    ("在快递网点分拣 合同是跟网点签的 这个月工资拖着没发", {"wage_arrears"}, {"platform"}),
    (
        "在工地扎钢筋 包工头欠俺两万三 过年前说一定给 现在电话关机",
        {"wage_arrears"},
        {"construction"},
    ),
    ("厂子黄了 老板说给每人一千块就算了 俺干了六年", {"termination_compensation"}, set()),
    ("在超市干了一年 没签合同也没交社保", {"social_insurance", "no_contract"}, set()),
    (
        "餐馆干了八个月 老板说我是学徒 不算员工 工资只给一半",
        {"labor_relation", "wage_arrears"},
        set(),
    ),
    ("开支都拖俩月了 问就说厂里没钱", {"wage_arrears"}, set()),
    ("返工三个月 老细一分人工都未畀过", {"wage_arrears"}, set()),
    ("上个月开支没开 这个月又说缓缓 厂里到底咋回事", {"wage_arrears"}, set()),
    ("老板娘说我打碎了盘子 从工资里扣了五百", {"wage_arrears"}, set()),
    ("怀孕五个月了 主管天天找茬 逼我自己写辞职", {"termination_compensation"}, set()),
    (
        "我是劳务派遣过去的 厂里说不要我了 派遣公司也不管",
        {"dispatch", "termination_compensation"},
        set(),
    ),
    (
        "在抖音公会当主播 说好保底四千 三个月一分没见",
        {"wage_arrears", "labor_relation"},
        {"platform"},
    ),
    ("开货拉拉的 平台扣了我三天的单 也不说为啥", {"labor_relation"}, {"platform"}),
    ("干了五年的厂子搬走了 让我们自己去新厂 不去就当自动离职", {"termination_compensation"}, set()),
    ("工地上从架子上摔下来了 腿断了 包工头给了两千就不见人了", {"work_injury"}, {"construction"}),
    ("在饭店干了两年 老板从来没给交过保险", {"social_insurance"}, set()),
    ("合同到期了公司不续 也不给补偿 我干了六年", {"termination_compensation"}, set()),
    ("公司说年假不休就作废 一天都没给折算", {"leave_hours"}, set()),
    ("同事偷了店里的货 老板让我们全店一起赔", {"other"}, set()),
    ("切菜把手指头切了 老板说是我自己不小心 医药费自己出", {"work_injury"}, set()),
    ("在厂里干活被铁板砸了脚 脚趾头骨折了 厂里不给报工伤", {"work_injury"}, set()),
    ("进厂半年了 一直不给签合同 说试用期过了再签", {"no_contract"}, set()),
    ("公司社保一直按最低的交 我工资八千多 这合法吗", {"social_insurance"}, set()),
    ("上个月请了五天丧假 公司全按旷工算 扣了我一千多", {"leave_hours", "wage_arrears"}, set()),
    (
        "俺们工地二十多个人 干了一年 工头就给了点生活费",
        {"wage_arrears"},
        {"construction", "collective"},
    ),
    ("老板说再闹就找人收拾我 我现在不敢回宿舍", {"other"}, {"urgent"}),
    (
        "派遣公司把我派到电子厂 干了三年 现在厂里说退回去就退回去",
        {"dispatch", "termination_compensation"},
        set(),
    ),
    (
        "在美容院上班 辞职交了一个月了 店长说要找到人接替才放我走",
        {"termination_compensation"},
        set(),
    ),
    ("给人家看孩子的阿姨 东家三个月没给钱了", {"wage_arrears", "labor_relation"}, set()),
    ("在厂里干了十年 厂子改制了 让我们签新合同 工龄不算了", {"termination_compensation"}, set()),
    ("早上七点干到晚上九点 一个月才歇两天 没有加班费", {"overtime"}, set()),
    ("老扳拖欠工姿两个月了 怎么办", {"wage_arrears"}, set()),
    ("公司没给我交设保 也没签和同", {"social_insurance", "no_contract"}, set()),
    ("干活时候手被机器绞了 老板不给算工上", {"work_injury"}, set()),
    ("被辞推了 一分陪偿都没有", {"termination_compensation"}, set()),
    ("天天加斑到半夜 加班废一分没有", {"overtime"}, set()),
    ("包公头跑了 俺们十几个人的工钱都没结", {"wage_arrears"}, {"construction", "collective"}),
    ("送外麦的 站长扣了我半个月的钱", {"wage_arrears"}, {"platform"}),
    ("厂里押了我两个月工资 说干满一年才给", {"wage_arrears"}, set()),
    ("咱在厂里干了三年 老板说厂子不开了 一分钱补偿也不给", {"termination_compensation"}, set()),
    ("俺在工地上被钢筋扎了脚 包工头让俺自己去看", {"work_injury"}, {"construction"}),
    ("鞋厂不发钱了", {"wage_arrears"}, set()),
    ("被炒了 能要赔偿不", {"termination_compensation"}, set()),
    ("电子厂干了俩月 走的时候不给结账", {"wage_arrears"}, set()),
    ("砖厂老板欠俺八千块钱 过年都没给", {"wage_arrears"}, set()),
    ("在酒店后厨切到手了 缝了六针 酒店让我自己掏钱", {"work_injury"}, set()),
    ("没签合同能要双倍工资吗 干了快一年了", {"no_contract"}, set()),
    ("老板说这个月效益不好 工资发一半", {"wage_arrears"}, set()),
    ("物流园搬货的 说好一个月六千 结果只给了四千五", {"wage_arrears"}, set()),
    ("公司把我们整个部门裁了 一人给一个月工资打发", {"termination_compensation"}, set()),
    ("饭店服务员 一个月休两天 每天干十二个小时", {"overtime"}, set()),
    ("包工头拖欠我们三个月工钱 一共十二个人", {"wage_arrears"}, {"construction", "collective"}),
    ("干了一年多 社保一天没交过 现在不干了能补吗", {"social_insurance"}, set()),
    ("在服装厂车衣服 计件的 上个月的钱压着不发", {"wage_arrears"}, set()),
    ("我是开厂的 一个员工干了三天就走了 还要我给他结工资 要给吗", {"wage_arrears"}, set()),
    (
        "帮亲戚家盖房子 从房顶摔下来了 亲戚说他不管",
        {"work_injury", "labor_relation"},
        {"construction"},
    ),
    ("我弟在工地干活 包工头欠他一万多 他人老实不敢要", {"wage_arrears"}, {"construction"}),
    (
        "当保洁的 公司说过了六十岁就不给交社保了 还让签劳务协议",
        {"social_insurance", "labor_relation"},
        set(),
    ),
    (
        "跑美团的 被车撞了 站长说众包骑手自己买的意外险 让我找保险",
        {"work_injury", "labor_relation"},
        {"platform"},
    ),
    ("公司要我赔三万培训费才放人 我才干了半年", {"other"}, set()),
    ("离职了公司扣着档案不给转 新单位催了好几次", {"other"}, set()),
    ("经理老是对我动手动脚 说些下流话 我不敢辞职", {"other"}, set()),
    ("面试的时候说包吃住 进厂了又说要交伙食费 还押了一个月工资", {"wage_arrears"}, set()),
    ("中介收了我三千介绍费 说进厂干满三个月返 结果厂里说不认识这个中介", {"other"}, set()),
    ("退休了又被单位返聘 在单位摔了一跤 算不算工伤", {"work_injury", "labor_relation"}, set()),
    (
        "跟老板签的承包协议 其实每天按他说的上下班 现在受伤了他说我是承包的",
        {"work_injury", "labor_relation"},
        set(),
    ),
]

NOT_WORKERS = [
    "楼上邻居装修把我家天花板弄漏水了 他说是装修队的事 不肯赔",
    "在健身房办了两千块的卡 教练跑了 店也关了 钱能要回来不",
    "老乡借了俺三千说发了工资就还 现在人联系不上了",
    "俺开饭馆的 工地上的人在俺这赊了半年的饭钱 包工头说等甲方结了再给",
    "我自己是包工头 带了二十个人干活 总包欠我六十万工程款不给",
    "房东扣了我一个月押金 说墙上有钉子眼",
    "俺爹留下的房子 俺哥想一个人全拿了 俺们姐妹咋办",
    "路过工地被掉下来的钢管砸了肩膀 工地说是我自己走得太近",
    "给装修公司交了五千定金 合同还没签 公司就找不到人了",
    "骑车被一辆货车刮倒了 对方全责 保险公司拖着不赔",
    "我开五金店的 包工头拿了我一万多的货 说等结了工程款再给",
    "儿子在外地打工 寄回来的钱被他媳妇全拿走了 我想要回来",
    "网上买的手机坏了 店家不给退 平台客服也不管",
    "借给工友五千块 他辞职回老家了 电话也不接",
    "我和老公打官司离婚 他在厂里上班的工资卡藏起来了",
    "小区门口被电动车撞了 骑车的是送外卖的 他说平台会赔",
    "在网上投资被骗了三万 对方说是公司的员工",
    "老公在外面打工不给家里钱 我想离婚",
    "给朋友公司投了二十万 说好分红 现在他不认账了",
    "我租的门面 房东要提前收回 装修钱谁赔",
    "在驾校报了名交了三千 教练老是不来 想退钱",
    "孩子在培训班交了一万学费 机构跑路了",
]


@pytest.mark.parametrize(("text", "labels", "flags"), WORKERS, ids=[t for t, _, _ in WORKERS])
def test_a_worker_is_understood(text: str, labels: set[str], flags: set[str]) -> None:
    result = classify(text)
    assert set(result.dispute_types) == labels
    assert set(result.flag_names) == flags


@pytest.mark.parametrize("text", NOT_WORKERS)
def test_someone_owed_as_no_worker_is_pointed_elsewhere(text: str) -> None:
    result = classify(text)
    assert result.not_labor is not None and result.dispute_types == ()
    assert not {"construction", "platform", "collective"} & set(result.flag_names)


def test_the_not_labour_verdict_names_the_words_that_show_who_is_owed() -> None:
    result = classify("我开五金店的 包工头拿了我一万多的货 说等结了工程款再给")
    assert result.not_labor is not None
    assert "我开五金店的" in {m.term for m in result.not_labor.matches}


def test_the_typos_of_the_issue_read_as_arrears() -> None:
    assert classify("老版拖钱工资三个月").dispute_types == ("wage_arrears",)
    assert classify("老细冇畀人工我").dispute_types == ("wage_arrears",)


def test_a_withheld_id_card_needs_a_person_now() -> None:
    assert urgency("老板扣着我身份证不让走") is not None
    assert urgency("东莞的厂扣着俺身份证不给 说干满一年才还") is not None
    assert urgency("身份证丢了 补办要多久") is None


def test_a_deposit_kept_back_is_its_own_dispute() -> None:
    assert classify("押金不退").dispute_types == ("other",)


def test_a_deduction_for_being_late_is_pay_not_hours() -> None:
    assert classify("公司扣我工资说我迟到").dispute_types == ("wage_arrears",)


def test_being_sent_away_while_pregnant_is_a_dismissal() -> None:
    assert classify("怀孕了公司要我走").dispute_types == ("termination_compensation",)


def test_unpaid_wages_with_rent_and_school_fees_due_stay_a_labour_case() -> None:
    result = classify("三个月没发工资了 房租交不上 孩子学费也没有 真的不想活了")
    assert result.dispute_types == ("wage_arrears",)
    assert "urgent" in result.flag_names


def test_platform_work_with_no_dispute_named_asks_who_employs_whom() -> None:
    result = classify("开货拉拉的 平台扣了我三天的单 也不说为啥")
    assert result.dispute_types == ("labor_relation",)
    assert result.flag_names == ("platform",)


def test_a_passer_by_hit_on_a_site_is_no_worker_however_bad_the_injury() -> None:
    result = classify("路过工地被上面掉下来的砖头砸了头 缝了八针 头到现在还疼 找谁赔")
    assert result.not_labor is not None
    assert "路过工地" in {m.term for m in result.not_labor.matches}


def test_groping_is_harassment_not_a_fight() -> None:
    assert urgency("经理老是对我动手动脚 说些下流话") is None
    assert urgency("老板跟我吵起来还动手了") is not None


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("怀孕五个月了 主管天天找茬 逼我自己写辞职", "pregnancy"),
        ("入职押了一千块押金 干了三个月走的时候不退", "withheld_documents"),
        ("包公头跑了 俺们十几个人的工钱都没结", "employer_gone"),
    ],
)
def test_a_situation_with_a_protection_is_reported_apart_from_the_flags(
    text: str, situation: str
) -> None:
    result = classify(text)
    assert situation in result.situations
    assert situation not in result.flag_names
