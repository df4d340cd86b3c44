"""Splits that never put one document on both sides, and hold out whole product families."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import numpy as np
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

Split = tuple[np.ndarray, np.ndarray]
EVALUATION_SHARE = 0.2


def grouped_kfold(doc_ids: Sequence[str], folds: int, seed: int) -> Iterator[Split]:
    """K folds over documents, shuffled by `seed`."""
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    yield from splitter.split(np.zeros(len(doc_ids)), groups=list(doc_ids))


def leave_family_out(families: Sequence[str]) -> Iterator[tuple[str, Split]]:
    """One split per product family, holding that family's products out of training."""
    groups = np.asarray(families)
    for train, test in LeaveOneGroupOut().split(np.zeros(len(groups)), groups=groups):
        yield str(groups[test[0]]), (train, test)


def in_fixed_evaluation_split(doc_id: str) -> bool:
    """Whether a document belongs to the fixed evaluation split: a stable hash of its doc_id, not a random draw."""
    bucket = int.from_bytes(hashlib.sha256(doc_id.encode("utf-8")).digest()[:8], "big") / 2**64
    return bucket < EVALUATION_SHARE


def fixed_evaluation_split(doc_ids: Sequence[str], from_corpus: Sequence[bool]) -> Split:
    """Train/test indices of the fixed split; only corpus documents are ever held out, so it stays put."""
    held = np.array([c and in_fixed_evaluation_split(d) for d, c in zip(doc_ids, from_corpus, strict=True)])
    return np.flatnonzero(~held), np.flatnonzero(held)
