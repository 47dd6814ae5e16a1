"""Our own jieba tokenizer: labour dictionary, separate from the global one, built once."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nlp import tokenizer
from nlp.classify import find_terms
from nlp.taxonomy import load

ROOT = Path(__file__).resolve().parent.parent


def test_the_user_dictionary_has_the_domain_vocabulary() -> None:
    words = {word for word, _, _ in tokenizer.read_user_dict()}
    assert len(words) >= 300
    assert {"拖欠工资", "经济补偿金", "违法解除", "双倍工资", "工伤认定", "劳务派遣"} <= words
    assert {"社保断缴", "包工头", "跑路", "骑手", "年假"} <= words


@pytest.mark.parametrize(
    ("text", "stock", "ours"),
    [
        (
            "拖欠三个月工资和经济补偿",
            ["三个", "月工资", "经济", "补偿"],
            ["三个月", "工资", "经济补偿"],
        ),
        ("要求经济补偿金", ["经济", "补偿金"], ["经济补偿金"]),
        ("社保断缴了", ["断"], ["社保断缴"]),
        ("带薪年假", ["年", "假"], ["带薪年假"]),
    ],
)
def test_stock_jieba_splits_our_terms_and_ours_does_not(
    text: str, stock: list[str], ours: list[str]
) -> None:
    import jieba

    plain = jieba.Tokenizer()  # a fresh stock tokenizer, also not the global one
    plain.tmp_dir = tokenizer.cache_dir() and str(tokenizer.cache_dir())
    assert set(stock) <= set(plain.lcut(text, HMM=False))
    assert set(ours) <= set(tokenizer.cut(text))


def test_every_taxonomy_term_is_a_known_word() -> None:
    words = tokenizer.lexicon().words
    assert all(term in words for term in load().index if len(term) > 1)


def test_global_jieba_is_left_alone() -> None:
    import jieba

    assert tokenizer.lexicon().tokenizer is not jieba.dt
    assert "社保断缴" not in jieba.dt.FREQ or jieba.dt.FREQ["社保断缴"] == 0


def test_built_once_across_threads() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(tokenizer.lexicon())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(lex) for lex in seen}) == 1


def test_importing_nlp_does_not_load_jieba() -> None:
    code = "import sys, nlp; nlp.classify; print('jieba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False"


def test_cache_goes_to_a_private_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tokenizer.CACHE_ENV, str(tmp_path / "cache"))
    assert tokenizer.cache_dir() == tmp_path / "cache"
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("text", "absent"),
    [("我在打工时受了点委屈", "工时"), ("心里很伤心", "伤"), ("保险公司理赔", "伤")],
)
def test_terms_do_not_match_across_word_boundaries(text: str, absent: str) -> None:
    assert absent not in {m.term for m in find_terms(text, load())}


def test_terms_inside_our_own_words_still_match() -> None:
    terms = {m.term for m in find_terms("拖欠工资三个月", load())}
    assert "拖欠工资" in terms or {"拖欠", "工资"} <= terms


@pytest.mark.parametrize(
    "text",
    [
        "我在打工时间受伤了老板不管",
        "厂里拖欠三个月工资和经济补偿，hr说n+1没有",
        "公司让我们996加班费一分没给2n也不给",
        "他在工地上干活时从脚手架上摔下来骨折了",
        "保险公司理赔说不是工伤心里很伤心",
        "abc12x工资ICU住院",
        "按中华人民共和国劳动合同法实施条例规定要给经济补偿",
        "他说社会主义核心价值观里没有拖欠工资这一条",
    ],
)
def test_lazy_segmentation_agrees_with_full_segmentation(text: str) -> None:
    lazy = tokenizer.LazySegmentation(text)  # jieba's route search only where it is needed
    for block in tokenizer._BLOCK.finditer(text):
        full = tokenizer.segment(block.group())
        for start in range(block.start(), block.end()):
            for end in range(start + 1, min(block.end(), start + 6) + 1):
                expected = full.allows(start - block.start(), end - block.start())
                assert lazy.allows(start, end) == expected, text[start:end]


def test_our_route_search_is_jiebas() -> None:
    lex = tokenizer.lexicon()
    tok = lex.tokenizer
    for text in ("拖欠三个月工资和经济补偿", "我在打工时间受伤", "中华人民共和国劳动法"):
        dag = tokenizer.word_graph(text, tok.FREQ)
        route: dict[int, tuple[float, int]] = {}
        tok.calc(text, dict(enumerate(dag)), route)
        expected = [route[i][1] for i in range(len(text))]
        assert tokenizer.best_route(text, dag, tok.FREQ, tok.total) == expected
