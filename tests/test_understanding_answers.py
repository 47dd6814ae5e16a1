"""Transcripts of answers read for the question asked: who is in the dispute, whether the worker
is still there, a company whose name holds a place, corrections that say what they replace,
and consent given or refused in everyday words.
"""

from __future__ import annotations

from tests.support.stub import StubWorker
from tests.test_understanding import TODAY, answer, facts, reach_consent, worker_with

# People in the dispute ------------------------------------------------------------------------


def test_a_bare_figure_answers_how_many_people() -> None:
    worker = worker_with("鸿达五金厂拖欠工资两个月")
    answer(worker, "headcount", "六十多")
    assert facts(worker)["headcount"] == 60
    assert facts(worker)["headcount_approx"] is True


def test_the_workers_own_group_counts_not_the_workplace() -> None:
    cases = {
        "厂里三百来号人 就我们仨没拿到": 3,
        "我和我媳妇两个": 2,
        "我们一个小组九个人 都没给": 9,
        "线上有七个 我只问我自己的": 1,
        "俺": 1,
    }
    for said, expected in cases.items():
        worker = worker_with("鸿达五金厂拖欠工资两个月")
        answer(worker, "headcount", said)
        assert facts(worker)["headcount"] == expected, said


def test_the_size_of_the_workplace_in_an_opening_is_no_headcount() -> None:
    worker = worker_with("鸿达五金厂一百多号人 老板就把我一个开了")
    assert "headcount" not in facts(worker) or facts(worker)["headcount"] == 1
    assert "collective" not in (worker.case.flags if worker.case else ())


def test_ten_or_more_said_loosely_is_a_collective_dispute() -> None:
    worker = worker_with("鸿达五金厂俺们十几号工人 仨月没开支了")
    assert facts(worker)["headcount"] == 10
    assert worker.case is not None and "collective" in worker.case.flags


# Still working there --------------------------------------------------------------------------


def test_on_leave_is_still_there_and_a_sealed_factory_is_gone() -> None:
    cases = {
        "在家养着伤呢 厂里说工资照发": True,
        "请了假在家": True,
        "厂门都被法院封了": False,
        "休病假那阵子被辞了": False,
    }
    for said, expected in cases.items():
        worker = worker_with("鸿达五金厂拖欠工资两个月")
        answer(worker, "employed", said)
        assert facts(worker)["employed"] is expected, said


# Names that hold a place ----------------------------------------------------------------------


def test_a_company_named_after_a_county_is_not_that_county() -> None:
    worker = worker_with("长安汽配拖欠我两个月工资")  # 长安: a brand here, not 西安长安区
    assert "place" not in facts(worker)
    answer(worker, "place", "东莞长安镇")
    assert facts(worker)["place_code"] == "441900119"


def test_a_trade_in_a_well_known_township_is_asked_for_its_name() -> None:
    worker = worker_with("九亭电子厂 辞职后最后一个月工钱不给")
    assert "employer" not in facts(worker)
    answer(worker, "employer", "沪芯电子")
    assert facts(worker)["employer"] == "沪芯电子"


# Corrections ----------------------------------------------------------------------------------


def test_a_name_corrected_against_the_wrong_one() -> None:
    worker = worker_with("拖欠工资两个月")
    answer(worker, "employer", "金鹏五金")
    worker.says("厂名我打错了 应该是金鹏机械 不是五金那家")
    assert facts(worker)["employer"] == "金鹏机械"
    worker.says("公司叫金鹏机械 隔壁那家才是五金")
    assert facts(worker)["employer"] == "金鹏机械"


def test_a_place_corrected_against_the_wrong_one() -> None:
    worker = worker_with("金鹏机械拖欠工资两个月")
    answer(worker, "place", "深圳宝安区")
    worker.says("哎说错了 不是宝安 是龙华")
    assert facts(worker)["place_code"] == "440309"
    assert "龙华" in str(facts(worker)["place"])


def test_a_duration_corrected() -> None:
    worker = worker_with("金鹏机械拖欠三个月工资")
    worker.says("不对 是五个月 这个月的也没发")
    assert facts(worker)["months"] == 5


def test_a_remark_at_the_consent_question_renames_nobody() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
    reach_consent(worker)
    worker.says("公司里说这不关他们的事")
    assert facts(worker)["employer"] == "泉州鑫达鞋业有限公司"


