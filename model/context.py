"""Document context for the level decision: a sentence's own scores beside its neighbours' and its document's.

Whether "my therapist is kind of amazed tbh" is a disease claim, or "It works
fast" a drug comparison, depends on the sentences around it; a bag of n-grams
over one sentence cannot see that. The level head therefore reads each
sentence's first-stage scores together with those of the previous and next
sentence and the maximum over its document. On held-out product families this
lifted high precision at 0.90 recall from 0.83 to 0.86 (bench/quality.py), at
the cost of a few array operations per document. The document mean was left
out: it added 0.01 there but read a real 40-sentence article, with more
neutral sentences than the corpus's 10-sentence documents, as a harmless one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

VIEWS = ("self", "previous", "next", "document_max")


def document_lengths(groups: Sequence[str]) -> list[int]:
    """Lengths of the runs of equal consecutive ids: the documents of rows stored document by document.

    A document whose rows are not contiguous counts as several documents, which only costs it context.
    """
    lengths: list[int] = []
    previous = object()
    for group in groups:
        if lengths and group == previous:
            lengths[-1] += 1
        else:
            lengths.append(1)
        previous = group
    return lengths


def context_features(scores: np.ndarray, lengths: Sequence[int] | None = None) -> np.ndarray:
    """Each row's scores, then its previous and next row's (zero at a document's edge), then its document's maximum.

    `lengths` gives the number of consecutive rows of each document; None means every row is a document of its own.
    """
    n, width = scores.shape
    if n == 0:
        return np.zeros((0, width * len(VIEWS)))
    sizes = np.ones(n, dtype=np.intp) if lengths is None else np.asarray([k for k in lengths if k > 0], dtype=np.intp)
    if sizes.sum() != n:
        raise ValueError(f"document lengths add up to {int(sizes.sum())}, but there are {n} sentences")
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    ends = starts + sizes - 1
    previous = np.zeros_like(scores)
    previous[1:] = scores[:-1]
    previous[starts] = 0.0
    following = np.zeros_like(scores)
    following[:-1] = scores[1:]
    following[ends] = 0.0
    document_max = np.repeat(np.maximum.reduceat(scores, starts, axis=0), sizes, axis=0)
    return np.hstack([scores, previous, following, document_max])
