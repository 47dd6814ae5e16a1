"""Parse Arabic, Chinese and colloquial mixed numerals ("一万二", "2万8", "1.5万")."""

from __future__ import annotations

import re

DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "仨": 3,
    "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8,
    "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
# k and w are how workers type 千 and 万 on a phone keyboard ("5k", "3w").
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "k": 1000}
BIG_UNITS = {"万": 10**4, "萬": 10**4, "w": 10**4, "亿": 10**8, "億": 10**8}
ZEROS = {"零", "〇"}
_HALFWIDTH = {c + 0xFEE0: c for c in range(0x21, 0x7F)}  # ５ｋ typed on a full-width keyboard

# No amount, headcount or duration a worker writes needs more characters than this; a longer
# run (a pasted ID, "1111…") is not a quantity, and int() refuses 4,300+ digits anyway.
MAX_NUMERAL = 32
_ARABIC = r"[0-9０-９]+(?:\.[0-9０-９]+)?"
_TOKEN = re.compile(_ARABIC + r"|.", re.S)
_IS_ARABIC = re.compile(_ARABIC)
_CN_DECIMAL = re.compile(r"(.*?)点([零〇一二三四五六七八九0-9]+)(.*)")


_NUMERAL_CHARS = "0-9０-９.,，零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億"
_LONG_RUN = re.compile(rf"[{_NUMERAL_CHARS}]{{{MAX_NUMERAL + 1},}}")


def mask_long_runs(text: str) -> str:
    """Blank numeral runs too long to be a quantity, one char for one (spans stay valid).

    Scanning a 5,000-digit run (or 一一一…) for "a number followed by 人/元/%" from every
    start is quadratic; blanked, the run costs one pass.
    """
    return _LONG_RUN.sub(lambda m: "#" * len(m.group()), text)


def _digit(token: str) -> int | float | None:
    """Value of a single digit token (Arabic run or Chinese digit), else None."""
    if token in DIGITS:
        return DIGITS[token]
    if _IS_ARABIC.fullmatch(token):
        return float(token) if "." in token else int(token)
    return None


def _tidy(value: int | float) -> int | float:
    """Return an int when the value is whole (1.5万 → 15000, not 15000.0)."""
    return int(value) if float(value).is_integer() else value


def _decimal(s: str) -> int | float | None:
    """Handle 一点五万 by rewriting it as 1.5万."""
    m = _CN_DECIMAL.fullmatch(s)
    whole = parse_cn_number(m.group(1)) if m else None
    if m is None or not isinstance(whole, int):
        return None
    frac = "".join(str(DIGITS.get(c, c)) for c in m.group(2))
    return parse_cn_number(f"{whole}.{frac}{m.group(3)}")


def parse_cn_number(s: str) -> int | float | None:
    """Parse a numeral string; None when it is not a number."""
    s = s.translate(_HALFWIDTH).strip().lower().replace(",", "")
    if len(s) > MAX_NUMERAL:
        return None
    if "点" in s:
        return _decimal(s)
    tokens = _TOKEN.findall(s)
    if not tokens:
        return None
    if len(tokens) > 1 and all(t in DIGITS for t in tokens):
        return int("".join(str(DIGITS[t]) for t in tokens))  # 二〇二三 is read digit by digit
    total: int | float = 0  # everything at 亿 level
    section: int | float = 0  # everything below the last 亿
    pending: int | float | None = None  # a digit waiting for its unit
    prev_unit: int | None = None  # the unit token just before the current digit
    tail_unit: int | None = None
    for token in tokens:
        value = _digit(token)
        if token in ZEROS:
            prev_unit = None  # 一千零五: after 零 a digit is plain units, not shorthand
        elif value is not None:
            if pending is not None:
                return None
            pending, tail_unit, prev_unit = value, prev_unit, None
        elif token in SMALL_UNITS:
            unit = SMALL_UNITS[token]
            section += (1 if pending is None else pending) * unit  # bare 十五 means 一十五
            pending, prev_unit = None, unit
        elif token in BIG_UNITS:
            unit = BIG_UNITS[token]
            if unit == 10**8:
                total = (total + section + (pending or 0) or 1) * unit
                section = 0
            else:
                section = (section + (pending or 0) or 1) * unit
            pending, prev_unit = None, unit
        else:
            return None
    if pending is not None:
        # Shorthand: a trailing digit is one order below the unit before it (一万二 = 12000).
        section += pending * (tail_unit // 10 if tail_unit else 1)
    return _tidy(total + section)


# 四千八一个月 / 四千一个月: the 一 that starts "一个月" is not the numeral's last digit
# (十一个月 is eleven months: the rule needs 千, 万 or 百 before it).
_ABBREVIATED_ONE = re.compile(r"[千万百][一二两三四五六七八九]?一$")
_COUNTED_ONE = re.compile(r"[个天年月次共下]")


def without_counted_one(raw: str, text: str, end: int) -> tuple[str, int]:
    """The numeral ``raw`` ending at ``end`` in ``text``, less a final 一 that starts a count."""
    if _ABBREVIATED_ONE.search(raw) and _COUNTED_ONE.match(text, end):
        return raw[:-1], end - 1
    return raw, end