# Consent in words -----------------------------------------------------------------------------


def test_yes_in_few_words() -> None:
    for said in ("需要的", "要 麻烦了", "👌", "……好吧"):
        worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
        reach_consent(worker)
        worker.says(said)
        assert worker.case is not None and worker.case.state.value == "negotiating", said


def test_no_point_in_asking_the_employer_offers_a_mediator() -> None:
    for said in ("老板早没影了", "电话打不通 人也找不到", "他们肯定不认账", "找了好几次了"):
        worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
        reach_consent(worker)
        worker.says(said)
        assert worker.case is not None and worker.case.asking == "consent_mediator", said


def test_a_what_if_question_at_consent_is_not_a_refusal() -> None:
    worker: StubWorker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
    reach_consent(worker)
    worker.says("万一他不理你们咋办")
    assert worker.case is not None and worker.case.asking is not None
    assert worker.case.asking.endswith("consent_employer")
    assert worker.case.state.value == "awaiting_consent"


# Answers to another question, or to none ------------------------------------------------------


def test_a_wage_given_for_the_headcount_is_no_crowd() -> None:
    worker = worker_with("鸿达五金厂拖欠工资两个月")
    answer(worker, "headcount", "一个月七千二")
    assert facts(worker).get("headcount") != 7200
    assert worker.case is not None and "collective" not in worker.case.flags


def test_a_department_is_not_a_wish_for_a_person() -> None:
    worker = worker_with("鸿达五金厂拖欠工资两个月")
    answer(worker, "headcount", "我们客服部五个人")
    assert facts(worker)["headcount"] == 5


def test_the_months_named_one_by_one() -> None:
    worker = worker_with("鸿达五金厂拖欠工资")
    answer(worker, "months", "就十月那个月的")
    assert facts(worker)["months"] == 1


def test_still_there_in_cantonese() -> None:
    worker = worker_with("鸿达五金厂拖欠工资两个月")
    answer(worker, "employed", "仲喺度返紧工")
    assert facts(worker)["employed"] is True


def test_wanting_a_mediator_at_the_employer_question_declines_the_employer() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
    reach_consent(worker)
    worker.says("我不敢自己跟老板讲 直接交给调解员行不行")
    assert worker.case is not None and worker.case.asking == "consent_mediator"
    worker.says("好")
    assert worker.case.state.value != "awaiting_consent"


def test_a_question_asked_again_and_again_at_consent_does_not_loop() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
    reach_consent(worker)
    seen = set()
    for _ in range(4):
        worker.says("这个要花钱吗")
        assert worker.case is not None
        seen.add((worker.case.state.value, worker.case.asking))
    assert len(seen) > 1  # the question is answered, then the conversation moves on


def test_stopping_said_mid_sentence() -> None:
    worker = worker_with("鸿达五金厂拖欠工资两个月")
    worker.says("刚才老板打电话说明天就给 那就先不用了")
    assert ("确认撤回", "withdraw_confirm") in worker.options


# Places as workers name them ------------------------------------------------------------------


def test_county_names_that_are_also_words_are_places() -> None:
    cases = {
        "常熟 虞山那边": "320581",
        "即墨": "370215",
        "湖北仙桃": "429004",
        "大冶市": "420281",
    }
    for said, code in cases.items():
        worker = worker_with("鸿达五金厂拖欠工资两个月")
        answer(worker, "place", said)
        assert str(facts(worker)["place_code"]).startswith(code), said


def test_autonomous_counties_by_their_short_names() -> None:
    worker = worker_with("鸿达五金厂拖欠工资两个月")
    answer(worker, "place", "长阳县 龙舟坪")
    assert str(facts(worker)["place_code"]).startswith("420528")


def test_a_word_that_is_also_a_townships_name_is_no_place() -> None:
    worker = worker_with("在林场干活 老板欠了俩月工钱")
    assert "place" not in facts(worker)


def test_a_township_known_across_the_country_by_its_short_name() -> None:
    worker = worker_with("鸿达五金厂拖欠工资两个月")
    answer(worker, "place", "在燕郊那边")
    assert facts(worker)["place_code"] == "131082109"


# Leaving, in the words people use --------------------------------------------------------------


