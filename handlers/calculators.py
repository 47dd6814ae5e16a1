"""What the law gives, computed from the worker's facts — always with the inputs used (LCL).

Local figures (minimum wage, average wage) are data (handlers/data/, see SOURCES.md), and every
result names the figures it used so that a mediator can check or correct it.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import nlp
from handlers import rules, texts
from handlers.units import DAYS_PER_MONTH, months_and_days

DATA = Path(__file__).with_name("data")
WORKING_DAYS_PER_MONTH = 21.75  # 劳社部发〔2008〕3号: monthly wage / 21.75 = daily wage
DOUBLE_WAGE_MAX_MONTHS = 11  # LCL-82: from the 2nd month, at most 11 months
COMPENSATION_CAP_YEARS = 12  # LCL-47: with a capped base, at most 12 years count
OVERTIME_RATES = {"workday": 1.5, "rest_day": 2.0, "holiday": 3.0}  # 劳动法-44


@dataclass(frozen=True)
class Calculation:
    name: str
    amount: int  # yuan, rounded
    rule: str
    inputs: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "amount": self.amount,
            "rule": self.rule,
            "inputs": dict(self.inputs),
        }


@dataclass(frozen=True)
class Leaving:
    """Why the job ended, and what that means for economic compensation."""

    compensation_due: bool  # LCL-46: N is owed
    maybe_unlawful: bool  # the employer ended it: without lawful grounds 2N instead (LCL-87)
    for_fault: bool = False  # the employer may claim the worker's fault: then no N (LCL-39)


# facts["left_reason"] → what it means. A reason not known (not asked, not said) is None, and
# the worker is told plainly that N depends on it.
LEAVING: dict[str, Leaving] = {
    "dismissed": Leaving(True, True, for_fault=True),  # 单位辞退、开除 (LCL-39..41)
    "laid_off": Leaving(True, True),  # 裁员 (LCL-41)
    "agreed": Leaving(True, False),  # 单位提出、双方协商解除 (LCL-36, LCL-46 (2))
    "contract_ended": Leaving(True, False),  # 合同到期单位不续签 (LCL-46 (5))
    "forced": Leaving(True, False),  # 单位欠薪、不交社保等，被迫辞职 (LCL-38, LCL-46 (1))
    "employer_closed": Leaving(True, False),  # 单位破产、关闭、被吊销执照 (LCL-46 (6))
    "resigned": Leaving(False, False),  # 自己辞职 (LCL-37): no N
}


def leaving(reason: object) -> Leaving | None:
    """What a stated reason for leaving means; None when it is not known."""
    return LEAVING.get(reason) if isinstance(reason, str) else None


@dataclass(frozen=True)
class AverageWage:
    """The local average monthly wage the 3× cap of LCL-47 is measured against: the figure of
    the 直辖市 or 设区的市 where the employer is, or why there is none."""

    area: str  # whose figure it is (or would be): 泉州市, 天津市
    monthly: float | None = None  # the annual figure / 12, not rounded
    year: int | None = None  # the year the figure is for
    scope: str = ""  # what the statistic counts (统计口径), as its source names it


@dataclass(frozen=True)
class LocalWages:
    minimum: int | None  # monthly minimum wage applying to the place, yuan
    minimum_source: str  # which tier, or why unknown
    average: AverageWage  # for the 3× cap (LCL-47)
    minimum_exact: bool = True  # False: the place's tier is not known, the lowest is taken


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def _minimum_by_province() -> dict[str, dict[str, str]]:
    return {row["province_code"]: row for row in _rows("minimum_wage.csv")}


@cache
def _tier_by_area() -> dict[str, str]:
    return {row["city_code"]: row["tier"] for row in _rows("city_tiers.csv")}


# 直辖市: the municipality is the city of LCL-47, and its figure is in the provincial table.
MUNICIPALITIES = ("110000", "120000", "310000", "500000")


@cache
def _average_by_city() -> dict[str, AverageWage]:
    """City figures (city_average_wage.csv), and the 直辖市 rows of average_wage.csv. A
    province's own figure is not the city's and is not used for the cap."""
    found = {
        row["province_code"]: AverageWage(
            row["province"], int(row["annual_avg_wage_yuan"]) / 12, int(row["year"]), _SCOPE
        )
        for row in _rows("average_wage.csv")
        if row["province_code"] in MUNICIPALITIES
    }
    for row in _rows("city_average_wage.csv"):
        monthly = int(row["annual_avg_wage_yuan"]) / 12
        found[row["city_code"]] = AverageWage(row["city"], monthly, int(row["year"]), row["scope"])
    return found


_SCOPE = "城镇非私营单位就业人员平均工资"  # what average_wage.csv counts (SOURCES.md)


def city_average(admin_code: str | None) -> AverageWage:
    """The average wage of the city of a place (any admin code below the province), or an
    AverageWage without a figure, naming the area that has none."""
    if not admin_code or len(admin_code) < 6:
        return AverageWage("")
    province = admin_code[:2] + "0000"
    city = province if province in MUNICIPALITIES else admin_code[:4] + "00"
    figure = _average_by_city().get(city)
    if figure is not None:
        return figure
    place = nlp.regions.gazetteer().place(admin_code[:6], 0, 0, ambiguous=False)
    return AverageWage(place.city or place.county or place.province or "")


def local_wages(admin_code: str | None) -> LocalWages:
    """The figures for a place (any admin code: province, city, county or township)."""
    average = city_average(admin_code)
    if not admin_code or len(admin_code) < 6:
        return LocalWages(None, "地点未知", average)
    row = _minimum_by_province().get(admin_code[:2] + "0000")
    if row is None:
        return LocalWages(None, "无该省数据", average)
    tier = _tier_by_area().get(admin_code[:6]) or _tier_by_area().get(admin_code[:4] + "00")
    if tier and tier.isdigit() and row.get(f"tier{tier}"):
        return LocalWages(int(row[f"tier{tier}"]), f"{row['province']}第{tier}档", average)
    # Tier of the place unknown: the lowest tier, so that the floor never overstates a claim.
    tiers = [int(row[f"tier{i}"]) for i in range(1, 5) if row.get(f"tier{i}")]
    lowest = f"{row['province']}最低一档（所在档位未知）"
    return LocalWages(min(tiers), lowest, average, minimum_exact=len(tiers) == 1)


def compensation_years(service_months: float) -> float:
    """LCL-47: a month's wage per full year; 6 months or more count as a year, less as half."""
    years, rest = divmod(service_months, 12)
    return years + (1.0 if rest >= 6 else 0.5 if rest > 0 else 0.0)


