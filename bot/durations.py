"""ISO 8601 durations as the dev clock takes them: P5D, PT12H, P1DT2H30M, P2W."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta | None:
    """The duration, or None when the text is not one (years and months are ambiguous: no)."""
    match = _DURATION.match(text.strip().upper())
    if match is None or text.strip().upper() in ("P", "PT") or text.strip().endswith("T"):
        return None
    parts = {name: int(value) for name, value in match.groupdict().items() if value}
    try:
        return timedelta(**parts) if parts else None
    except OverflowError:  # beyond timedelta's ~2.7 million years: not a duration we take
        return None
