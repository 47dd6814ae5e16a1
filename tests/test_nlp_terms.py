"""Settlement terms proposed in chat: shares, amounts, instalments and due dates."""

from __future__ import annotations

from datetime import date

import pytest

from nlp.terms import Terms, parse_terms

TODAY = date(2025, 3, 20)  # a Thursday


@pytest.mark.parametrize(
    ("text", "share"),
    [("给七成", 0.7), ("70%", 0.7), ("百分之七十", 0.7), ("先给一半", 0.5), ("打八折", 0.8),
     ("八五折", 0.85), ("七成五", 0.75), ("三分之二", 0.6667)],
)  # fmt: skip
def test_shares(text: str, share: float) -> None:
    assert parse_terms(text, TODAY).share == share


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("月底前付清", date(2025, 3, 31)),
        ("下月底前", date(2025, 4, 30)),
        ("15号前给", date(2025, 4, 15)),
        ("25号前给", date(2025, 3, 25)),
        ("下个月10号", date(2025, 4, 10)),
        ("春节前付清", date(2026, 2, 17)),
        ("过年前", date(2026, 2, 17)),
        ("年底前", date(2025, 12, 31)),
        ("三天内", date(2025, 3, 23)),
        ("下周五前", date(2025, 3, 28)),
        ("国庆前", date(2025, 10, 1)),
    ],
)
def test_due_dates_are_relative_to_today(text: str, due: date) -> None:
    assert parse_terms(text, TODAY).due == due


def test_a_whole_proposal() -> None:
    terms = parse_terms("先给七成，剩下分两次，月底前付清", TODAY)
    assert (terms.share, terms.instalments, terms.due) == (0.7, 2, date(2025, 3, 31))
    assert terms.amount_of(30000) == 21000


def test_amount_and_instalments() -> None:
    terms = parse_terms("最多给两万，分三期，春节前付清", TODAY)
    assert (terms.amount, terms.instalments) == (20000, 3)
    assert terms.amount_of(50000) == 20000
    assert parse_terms("一次性付清", TODAY).instalments == 1


def test_beyond_the_holiday_table_no_date_is_guessed() -> None:
    assert parse_terms("春节前", date(2036, 3, 1)).due is None


@pytest.mark.parametrize("text", ["", "😀", "分零次", "百分之五百", "<b>七成</b>" * 500])
def test_odd_input_gives_terms(text: str) -> None:
    assert isinstance(parse_terms(text, TODAY), Terms)
