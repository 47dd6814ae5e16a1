"""Horizontal bar charts as inline SVG, drawn on the server (no script, readable by screen
readers through the <title> and the table printed beside each chart)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 400
LABEL_WIDTH = 124
BAR_HEIGHT = 22
GAP = 8
VALUE_WIDTH = 44


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def bars(title: str, items: Sequence[Bar]) -> Markup:
    """One bar per item, longest = the largest value; an empty chart says so."""
    rows = [b for b in items if b.value >= 0]
    height = max(1, len(rows)) * (BAR_HEIGHT + GAP) + GAP
    top = max((b.value for b in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if not rows:
        parts.append(f'<text x="0" y="{BAR_HEIGHT}" class="chart-empty">无数据</text>')
    for index, bar in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(span * bar.value / top)
        parts += [
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 6}" text-anchor="end" '
            f'class="chart-label">{escape(_short(bar.label))}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{max(length, 1)}" height="{BAR_HEIGHT}" '
            f'class="chart-bar"><title>{escape(bar.label)}：{bar.value}</title></rect>',
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + BAR_HEIGHT - 6}" '
            f'class="chart-value">{bar.value}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(label: str, limit: int = 8) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
