"""Transcripts of what workers actually type, against the pure conversation (a stub case).

Each test is one way people were misread before: names, numbers, dates and negation, consent
and wishes said in words, danger at any moment, typos and dialect.
"""

from __future__ import annotations

from datetime import date

from tests.support.stub import StubWorker

TODAY = date(2026, 12, 7)


def worker_with(opening: str) -> StubWorker:
    worker = StubWorker(TODAY)
    worker.says(opening)
    return worker


def answer(worker: StubWorker, slot: str, text: str) -> list[str]:
    """Answer `text` once the assistant asks for `slot` (other questions are skipped)."""
    for _ in range(12):
        assert worker.case is not None
        asking = (worker.case.asking or "").removeprefix("again:")
        if asking == slot:
            return worker.says(text)
        assert asking, f"intake ended before {slot} was asked"
        worker.says("跳过")
    raise AssertionError(f"{slot} was never asked")


def facts(worker: StubWorker) -> dict[str, object]:
    assert worker.case is not None
    return dict(worker.case.facts)


# Names ---------------------------------------------------------------------------------------


def test_a_whole_sentence_about_the_site_gives_the_company_not_the_sentence() -> None:
    worker = worker_with("包工头欠我们工钱")
    answer(worker, "employer", "在泉州丰泽区的工地 中建几局的项目 包工头叫李四")
    assert facts(worker)["employer"] == "中建几局"


def test_descriptions_are_not_names_and_the_name_is_asked() -> None:
    for opening in ("怀孕了公司要我走", "俺们厂拖欠工资三个月", "在一个电子厂干了两年 老板不给钱"):
        worker = worker_with(opening)
        assert "employer" not in facts(worker), opening
        assert worker.case is not None and worker.case.asking == "employer"


def test_the_place_answer_does_not_overwrite_the_employer() -> None:
    worker = worker_with("晋江永兴鞋材厂欠我两个月工资")
    assert facts(worker)["employer"] == "晋江永兴鞋材厂"  # 永兴 is a name here, not a place
    answer(worker, "place", "晋江市池店镇")
    assert facts(worker)["employer"] == "晋江永兴鞋材厂"
    assert facts(worker)["place_code"] == "350582107"


def test_the_employer_is_corrected_in_words() -> None:
    worker = worker_with("鑫达鞋厂欠我两个月工资")
    worker.says("单位是宏发建材 不是那个")
    assert facts(worker)["employer"] == "宏发建材"


# Numbers -------------------------------------------------------------------------------------


def test_an_estimate_is_read_back_not_stored_as_one_yuan() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠工资")
    replies = answer(worker, "amount", "一共三十来万吧")
    assert facts(worker)["amount"] == 300000 and facts(worker)["amount_approx"] is True
    assert any("大约300000元，对吗" in reply for reply in replies)
    worker.says("对")
    assert worker.case is not None and worker.case.asking != "confirm:amount"


def test_money_given_when_asked_the_months_is_not_months() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我工资")
    answer(worker, "months", "欠了我一万二")
    assert facts(worker).get("months") != 12000


def test_a_monthly_wage_given_with_the_total_is_not_the_total() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我工资")
    answer(worker, "amount", "一个月4000底薪 三个月一万二")
    assert facts(worker)["amount"] == 12000 and facts(worker)["monthly_wage"] == 4000


def test_people_in_the_dispute_are_not_the_size_of_the_workplace() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
    answer(worker, "headcount", "厂里两百多人 就我们仨")
    assert facts(worker)["headcount"] == 3
    assert worker.case is not None and "collective" not in worker.case.flags


def test_a_few_workmates_are_not_fifty_six() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠工资 还有五六个工友也没拿到")
    assert worker.case is not None and "collective" not in worker.case.flags
    assert facts(worker)["headcount"] < 10 and facts(worker)["headcount_approx"] is True


def test_dialect_numbers() -> None:
    worker = worker_with("老板俩月没给工钱了 泉州鑫达鞋业有限公司")
    assert facts(worker)["months"] == 2


# Dates and negation ---------------------------------------------------------------------------


def test_last_month_is_a_leaving_date() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
    answer(worker, "employed", "不干了")
    answer(worker, "left_date", "上个月")
    assert facts(worker)["left_date"] == "2026-11" and facts(worker)["employed"] is False


def test_not_yet_left_is_still_there_and_a_finished_project_is_gone() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
    answer(worker, "employed", "还没离开")
    assert facts(worker)["employed"] is True
    other = worker_with("宏泰建筑拖欠我三个月工资 一共两万四")
    answer(other, "employed", "工程结束了")
    assert facts(other)["employed"] is False


# Consent and wishes in words -----------------------------------------------------------------


def reach_consent(worker: StubWorker) -> None:
    for _ in range(12):
        assert worker.case is not None
        if (worker.case.asking or "").startswith("consent_"):
            return
        worker.says("跳过")
    raise AssertionError("consent never asked")


def test_consent_in_plain_words() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
    reach_consent(worker)
    worker.says("行 你们弄吧")
    assert worker.case is not None and worker.case.state.value == "negotiating"


def test_a_no_to_the_employer_offers_a_mediator_and_two_noes_end_it() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资 一共两万四")
    reach_consent(worker)
    worker.says("先别跟厂里说 我还要在这干的")
    assert worker.case is not None and worker.case.asking == "consent_mediator"
    worker.says("也先不要吧 我就想问问")
    assert worker.case.state.value == "closed"


def test_stopping_erasing_and_a_person_in_words() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资")
    worker.says("算了不弄了 别联系我老板了")
    assert ("确认撤回", "withdraw_confirm") in worker.options
    worker.says("把我的信息删了吧")
    assert ("确认删除", "erase_confirm") in worker.options
    replies = worker.says("能找个真人吗")
    assert any("调解员是真人" in reply for reply in replies)


# Danger ---------------------------------------------------------------------------------------


def test_mid_intake_despair_gets_a_hotline_and_a_person_not_the_next_question() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我三个月工资")
    replies = worker.says("不想活了")
    assert "12356" in replies[0]
    assert worker.case is not None and worker.case.state.value == "escalated"
    assert "urgent" in worker.case.flags
    assert not any("拖欠了几个月" in reply for reply in replies)


def test_the_claim_said_in_despair_is_still_recorded() -> None:
    worker = worker_with("泉州鑫达鞋业有限公司拖欠我工资")
    worker.says("活不下去了 老板欠我两万块")
    assert facts(worker)["amount"] == 20000
    assert worker.case is not None and worker.case.state.value == "escalated"


def test_a_first_message_in_danger_opens_the_case_and_hands_it_over() -> None:
    worker = worker_with("我要跳楼 老板欠我2万不给")
    assert worker.case is not None and worker.case.state.value == "escalated"
    assert "urgent" in worker.case.flags and facts(worker)["amount"] == 20000
    assert any("12356" in reply for reply in worker.replies)
    assert any("哪个城市" in reply for reply in worker.replies)  # where, to find the nearest


def test_violence_gets_110() -> None:
    worker = worker_with("讨薪被老板叫人打了")
    assert any("110" in reply for reply in worker.replies)
    assert worker.case is not None and "urgent" in worker.case.flags
    home = worker_with("我老公打我")
    assert any("110" in reply for reply in home.replies)
    assert home.case is None  # not a labour case, but the danger is answered


# Typos and dialect ----------------------------------------------------------------------------


def test_typos_and_cantonese() -> None:
    for opening in ("老版拖钱工资三个月", "老细冇畀人工我"):
        worker = worker_with(opening)
        assert worker.case is not None, opening
        assert "wage_arrears" in worker.case.dispute_types, opening
