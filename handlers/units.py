"""How a duration in months is split into whole months and days: the one convention shared by
intake (which reads "七个月零十天"), the calculators (which count a part month by its days) and
the texts (which show it)."""

from __future__ import annotations

DAYS_PER_MONTH = 30  # a part month counts by its days, 30 to the month
WHOLE_SERVICE = "whole_service"  # a duration said as "all along" (一直没签): the time worked


def months_and_days(months: float) -> tuple[int, int]:
    """7.3333 → (7, 10); days rounded to the nearest day."""
    whole = int(months)
    days = int((months - whole) * DAYS_PER_MONTH + 0.5)
    return (whole + 1, 0) if days == DAYS_PER_MONTH else (whole, days)
