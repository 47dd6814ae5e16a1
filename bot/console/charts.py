"""Horizontal bar charts as inline SVG, drawn on the server (no script, readable by screen
readers through the <title> and the table printed beside each chart).

A label longer than one line (解除劳动合同和经济补偿) wraps to two; the label column is as wide
as the longest line, so short labels leave the bars more room on a phone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from markupsafe import Markup, escape

WIDTH = 400
FONT = 14  # px in the viewBox, as .chart-label in console.css
LINE_CHARS = 7  # wide (CJK) characters on one label line
LABEL_MIN = 48  # the label column, whatever the labels
LABEL_MAX = LINE_CHARS * FONT + 12
LABEL_PAD = 10  # 6 between a label and its bar
BAR_HEIGHT = 22
GAP = 8
TWO_LINES_GAP = 14  # rows of two-line labels: room for the second line beside the bar
VALUE_WIDTH = 44
BREAK_BEFORE = "和与及（(、 "  # a wrapped label reads better broken before these


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def bars(title: str, items: Sequence[Bar]) -> Markup:
    """One bar per item, longest = the largest value; an empty chart says so."""
    rows = [(b, wrap(b.label)) for b in items if b.value >= 0]
    label_width = _label_width([line for _, lines in rows for line in lines])
    gap = TWO_LINES_GAP if any(len(lines) > 1 for _, lines in rows) else GAP
    height = max(1, len(rows)) * (BAR_HEIGHT + gap) + gap
    top = max((b.value for b, _ in rows), default=0) or 1
    span = WIDTH - label_width - VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if not rows:
        parts.append(f'<text x="0" y="{BAR_HEIGHT}" class="chart-empty">无数据</text>')
    for index, (bar, lines) in enumerate(rows):
        y = gap + index * (BAR_HEIGHT + gap)
        length = round(span * bar.value / top)
        parts += [
            _label(lines, label_width - 6, y),
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1)}" height="{BAR_HEIGHT}" '
            f'class="chart-bar"><title>{escape(bar.label)}：{bar.value}</title></rect>',
            f'<text x="{label_width + length + 6}" y="{y + BAR_HEIGHT - 6}" '
            f'class="chart-value">{bar.value}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def wrap(label: str) -> list[str]:
    """One line, or two of about equal width (the second cut with "…" past two full lines)."""
    if _width(label) <= LINE_CHARS * FONT:
        return [label]
    cut = _break(label)
    first, rest = label[:cut].rstrip(), label[cut:].lstrip()
    return [first, rest if _width(rest) <= LINE_CHARS * FONT else _cut(rest)]


def _break(label: str) -> int:
    """Where to wrap: the middle, or beside it before a conjunction (和), a bracket, a space."""
    ends = list(accumulate(_width(c) for c in label))  # the width up to each character
    fits = [i for i in range(1, len(label)) if ends[i - 1] <= LINE_CHARS * FONT]
    middle = min(next(i + 1 for i, end in enumerate(ends) if 2 * end >= ends[-1]), fits[-1])
    natural = [i for i in fits if abs(i - middle) <= 2 and label[i] in BREAK_BEFORE]
    return min(natural, key=lambda i: abs(i - middle)) if natural else middle


def _cut(line: str) -> str:
    while _width(line + "…") > LINE_CHARS * FONT:
        line = line[:-1]
    return line + "…"


def _width(text: str) -> int:
    """Width at FONT px: a CJK character is square, a Latin one about half as wide."""
    return sum(FONT if ord(c) > 0x2E7F else FONT * 6 // 10 for c in text)


def _label_width(lines: Sequence[str]) -> int:
    widest = max((_width(line) for line in lines), default=0)
    return min(max(widest + LABEL_PAD, LABEL_MIN), LABEL_MAX)


def _label(lines: Sequence[str], x: int, y: int) -> str:
    """The label right-aligned beside its bar: one line on the bar's middle, two around it."""
    if len(lines) == 1:
        return (
            f'<text x="{x}" y="{y + BAR_HEIGHT - 6}" text-anchor="end" '
            f'class="chart-label">{escape(lines[0])}</text>'
        )
    first = y + BAR_HEIGHT // 2 - 1  # baseline of the first line, the second one line below
    spans = "".join(
        f'<tspan x="{x}" y="{first + n * (FONT + 2)}">{escape(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    return f'<text text-anchor="end" class="chart-label">{spans}</text>'