def test_leaving_said_many_ways() -> None:
    cases = {
        "早就不去了": False,
        "俾人炒咗": False,
        "上礼拜让我回家了": False,
        "下个月十号起就不用去了": True,
        "老板让我年底走": True,
        "还干着呢": True,
        "过完年就没再去了": False,
    }
    for said, expected in cases.items():
        worker = worker_with("鸿达五金厂拖欠工资两个月")
        answer(worker, "employed", said)
        assert facts(worker).get("employed") is expected, said


def test_told_not_to_come_tomorrow_has_left_this_month() -> None:
    worker = worker_with("鸿达五金厂老板今天微信说明天不用来了 工资也不结")
    assert facts(worker)["employed"] is False
    assert facts(worker)["left_date"] == "2026-12-08"


def test_corrections_that_name_the_wrong_figure() -> None:
    worker = worker_with("鸿达五金厂拖欠我两个月工资 一共1w2")
    worker.says("1w2是我记错了 应该是一万四")
    assert facts(worker)["amount"] == 14000
    worker.says("还有工资说错了 一个月是七千")
    assert facts(worker)["monthly_wage"] == 7000
    assert facts(worker)["amount"] == 14000


# Estimates said in passing are read back -------------------------------------------------------


def test_an_estimate_in_the_opening_is_read_back_and_the_exact_figure_taken() -> None:
    worker = worker_with("鸿达五金厂拖欠工资 我在那干了两年多")
    for _ in range(8):
        assert worker.case is not None
        if worker.case.asking == "confirm:service_months":
            break
        worker.says("跳过")
    else:
        raise AssertionError("the estimate was never read back")
    worker.says("两年零五个月")
    assert facts(worker)["service_months"] == 29
    assert facts(worker)["service_months_approx"] is False


def test_an_estimate_let_stand_is_asked_once() -> None:
    worker = worker_with("鸿达五金厂拖欠工资 我在那干了两年多")
    asked = 0
    for _ in range(10):
        assert worker.case is not None
        if worker.case.asking == "confirm:service_months":
            asked += 1
            worker.says("差不多吧 记不清了")
        elif worker.case.asking:
            worker.says("跳过")
    assert asked == 1
    assert facts(worker)["service_months"] == 24


def test_a_correction_is_exact_and_not_read_back() -> None:
    worker = worker_with("鸿达五金厂拖欠我五个月工资 两万多")
    worker.says("刚才说错了 是两万五")
    assert facts(worker)["amount"] == 25000
    assert worker.case is not None and worker.case.asking != "confirm:amount"


def test_the_last_months_pay_is_the_sum_owed() -> None:
    worker = worker_with("鸿达五金厂不签自愿离职就不发工资")
    answer(worker, "amount", "就最后一个月的五千三")
    assert facts(worker)["amount"] == 5300


# After an urgent hand-over ---------------------------------------------------------------------


def test_after_the_crisis_reply_the_facts_can_still_be_told() -> None:
    worker = StubWorker(TODAY)
    replies = worker.says("讨工钱被老板叫人打了 头上流血 在郑州金水区的工地")
    assert any("110" in reply for reply in replies)
    assert worker.case is not None and worker.case.state.value == "escalated"
    assert worker.case.asking == "employer"
    worker.says("宏泰建筑")
    assert facts(worker)["employer"] == "宏泰建筑"
    for _ in range(10):
        if not worker.case.asking:
            break
        worker.says("跳过")
    assert worker.case.asking in ("", None)
    assert worker.case.state.value == "escalated"
    assert any("都记下了" in reply for reply in worker.replies)


def test_the_place_first_then_the_facts() -> None:
    worker = StubWorker(TODAY)
    worker.says("老板三个月不给钱 我真的不想活了")
    assert worker.case is not None and worker.case.asking == "place"
    worker.says("东莞长安镇")
    assert facts(worker)["place_code"] == "441900119"
    assert worker.case.asking == "employer"


def test_numbers_run_together_with_a_count() -> None:
    worker = worker_with("鸿达五金厂拖欠工资两个月")
    answer(worker, "monthly_wage", "四千八一个月")
    assert facts(worker)["monthly_wage"] == 4800
    other = worker_with("鸿达五金厂欠我2w4 四个月了")
    assert facts(other)["amount"] == 24000


def test_a_condition_is_not_the_time_worked_or_owed() -> None:
    worker = worker_with("面馆老板说干不满一年 押的两个月工资不给")
    assert facts(worker).get("months") != 12
    assert "service_months" not in facts(worker)


