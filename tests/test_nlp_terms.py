"""Settlement terms as people say them: a total, a payment schedule, conditions, and the kind of
answer (offer / accept / refuse / unclear), read against a pinned `today` and the claim."""

from __future__ import annotations

from datetime import date

import pytest

from nlp.terms import Payment, Terms, parse_terms

TODAY = date(2026, 12, 7)  # a Monday; 春节 2027 is 6 February


def schedule(terms: Terms) -> list[tuple[int, str | None]]:
    return [(p.amount, p.due.isoformat() if p.due else None) for p in terms.schedule]


def test_two_payments_of_different_amounts_keep_both_dates() -> None:
    terms = parse_terms(
        "单位支付16000元，12月31日前付10000元，2027年1月31日前付6000元", TODAY, 20000, "mediator"
    )
    assert (terms.kind, terms.total) == ("accept", 16000)
    assert schedule(terms) == [(10000, "2026-12-31"), (6000, "2027-01-31")]


def test_the_remainder_is_what_is_left_not_an_equal_half() -> None:
    text = "调解成功：总包单位代付28万，分两期，12月31日前付15万，春节前付清余款13万"
    terms = parse_terms(text, TODAY, 350000, "mediator")
    assert terms.total == 280000
    assert schedule(terms) == [(150000, "2026-12-31"), (130000, "2027-02-05")]


def test_first_part_now_and_the_rest_before_the_new_year() -> None:
    terms = parse_terms("先给6000 剩下的过年前给", TODAY, 15000, "employer")
    assert (terms.kind, terms.total) == ("offer", 15000)
    assert schedule(terms) == [(6000, None), (9000, "2027-02-05")]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("一万 月底前", "2026-12-31"),
        ("一万 下个月底", "2027-01-31"),
        ("一万 15号前", "2026-12-15"),
        ("一万 下个月10号", "2027-01-10"),
        ("一万 1月31日前", "2027-01-31"),
        ("一万 年底前", "2026-12-31"),
        ("一万 元旦前", "2026-12-31"),
        ("一万 过年前", "2027-02-05"),
        ("一万 下周五", "2026-12-18"),
        ("一万 这周五", "2026-12-11"),
        ("一万 10天内", "2026-12-17"),
        ("一万 一个月内", "2027-01-07"),
        ("一万 马上", "2026-12-07"),
        ("一万 月低前", "2026-12-31"),  # 低 typed for 底
    ],
)
def test_due_dates_are_read_by_the_conventions(text: str, due: str) -> None:
    assert schedule(parse_terms(text, TODAY, 12000, "employer")) == [(10000, due)]


@pytest.mark.parametrize(
    ("text", "total"),
    [("七成", 14000), ("70%", 14000), ("打七折", 14000), ("一半", 10000), ("八五折", 17000),
     ("七成五", 15000), ("全额", 20000), ("一分不少", 20000)],
)  # fmt: skip
def test_shares_of_the_claim(text: str, total: int) -> None:
    assert parse_terms(f"{text} 月底前", TODAY, 20000, "employer").total == total


def test_equal_parts_give_the_remainder_to_the_last() -> None:
    terms = parse_terms("两万五 分三期 月底 下月底 春节前", TODAY, 33000, "worker")
    assert schedule(terms) == [(8333, "2026-12-31"), (8333, "2027-01-31"), (8334, "2027-02-05")]


def test_parts_without_dates_are_listed_without_dates() -> None:
    terms = parse_terms("七成 分三次给 时间不好说", TODAY, 30000, "employer")
    assert schedule(terms) == [(7000, None)] * 3


@pytest.mark.parametrize(
    ("text", "kind"),
    [("行 就这样", "accept"), ("可以", "accept"), ("没意见", "accept"),
     ("不同意 我直接去仲裁", "refuse"), ("七成不行", "refuse"), ("一分钱都没有", "refuse"),
     ("我再考虑考虑", "unclear"), ("差不多一万左右吧", "unclear"), ("至少要两万", "offer"),
     ("好吧 七成就七成 月底前打过来", "accept")],
)  # fmt: skip
def test_kinds_of_answer(text: str, kind: str) -> None:
    assert parse_terms(text, TODAY, 20000, "worker").kind == kind


def test_a_refused_clause_does_not_lend_its_date() -> None:
    terms = parse_terms("1w 可以 但是得马上给 拖到过年我不干", TODAY, 13500, "worker")
    assert (terms.kind, schedule(terms)) == ("offer", [(10000, "2026-12-07")])


def test_a_counter_without_money_reshapes_the_terms_on_the_table() -> None:
    table = parse_terms("两万 分两次 月底 下月底", TODAY, 26000, "employer")
    terms = parse_terms("可以 但要一次给清", TODAY, 26000, "worker", table=table)
    assert (terms.kind, schedule(terms)) == ("offer", [(20000, "2026-12-31")])


