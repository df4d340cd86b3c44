"""Find near-duplicate sentences: character 3-gram cosine similarity of normalised text.

A corpus of slot-filled templates teaches a model the template, not the claim;
this check is how the corpus stays honest. Sparse matrix products keep it a
few seconds for tens of thousands of sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

NEAR_DUPLICATE_THRESHOLD = 0.9
_NON_WORD = re.compile(r"[\W_]+")
_CHUNK = 2000


def normalise(text: str) -> str:
    """Lowercase, with punctuation and runs of space folded to one space."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def trigram_vectors(texts: Sequence[str]):
    """L2-normalised character 3-gram counts of the normalised texts."""
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(3, 3), preprocessor=normalise, dtype=np.float32)
    return normalize(vectorizer.fit_transform(texts))


def near_duplicate_pairs(
    texts: Sequence[str], threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> list[tuple[int, int, float]]:
    """Pairs (i, j, similarity) with i < j whose similarity exceeds `threshold`, most similar first."""
    if len(texts) < 2:
        return []
    vectors = trigram_vectors(texts)
    pairs: list[tuple[int, int, float]] = []
    for start in range(0, vectors.shape[0], _CHUNK):
        block = (vectors[start : start + _CHUNK] @ vectors.T).tocoo()
        rows = block.row + start
        keep = (block.data > threshold) & (block.col > rows)
        pairs.extend(zip(rows[keep].tolist(), block.col[keep].tolist(), block.data[keep].tolist(), strict=True))
    return sorted(pairs, key=lambda pair: -pair[2])
