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

from handlers import rules, texts

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
class LocalWages:
    minimum: int | None  # monthly minimum wage applying to the place, yuan
    minimum_source: str  # which tier, or why unknown
    average_monthly: int | None  # local average monthly wage (for the 3× cap)
    average_source: str = ""  # whose average it is, or why there is none


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def _minimum_by_province() -> dict[str, dict[str, str]]:
    return {row["province_code"]: row for row in _rows("minimum_wage.csv")}


@cache
def _tier_by_area() -> dict[str, str]:
    return {row["city_code"]: row["tier"] for row in _rows("city_tiers.csv")}


@cache
def _average_by_province() -> dict[str, int]:
    return {
        r["province_code"]: int(r["annual_avg_wage_yuan"]) // 12 for r in _rows("average_wage.csv")
    }


@cache
def _province_names() -> dict[str, str]:
    return {r["province_code"]: r["province"] for r in _rows("average_wage.csv")}


def local_wages(admin_code: str | None) -> LocalWages:
    """The figures for a place (any admin code: province, city, county or township)."""
    if not admin_code or len(admin_code) < 6:
        return LocalWages(None, "地点未知", None, "地点未知")
    province = admin_code[:2] + "0000"
    row = _minimum_by_province().get(province)
    average = _average_by_province().get(province)
    source = _province_names().get(province, "") if average else "无该省数据"
    if row is None:
        return LocalWages(None, "无该省数据", average, source)
    tier = _tier_by_area().get(admin_code[:6]) or _tier_by_area().get(admin_code[:4] + "00")
    if tier and tier.isdigit() and row.get(f"tier{tier}"):
        return LocalWages(int(row[f"tier{tier}"]), f"{row['province']}第{tier}档", average, source)
    # Tier of the place unknown: the lowest tier, so that the floor never overstates a claim.
    tiers = [int(row[f"tier{i}"]) for i in range(1, 5) if row.get(f"tier{i}")]
    return LocalWages(min(tiers), f"{row['province']}最低一档（所在档位未知）", average, source)


def compensation_years(service_months: float) -> float:
    """LCL-47: a month's wage per full year; 6 months or more count as a year, less as half."""
    years, rest = divmod(service_months, 12)
    return years + (1.0 if rest >= 6 else 0.5 if rest > 0 else 0.0)


def economic_compensation(
    monthly_wage: float, service_months: float, admin_code: str | None = None
) -> Calculation:
    """N (LCL-47): base not below the local minimum; capped at 3× the local average wage,
    and then at most 12 years."""
    local = local_wages(admin_code)
    base, years = float(monthly_wage), compensation_years(service_months)
    notes = []  # what the worker is told about the figures used, or missing
    if local.minimum and base < local.minimum:
        base = local.minimum
        notes.append(texts.CALC_RAISED_TO_MINIMUM.format(minimum=local.minimum))
    if local.average_monthly and base > 3 * local.average_monthly:
        base, years = 3 * local.average_monthly, min(years, COMPENSATION_CAP_YEARS)
        notes.append(texts.CALC_CAPPED.format(source=local.average_source, base=base))
    if not local.average_monthly:
        notes.append(texts.CALC_NO_AVERAGE)
    inputs = {
        "monthly_wage": monthly_wage,
        "service_months": service_months,
        "years": years,
        "base": base,
        "minimum_wage": local.minimum,
        "minimum_source": local.minimum_source,
        "average_monthly": local.average_monthly,
        "average_source": local.average_source,
        "notes": notes,
    }
    return Calculation(
        "economic_compensation", round(base * years), rules.COMPENSATION.code, inputs
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
    month of employment, at most 11 months."""
    months = min(max(int(months_without_contract) - 1, 0), DOUBLE_WAGE_MAX_MONTHS)
    inputs = {
        "monthly_wage": monthly_wage,
        "months_without_contract": months_without_contract,
        "months_counted": months,
    }
    return Calculation("double_wage", round(monthly_wage * months), rules.NO_CONTRACT.code, inputs)


def overtime_hourly(monthly_wage: float) -> dict[str, int]:
    """Hourly overtime pay by kind of day (劳动法-44), from the monthly wage."""
    hourly = monthly_wage / WORKING_DAYS_PER_MONTH / 8
    return {kind: round(hourly * rate) for kind, rate in OVERTIME_RATES.items()}
