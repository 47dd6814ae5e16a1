"""Build nlp/data/regions.tsv.gz from the shared divisions.csv (by a maintainer, not at run time).

    python -m nlp.gazetteer_build ../shared/data/regions/divisions.csv nlp/data/regions.tsv.gz

Output lines: ``code<TAB>name<TAB>alias,alias`` sorted by code, gzip with a fixed mtime so a
rebuild from the same input gives the same bytes. The parent of a division follows from its
code (township 9 digits → first 6; county → first 4 + "00"; city → first 2 + "0000"), which
the build checks. Aliases are the short forms people type (泉州 for 泉州市, 洛江 for 洛江区);
a short form that is an ordinary word in jieba's dictionary (和平, 城关) is left out, so it
needs its suffix to match, unless data/place_words.txt lists it as a place people type (常熟).
See data/SOURCES.md.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

VIRTUAL = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
CITY_SUFFIX = re.compile(r"(市|地区|盟|自治州)$")
COUNTY_SUFFIX = re.compile(r"(自治县|自治旗|新区|林区|特区|区|县|市|旗)$")
# Ethnic names inside 自治州/自治县 names: 恩施土家族苗族自治州 → 恩施.
# The 55 minority nationalities' names, longest first (互助土族 → 互助, not the empty string).
_NATIONALITIES = (
    "柯尔克孜|乌孜别克|维吾尔|哈萨克|达斡尔|塔吉克|俄罗斯|鄂温克|塔塔尔|鄂伦春|"
    "蒙古|布依|朝鲜|土家|哈尼|傈僳|高山|拉祜|东乡|纳西|"
    "景颇|仫佬|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|德昂|"
    "保安|裕固|独龙|赫哲|门巴|珞巴|基诺|回|藏|苗|"
    "彝|壮|满|侗|瑶|白|傣|黎|佤|畲|"
    "水|土|羌|怒|京"
)
ETHNIC = re.compile(rf"(?:(?:{_NATIONALITIES})族)+$")
COMMON_FREQ = 30  # jieba words rarer than this are never treated as common
# Part-of-speech tags of ordinary words: 复兴 (a), 正定 (d), 大名 (m), 遵化 (v) need their suffix.
COMMON_TAGS = {"a", "ad", "an", "b", "c", "d", "f", "m", "p", "q", "r", "t", "u", "v", "vn", "z"}
FREQUENT = 300  # above this, any word not tagged as a place name is common (和平, 红旗)


def parent_code(code: str) -> str:
    """The parent division's code, derived from the code itself ('' for a province)."""
    if len(code) == 9:
        return code[:6]
    if code.endswith("0000"):
        return ""
    return code[:2] + "0000" if code.endswith("00") else code[:4] + "00"


def township_name(name: str) -> str:
    """万安街道办事处 → 万安街道 (the NBS list mixes both forms)."""
    return re.sub(r"(街道)?办事处$", "街道", name)


def _stem(name: str, level: str) -> str:
    suffix = {"province": PROVINCE_SUFFIX, "city": CITY_SUFFIX, "county": COUNTY_SUFFIX}[level]
    stem = suffix.sub("", name)
    return ETHNIC.sub("", stem) if "自治" in name else stem


def aliases(name: str, level: str, common: dict[str, tuple[int, str]]) -> list[str]:
    """Short forms of a division name that may stand alone in a message."""
    if level == "township":
        full = township_name(name)
        return [full + "办"] if full.endswith("街道") else []
    stem = _stem(name, level)
    if len(stem) < 2 or stem == name:
        return []
    # 互助县 for 互助土族自治县, 恩施州 for 恩施土家族苗族自治州: the suffix makes it a place
    suffixed = [stem + name[-1]] if name.endswith(("自治县", "自治州")) else []
    if level == "county" and _is_common(stem, common) and stem not in place_words():
        return suffixed
    return [stem, *suffixed]


PLACE_WORDS = Path(__file__).parent / "data" / "place_words.txt"


def place_words() -> frozenset[str]:
    """Short county names kept although jieba lists them as ordinary words (常熟, 即墨)."""
    lines = PLACE_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and line[0] != "#")


def _is_common(word: str, common: dict[str, tuple[int, str]]) -> bool:
    freq, tag = common.get(word, (0, ""))
    return tag in COMMON_TAGS or (freq >= FREQUENT and not tag.startswith("ns"))


def jieba_words() -> dict[str, tuple[int, str]]:
    """Words of jieba's main dictionary above COMMON_FREQ, with frequency and POS tag."""
    import jieba

    words = {}
    with open(jieba.get_dict_file().name, encoding="utf-8") as fh:
        for line in fh:
            word, freq, tag = line.split()
            if int(freq) > COMMON_FREQ:
                words[word] = (int(freq), tag)
    return words


def rows(path: Path) -> Iterable[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def build(source: Path) -> str:
    """The gazetteer text for a divisions.csv file."""
    common = jieba_words()
    lines = []
    for row in rows(source):
        code, name, level = row["code"], row["name"], row["level"]
        if parent_code(code) != row["parent_code"]:
            raise ValueError(f"{code}: parent {row['parent_code']} does not follow from the code")
        shown = township_name(name) if level == "township" else name
        lines.append(f"{code}\t{shown}\t{','.join(aliases(name, level, common))}")
    return "\n".join(sorted(lines)) + "\n"


def main(argv: list[str]) -> int:
    source, target = Path(argv[1]), Path(argv[2])
    data = build(source).encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(data)
    target.write_bytes(buffer.getvalue())
    count = data.count(b"\n")
    print(f"{target}: {count} divisions, {len(buffer.getvalue())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
