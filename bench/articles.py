"""Benchmark articles of about 800 words, stitched from corpus documents (deterministic for a seed)."""

from __future__ import annotations

import random

from training.dataset import load_records
from training.validate_data import CORPUS_DIR


def corpus_documents() -> list[list[str]]:
    """Every corpus document as its list of sentences, in corpus order."""
    docs: dict[str, list[str]] = {}
    for record in load_records([CORPUS_DIR]):
        docs.setdefault(record.doc_id, []).append(record.text)
    return list(docs.values())


def make_articles(count: int, words: int = 800, seed: int = 0) -> list[str]:
    """`count` plain-text articles of about `words` words: runs of corpus sentences, a document at a time."""
    documents = corpus_documents()
    rng = random.Random(seed)
    articles = []
    for _ in range(count):
        lines: list[str] = []
        total = 0
        while total < words:
            for line in rng.choice(documents):
                lines.append(line)
                total += len(line.split())
                if total >= words:
                    break
        articles.append("\n".join(lines))
    return articles