def test_conditions_are_named() -> None:
    terms = parse_terms("八成 月底前 写个收条 以后不再追究", TODAY, 19500, "employer")
    assert terms.conditions == ("出具收条", "不再追究")


def test_beyond_the_holiday_table_no_date_is_guessed() -> None:
    assert parse_terms("一万 春节前", date(2036, 3, 1), 20000).schedule == (Payment(10000),)


@pytest.mark.parametrize("text", ["", "😀", "分零次", "百分之五百", "<b>七成</b>" * 500, "1" * 500])
def test_odd_input_gives_terms(text: str) -> None:
    assert isinstance(parse_terms(text, TODAY, 20000), Terms)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("钱全给你 分三个月 每个月底给一万二", [(12000, "2026-12-31"), (12000, "2027-01-31"),
                                              (12000, "2027-02-28")]),
        ("每月15号给三千 分三次", [(3000, "2026-12-15"), (3000, "2027-01-15"),
                                  (3000, "2027-02-15")]),
        ("可以给两万 但要分三个月 每月月底", [(6666, "2026-12-31"), (6666, "2027-01-31"),
                                            (6668, "2027-02-28")]),
        ("每个月还你三千 四个月还完", [(3000, None)] * 4),
    ],
)  # fmt: skip
def test_a_monthly_plan_is_paid_month_by_month(
    text: str, expected: list[tuple[int, str | None]]
) -> None:
    assert schedule(parse_terms(text, TODAY, 36000, "employer")) == expected


@pytest.mark.parametrize(
    ("text", "due"),
    [("一万 正月十五前", "2027-02-19"), ("一万 三月底", "2027-03-31"),
     ("一万 一个礼拜内", "2026-12-14"), ("一万 过了元旦就给", None), ("一万 过年后", None),
     ("一万 开春了再给", None)],
)  # fmt: skip
def test_more_ways_of_saying_when(text: str, due: str | None) -> None:
    assert schedule(parse_terms(text, TODAY, 12000, "employer")) == [(10000, due)]


def test_two_thirds_of_the_claim_is_exact() -> None:
    assert parse_terms("三分之二 下月底前付完", TODAY, 18000, "employer").total == 12000
    assert parse_terms("给你打个对折 7天内", TODAY, 16000, "employer").total == 8000


def test_the_remainder_named_with_its_own_count_is_split() -> None:
    terms = parse_terms("三万 先付一万 剩下两万分两次 下个月底 春节前", TODAY, 40000, "employer")
    assert schedule(terms) == [(10000, None), (10000, "2027-01-31"), (10000, "2027-02-05")]


def test_dates_said_after_the_parts_apply_in_order() -> None:
    terms = parse_terms("最多出两万五 分两次 一次1.5w 一次1w 月底和年前", TODAY, 33000, "employer")
    assert schedule(terms) == [(15000, "2026-12-31"), (10000, "2027-02-05")]


def test_the_whole_sum_said_again_is_not_a_payment_of_its_own() -> None:
    terms = parse_terms("三万五一分不少 分两次也行 月底跟下月底", TODAY, 35000, "worker")
    assert schedule(terms) == [(17500, "2026-12-31"), (17500, "2027-01-31")]


def test_a_day_for_a_condition_is_not_a_payment_day() -> None:
    text = "调解成功：公司于本月底前支付工资差额1.2万元，12月31日前补缴社保。"
    terms = parse_terms(text, TODAY, 33000, "mediator")
    assert (schedule(terms), terms.conditions) == ([(12000, "2026-12-31")], ("补缴社保",))


@pytest.mark.parametrize(
    ("text", "kind"),
    [("一万四少一分都不行 月底前", "offer"), ("一万五？开什么玩笑", "refuse"),
     ("你告去吧 我们不怕", "refuse"), ("我同意 一万六 就这么定了", "accept"),
     ("先打五千过来 别的再说", "unclear"), ("七成 分两次 月底 下月底 你考虑一下", "offer"),
     ("可以 但要一次给清", "offer"), ("冇问题", "accept"), ("好的好的 谢谢", "accept"),
     ("9000 过年前 就这样", "offer")],
)  # fmt: skip
def test_kinds_of_answer_in_everyday_words(text: str, kind: str) -> None:
    assert parse_terms(text, TODAY, 20000, "worker").kind == kind


def test_the_team_set_is_read_to_the_targets() -> None:
    from pathlib import Path

    from nlp.evaluate import read_jsonl
    from nlp.terms_eval import evaluate

    rows = read_jsonl(str(Path(__file__).parent / "data" / "terms" / "team.jsonl"))
    _, summary = evaluate(rows)
    assert summary["kind_accuracy"] >= 0.95 and summary["total_exact"] >= 0.95
    assert summary["schedule_exact"] >= 0.90