def test_leaving_said_with_its_date() -> None:
    for said in ("上个月二十号就不让我去了", "十月份就没做了", "12月1号叫我别来了"):
        worker = worker_with("鸿达五金厂拖欠工资两个月")
        answer(worker, "employed", said)
        assert facts(worker)["employed"] is False, said
        assert facts(worker).get("left_date"), said


def test_what_a_workplace_makes_is_not_its_name() -> None:
    for opening in ("邵东打火机厂欠了我三个月的钱", "在一家牛肉面馆拉面 老板欠俩月工钱"):
        worker = worker_with(opening)
        assert "employer" not in facts(worker), opening


def test_a_boss_without_a_company_is_the_employer() -> None:
    worker = worker_with("给人种大棚 老板欠了俩月工钱")
    answer(worker, "employer", "就是老板个人 他叫刘长贵 没有公司")
    assert facts(worker)["employer"] == "刘长贵"


def test_groups_added_up_and_a_province_is_no_number() -> None:
    cases = {"后厨四个 前厅六个 都没拿到": 10, "我们湖南来的九个人": 9, "十五个保洁员": 15}
    for said, expected in cases.items():
        worker = worker_with("鸿达五金厂拖欠工资两个月")
        answer(worker, "headcount", said)
        assert facts(worker)["headcount"] == expected, said


def test_money_in_the_pocket_is_not_owed() -> None:
    worker = worker_with("工钱没拿到 口袋里就剩三十块了 在西宁火车站")
    assert facts(worker).get("amount") != 30


def test_a_place_denied_in_the_answer_is_not_taken() -> None:
    worker = worker_with("我在宝安一个鞋厂 老板欠俩月工资")
    worker.says("跳过")  # the employer
    worker.says("哦不是宝安 是龙岗 坂田那边 我记混了")
    assert facts(worker)["place_code"] == "440307013"


# Danger in new words --------------------------------------------------------------------------


def test_danger_said_in_new_words_gets_its_line_and_a_person() -> None:
    cases = {
        "工钱要不回来 孩子学费也交不上 真觉得活着没啥意思了": "12356",
        "我现在就在他们公司楼顶 今天不给钱我就不下去了": "12356",
        "老板欠钱不给 我今晚就去把他车砸了 大不了进去": "110",
        "我哥在矿上被压了 矿上不让叫救护车": "120",
    }
    for said, line in cases.items():
        worker = StubWorker(TODAY)
        replies = worker.says(said)
        assert any(line in reply for reply in replies), said
        assert worker.case is not None and "urgent" in worker.case.flags, said


def test_figures_of_speech_are_not_danger() -> None:
    for said in ("老板开会说要弄死这个项目 我们组全部滚蛋", "我们项目组整个被砍了 补偿只给一个月"):
        worker = StubWorker(TODAY)
        worker.says(said)
        assert worker.case is None or "urgent" not in worker.case.flags, said


# Fresh phrasings, written after the code ------------------------------------------------------


def test_the_name_after_jiao_in_an_opening() -> None:
    worker = worker_with("厂里欠俺工资仨月了 俺在新郑龙湖镇 一个厂子叫金瑞食品")
    assert facts(worker)["employer"] == "金瑞食品"
    assert facts(worker)["place_code"] == "410184109"


def test_a_sum_said_to_the_name_question_is_no_name() -> None:
    worker = worker_with("厂里欠俺工资仨月了")
    answer(worker, "employer", "一共一万六")
    assert facts(worker).get("employer") != "一共一万六"
    assert facts(worker)["amount"] == 16000


def test_a_round_wage_said_with_a_month() -> None:
    worker = worker_with("鸿达五金厂拖欠工资")
    answer(worker, "monthly_wage", "四千一个月")
    assert facts(worker)["monthly_wage"] == 4000


def test_two_months_pay_is_not_the_monthly_wage() -> None:
    worker = worker_with("鸿达五金厂拖欠工资")
    answer(worker, "monthly_wage", "两个月一万二")
    assert facts(worker).get("monthly_wage") != 12000


# Fresh phrasings through the API, mended ------------------------------------------------------


def test_a_wage_said_to_the_time_worked_is_no_month_worked() -> None:
    worker = worker_with("鸿达五金厂拖欠工资")
    answer(worker, "service_months", "一个月五千五")
    assert facts(worker).get("service_months") != 1