def yuan(amount: float) -> str:
    """An amount as a person reads it: 35609.25, 18000 (never rounded down)."""
    return f"{amount:.2f}".rstrip("0").rstrip(".")


def _rounded(amount: float) -> int:
    """To the nearest yuan, halves up (an estimate; the inputs keep the exact figures)."""
    return int(amount + 0.5)


def economic_compensation(
    monthly_wage: float, service_months: float, admin_code: str | None = None
) -> Calculation:
    """N (LCL-47): base not below the local minimum; capped at 3× the average monthly wage of
    the employer's city, and then at most 12 years. Without the city's figure no cap is
    applied, and the result says so."""
    local = local_wages(admin_code)
    average = local.average
    base, years = float(monthly_wage), compensation_years(service_months)
    notes = []  # what the worker is told about the figures used, or missing
    if local.minimum and base < local.minimum:
        base = local.minimum
        notes.append(texts.CALC_RAISED_TO_MINIMUM.format(minimum=local.minimum))
    if average.monthly and base > 3 * average.monthly:
        base, years = 3 * average.monthly, min(years, COMPENSATION_CAP_YEARS)
        notes.append(_capped(average, base))
    elif not average.monthly:
        notes.append(texts.CALC_NO_AVERAGE.format(area=average.area or texts.AREA_UNKNOWN))
    inputs = {
        "monthly_wage": monthly_wage,
        "service_months": service_months,
        "years": years,
        "base": base,
        "minimum_wage": local.minimum,
        "minimum_source": local.minimum_source,
        "average_monthly": average.monthly,
        "average_area": average.area,
        "average_year": average.year,
        "average_scope": average.scope,
        "notes": notes,
    }
    return Calculation(
        "economic_compensation", _rounded(base * years), rules.COMPENSATION.code, inputs
    )


def _capped(average: AverageWage, base: float) -> str:
    return texts.CALC_CAPPED.format(
        area=average.area,
        year=average.year,
        scope=average.scope,
        average=yuan(average.monthly or 0),
        base=yuan(base),
    )


def unlawful_termination(
    monthly_wage: float, service_months: float, admin_code: str | None = None
) -> Calculation:
    """2N (LCL-87): twice the economic compensation."""
    n = economic_compensation(monthly_wage, service_months, admin_code)
    return Calculation(
        "unlawful_termination",
        2 * n.amount,
        rules.UNLAWFUL_TERMINATION.code,
        {**n.inputs, "times": 2},
    )


def double_wage(monthly_wage: float, months_without_contract: float) -> Calculation:
    """LCL-82: one more month's wage for each month without a written contract from the 2nd
    month of employment, at most 11 months; a part month by its days (30 to the month).

    ``months_without_contract`` runs from the first day of work to the written contract (or
    to the end of the job, or today): "入职三个月后才签" is 3, of which 2 count."""
    counted = min(max(months_without_contract - 1, 0.0), float(DOUBLE_WAGE_MAX_MONTHS))
    whole, days = months_and_days(counted)
    inputs = {
        "monthly_wage": monthly_wage,
        "months_without_contract": months_without_contract,
        "months_counted": whole,
        "days_counted": days,
    }
    amount = monthly_wage * whole + monthly_wage * days / DAYS_PER_MONTH
    return Calculation("double_wage", _rounded(amount), rules.NO_CONTRACT.code, inputs)


def overtime_hourly(monthly_wage: float) -> dict[str, int]:
    """Hourly overtime pay by kind of day (劳动法-44), from the monthly wage."""
    hourly = monthly_wage / WORKING_DAYS_PER_MONTH / 8
    return {kind: round(hourly * rate) for kind, rate in OVERTIME_RATES.items()}