@pytest.mark.parametrize(
    ("text", "due"),
    [("一万 12.31前", "2026-12-31"), ("一万 1/15前", "2027-01-15"),
     ("一万 2026-12-25前", "2026-12-25"), ("一万 元月底前", "2027-01-31"),
     ("一万 明年一月底", "2027-01-31"), ("现在一万", "2026-12-07")],
)  # fmt: skip
def test_days_written_with_figures_and_in_other_words(text: str, due: str) -> None:
    assert schedule(parse_terms(text, TODAY, 12000, "employer")) == [(10000, due)]


def test_amounts_with_a_point_are_money_not_days() -> None:
    terms = parse_terms("1.5w 分两次 12.31 1.31", TODAY, 20000, "employer")
    assert schedule(terms) == [(7500, "2026-12-31"), (7500, "2027-01-31")]


def test_half_paid_first_is_half_of_the_sum_named_before_it() -> None:
    terms = parse_terms("给一万八 三天内付一半 剩下的月底", TODAY, 22000, "employer")
    assert schedule(terms) == [(9000, "2026-12-10"), (9000, "2026-12-31")]


def test_each_persons_share_is_not_a_payment() -> None:
    terms = parse_terms("我们这边三个人 每人一万 一共三万 月底前", TODAY, 40000, "worker")
    assert schedule(terms) == [(30000, "2026-12-31")]


def test_a_remainder_waived_is_not_paid() -> None:
    terms = parse_terms("给1.5万 剩余部分不再支付", TODAY, 20000, "employer")
    assert (terms.total, schedule(terms)) == (15000, [(15000, None)])


@pytest.mark.parametrize(
    ("text", "kind"),
    [("这么多真给不了 一万五行不行 分两次 月底和下月底", "offer"), ("不行不行", "refuse"),
     ("不是说好一万九吗 怎么变成一万五了 不同意", "refuse"), ("我觉得可以", "accept"),
     ("好吧好吧 就按一半来", "accept"), ("同意七成 月底之前给我", "accept"),
     ("公司同意一次性支付两万", "offer"), ("行嘞 谢谢老板", "accept"),
     ("这个要求我们满足不了", "refuse"), ("同意你们的要求 两万三 月底前付", "accept")],
)  # fmt: skip
def test_questions_and_complaints_about_the_offer(text: str, kind: str) -> None:
    assert parse_terms(text, TODAY, 21000, "worker").kind == kind


def test_the_remainder_paid_month_by_month() -> None:
    text = "实在拿不出那么多，两万八，先给一万，剩下的一万八分三个月还清，每月底六千。"
    terms = parse_terms(text, TODAY, 35000, "employer")
    assert schedule(terms) == [
        (10000, None), (6000, "2026-12-31"), (6000, "2027-01-31"), (6000, "2027-02-28")
    ]  # fmt: skip


def test_a_weekly_plan_from_the_day_it_starts() -> None:
    terms = parse_terms("一万八 分三次 每次六千 这周五开始每周五给", TODAY, 26000, "employer")
    assert schedule(terms) == [(6000, "2026-12-11"), (6000, "2026-12-18"), (6000, "2026-12-25")]


def test_a_first_payment_is_not_the_whole_sum() -> None:
    terms = parse_terms("先付两万 余款两万在三月底前付清", TODAY, 50000, "employer")
    assert (terms.total, schedule(terms)) == (40000, [(20000, None), (20000, "2027-03-31")])


@pytest.mark.parametrize(
    ("text", "kind"),
    [("成 就按这个", "accept"), ("okk", "accept"), ("先给你五千 剩下的看公司情况", "unclear")],
)
def test_more_answers_in_words(text: str, kind: str) -> None:
    assert parse_terms(text, TODAY, 12000, "worker").kind == kind


def test_the_latest_day_for_everything_goes_to_the_last_part() -> None:
    terms = parse_terms("按一万三算 分两次也行 但最晚年前要给完", TODAY, 15000, "worker")
    assert schedule(terms) == [(6500, None), (6500, "2027-02-05")]


def test_the_other_part_is_the_rest_of_the_claim() -> None:
    terms = parse_terms("我只能先给三千 其他的等年后", TODAY, 9000, "employer")
    assert schedule(terms) == [(3000, None), (6000, None)]


def test_a_holiday_said_with_jie() -> None:
    terms = parse_terms("一万 国庆节前给", date(2026, 9, 10), 12000, "employer")
    assert schedule(terms) == [(10000, "2026-09-30")]


