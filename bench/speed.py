"""In-process speed on one core: sentences and 800-word articles per second, model and keyword baseline.

    .venv/bin/python bench/speed.py [--model DIR] [--articles 400] [--seconds 5]

Pins itself to one CPU and one BLAS thread. Target (issue 3): >= 500 articles/s for the model.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from articles import make_articles

from model.artifact import load_model
from model.baseline import KeywordBaseline
from model.predict import ClaimRiskModel
from model.text import split_sentences
from service.settings import get_settings


def rate(work: Callable[[], int], seconds: float) -> float:
    """Items per second of `work` (which returns how many items it did), repeated for about `seconds`."""
    work()  # warm-up
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        done += work()
    return done / (time.perf_counter() - started)


def measure(name: str, model: ClaimRiskModel, articles: list[str], sentences: list[str], seconds: float) -> None:
    per_sentence = rate(lambda: (model.score_sentences(sentences), len(sentences))[1], seconds)
    one_by_one = rate(lambda: sum(1 for a in articles if model.classify(a)), seconds)
    batched = rate(lambda: len(model.classify_many(articles)), seconds)
    print(f"{name:<16} {per_sentence:>12,.0f} {one_by_one:>16,.0f} {batched:>18,.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="artifact folder (default: models/current)")
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    articles = make_articles(args.articles)
    sentences = [s.text for a in articles for s in split_sentences(a)]
    words = sum(len(a.split()) for a in articles) / len(articles)
    model = load_model(get_settings().resolved_model_dir(args.model))
    baseline = ClaimRiskModel(KeywordBaseline().fit(), "keyword-baseline")
    print(
        f"one core (cpu {os.sched_getaffinity(0)}), {len(articles)} articles of {words:.0f} words, "
        f"{len(sentences) / len(articles):.1f} sentences each; model {model.version}"
    )
    print(f"{'':<16} {'sentences/s':>12} {'articles/s (1x1)':>16} {'articles/s (batch)':>18}")
    with threadpool_limits(1):
        measure("model", model, articles, sentences, args.seconds)
        measure("keyword baseline", baseline, articles, sentences, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