def test_northeast_and_cantonese_ways_of_saying_it() -> None:
    worker = worker_with("鸿达五金厂拖欠工资两个月")
    answer(worker, "employed", "还搁那干呢")
    assert facts(worker)["employed"] is True
    fired = worker_with("我喺南海大沥做铝材 老细上个礼拜炒咗我 一分补偿都冇")
    assert facts(fired)["left_reason"] == "dismissed"
    assert facts(fired)["left_date"] == "2026-11"
    replies = fired.says("交俾调解员得唔得")
    assert any("调解员" in reply for reply in replies)


def test_a_resignation_the_employer_caused() -> None:
    worker = worker_with("昆山电子厂 我自己辞的 他老拖工资我才走的")
    assert facts(worker)["left_reason"] == "forced"


def test_a_county_said_with_its_city_in_another_answer_is_kept() -> None:
    worker = worker_with("公司不给交社保")
    worker.says("我在杭州余杭 一个外包公司")
    assert str(facts(worker).get("place_code", "")).startswith("330110")


def test_a_yes_in_northeastern_words_and_a_call_asked_for() -> None:
    for said in ("整吧 你们给他打电话", "你们给老板打个电话吧"):
        worker = worker_with("沈阳浑南区鑫垚土方拖欠我三个月工资 一共两万四")
        reach_consent(worker)
        worker.says(said)
        assert worker.case is not None and worker.case.state.value == "negotiating", said


def test_a_cantonese_wish_to_be_erased_mid_intake() -> None:
    worker = worker_with("公司冇同我买社保 做咗两年 想问下点算")
    answer(worker, "monthly_wage", "唔该帮我删咗啲资料 唔想搞住")
    assert ("确认删除", "erase_confirm") in worker.options


def test_a_courier_with_an_employer_negotiates_and_a_crowdsourced_rider_goes_to_a_mediator() -> (
    None
):
    courier = worker_with("送快递的 网点把我上个月的派费扣着没发 说等年底一起结")
    reach_consent(courier)
    assert courier.case is not None and courier.case.asking.endswith("consent_employer")
    rider = worker_with("跑闪送的 一单被投诉 平台扣了我八百 还把号封了")
    reach_consent(rider)
    assert rider.case is not None and rider.case.asking.endswith("consent_mediator")
    assert "labor_relation" in rider.case.dispute_types


def test_my_own_share_is_no_headcount_and_the_group_is_still_asked() -> None:
    worker = worker_with("薛家湾的煤矿上 欠俺们四个月工资了 俺们是井下采煤的")
    answer(worker, "amount", "俺一个人就四万多")
    answer(worker, "headcount", "俺们一个班组十五个")
    assert facts(worker)["headcount"] == 15
    assert worker.case is not None and "collective" in worker.case.flags


def test_a_rough_headcount_is_read_back_for_the_exact_one() -> None:
    worker = worker_with("洛阳恒通机械欠俺们二十多个工人快一年的工钱了")
    for _ in range(10):
        assert worker.case is not None
        if worker.case.asking == "confirm:headcount":
            break
        worker.says("跳过")
    heard = worker.says("二十三个")
    assert facts(worker)["headcount"] == 23, heard


def test_an_id_card_held_by_an_agent_reaches_a_person_at_once() -> None:
    worker = worker_with("中介把我身份证扣了 说干满三个月才还 我想走走不了 身上钱也不多了")
    assert any("110" in reply for reply in worker.replies)
    assert worker.case is not None and "urgent" in worker.case.flags
    assert worker.case.state.value == "escalated"


def test_despair_said_first_still_reaches_a_person() -> None:
    worker = worker_with("我真的不想活了")
    assert any("12356" in reply for reply in worker.replies)
    assert worker.case is not None and worker.case.state.value == "escalated"


def test_an_opening_the_assistant_cannot_place_is_asked_again_not_greeted() -> None:
    worker = worker_with("这个事情到底怎么弄啊 烦死了")
    assert worker.case is None
    assert worker.replies[-1].startswith("抱歉，我还没弄明白")


def test_a_cantonese_possessive_before_the_name_is_no_part_of_it() -> None:
    worker = worker_with("喺东莞长安做啤机 上个月手俾机器夹咗 老细话唔关佢事")
    answer(worker, "employer", "长安镇嘅宏基塑胶厂")
    assert facts(worker)["employer"] == "宏基塑胶厂"