@pytest.mark.parametrize(
    "text",
    ["这个方案我们不能接受", "接受不了 你们要的太高", "我无法同意", "不可以 太少了",
     "不太行 再加点", "不合理 我们不会答应的", "凭什么只给这么点", "这不公平",
     "不能就这样算了", "太低了 不考虑", "谈不拢就算了", "不用谈了 一分不给"],
)  # fmt: skip
def test_an_agreement_word_negated_is_a_refusal(text: str) -> None:
    assert parse_terms(text, TODAY, 15000, "worker").kind == "refuse"


def test_yuan_before_month_end_is_money_not_january() -> None:
    terms = parse_terms("8000元月底付清", TODAY, 9000, "employer")
    assert schedule(terms) == [(8000, "2026-12-31")]
    assert schedule(parse_terms("一万五 元月15号", TODAY, 20000, "employer")) == [
        (15000, "2027-01-15")
    ]


def test_halves_of_a_sum_named_before_them_are_its_parts() -> None:
    terms = parse_terms("两万 十五号前一半 月底前一半", TODAY, 24000, "worker")
    assert terms.total == 20000
    assert schedule(terms) == [(10000, "2026-12-15"), (10000, "2026-12-31")]


def test_a_share_paid_first_then_all_paid_by_a_day() -> None:
    terms = parse_terms("这个月底先付一半 下月底付清", TODAY, 14000, "employer")
    assert terms.total == 14000
    assert schedule(terms) == [(7000, "2026-12-31"), (7000, "2027-01-31")]


def test_the_amount_a_month_times_the_months() -> None:
    terms = parse_terms("两千一个月 分五个月", TODAY, 12000, "employer")
    assert (terms.total, len(terms.schedule)) == (10000, 5)


def test_equal_thirds_give_the_remainder_to_the_last() -> None:
    text = "公司分三期支付20000元：12月31日、1月31日、2月28日前各支付三分之一"
    assert [p.amount for p in parse_terms(text, TODAY, 25000, "mediator").schedule] == [
        6666,
        6666,
        6668,
    ]


def test_the_other_sides_sum_turned_down_is_not_the_total() -> None:
    terms = parse_terms("3w太多了 公司最多出2w", TODAY, 30000, "employer")
    assert (terms.kind, terms.total) == ("offer", 20000)
    assert parse_terms("八千块钱打发谁呢 少于九千免谈", TODAY, 9000, "worker").total == 9000


@pytest.mark.parametrize(
    ("text", "kind"),
    [("可以是可以 但得开离职证明", "offer"), ("对方提出的一万三 我接受", "accept"),
     ("这个方案我认可 尽快打款吧", "accept"), ("这个数额我们实在承受不了", "refuse"),
     ("太欺负人了 我要去法院起诉", "refuse"), ("要不一万五吧 下月底", "offer"),
     ("你们这是耍我呢 之前说好的一万五 现在变八千", "refuse")],
)  # fmt: skip
def test_answers_in_more_words(text: str, kind: str) -> None:
    assert parse_terms(text, TODAY, 20000, "worker").kind == kind


def test_a_day_said_for_every_month_then_each_parts_amount() -> None:
    text = "公司支付经济补偿1.8万元，分三次，每月15号支付6000元，自本月起"
    terms = parse_terms(text, TODAY, 24000, "mediator")
    assert schedule(terms) == [(6000, "2026-12-15"), (6000, "2027-01-15"), (6000, "2027-02-15")]


def test_the_rest_split_with_one_day_for_all_of_it() -> None:
    terms = parse_terms("先付三成 剩下的年前分两次给清", date(2026, 11, 16), 20000, "employer")
    assert schedule(terms) == [(6000, None), (7000, None), (7000, "2027-02-05")]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("可义 就按这个办吧", "accept"), ("唔得 咁少边个做", "refuse"),
     ("你们上次说两万 怎么又成一万五了 不干", "refuse"), ("没门 一万以下免谈", "offer"),
     ("不同意一次性 只能分三期 月底 下月底 年前", "offer"),
     ("不行啊 这样我过年都回不去", "refuse")],
)  # fmt: skip
def test_spellings_minimums_and_counters_without_money(text: str, kind: str) -> None:
    assert parse_terms(text, TODAY, 20000, "worker").kind == kind


def test_the_second_team_set_is_read_to_the_targets() -> None:
    from pathlib import Path

    from nlp.evaluate import read_jsonl
    from nlp.terms_eval import evaluate

    rows = read_jsonl(str(Path(__file__).parent / "data" / "terms" / "team2.jsonl"))
    _, summary = evaluate(rows)
    assert summary["kind_accuracy"] >= 0.95 and summary["total_exact"] >= 0.95
    assert summary["schedule_exact"] >= 0.90


def test_a_share_split_by_a_count_is_the_whole_sum_not_a_first_part() -> None:
    terms = parse_terms("我们先给七成，分两次付清，下个月底前付完", TODAY, 24000, "employer")
    assert terms.total == 16800
    assert schedule(terms) == [(8400, None), (8400, "2027-01-31")]
