"""NLP throughput: our classifier vs raw ``jieba.lcut`` on the same texts, in the same run.

    tiaojie bench nlp [--data FILE.jsonl] [--rounds 5] [--json]
    python benchmarks/nlp_bench.py FILE.jsonl

Run it in a fresh process: the first call (tokenizer init, taxonomy, gazetteer) is reported
as first-call latency. Each round times every contender on the whole corpus, in turn-about
order, in CPU seconds of this process; the best round of each is kept (as timeit does), so
other processes on a shared 2-core box disturb the figures as little as possible. Nothing is
cached between calls: every text is classified from scratch each time.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "complaints" / "dev.jsonl"
MIN_RATIO = 0.6  # target: classify ≥ 60 % of raw jieba.lcut


def load_texts(path: Path) -> list[str]:
    """The `text` field of every line of a corpus file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux /proc; else peak RSS)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _seconds(fn: Callable[[str], Any], texts: Sequence[str]) -> float:
    """CPU seconds this process spends running fn over every text."""
    start = time.process_time()
    for text in texts:
        fn(text)
    return time.process_time() - start


def run(texts: Sequence[str], rounds: int = 5) -> dict[str, Any]:
    """Measure and return msgs/s of each contender, ratios, first-call latency and RSS."""
    rss_before = rss_mb()
    import nlp

    start = time.perf_counter()
    nlp.classify(texts[0])
    first_call = time.perf_counter() - start
    start = time.perf_counter()
    nlp.extract(texts[0])
    first_extract = time.perf_counter() - start
    rss_ours = rss_mb()

    import jieba

    jieba.initialize()  # the baseline's own init is not timed
    contenders: dict[str, Callable[[str], Any]] = {
        "classify": nlp.classify,
        "classify_extract": lambda t: (nlp.classify(t), nlp.extract(t)),
        "jieba_lcut": jieba.lcut,
        "jieba_lcut_no_hmm": lambda t: jieba.lcut(t, HMM=False),
    }
    spent: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for turn in range(rounds):
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            spent[name].append(_seconds(contenders[name], texts))
    best = {name: min(values) for name, values in spent.items()}
    rates = {name: len(texts) / seconds for name, seconds in best.items()}
    return {
        "texts": len(texts),
        "rounds": rounds,
        "msgs_per_s": {name: round(value) for name, value in rates.items()},
        "ratio_classify_vs_lcut": round(best["jieba_lcut"] / best["classify"], 3),
        "ratio_classify_vs_lcut_no_hmm": round(best["jieba_lcut_no_hmm"] / best["classify"], 3),
        "ratio_hot_path_vs_lcut": round(best["jieba_lcut"] / best["classify_extract"], 3),
        "ratio_classify_median_round": round(
            statistics.median(
                j / c for j, c in zip(spent["jieba_lcut"], spent["classify"], strict=True)
            ),
            3,
        ),
        "first_call_s": round(first_call, 3),
        "first_extract_s": round(first_extract, 3),
        "rss_mb": {
            "before": round(rss_before, 1),
            "after_our_init": round(rss_ours, 1),
            "end": round(rss_mb(), 1),
        },
        "target_ratio": MIN_RATIO,
    }


def format_result(result: dict[str, Any]) -> str:
    """The result as a few aligned lines."""
    rates = result["msgs_per_s"]
    lines = [
        f"{result['texts']} texts × {result['rounds']} rounds (best round, msgs per CPU second)"
    ]
    lines += [f"  {name:<20} {rate:>9,}" for name, rate in rates.items()]
    lines.append(
        f"classify / jieba.lcut: {result['ratio_classify_vs_lcut']:.2f} "
        f"(median round {result['ratio_classify_median_round']:.2f}; "
        f"target ≥ {result['target_ratio']:.2f}); "
        "vs lcut(HMM=False): "
        f"{result['ratio_classify_vs_lcut_no_hmm']:.2f}; classify+extract / lcut: "
        f"{result['ratio_hot_path_vs_lcut']:.2f}"
    )
    rss = result["rss_mb"]
    lines.append(
        f"first call: classify {result['first_call_s']:.3f} s, extract "
        f"{result['first_extract_s']:.3f} s; RSS {rss['before']} → {rss['after_our_init']} "
        f"→ {rss['end']} MB"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_DATA
    print(format_result(run(load_texts(path))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
