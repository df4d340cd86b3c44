"""The lean TF-IDF path gives scikit-learn's matrix."""

from __future__ import annotations

import numpy as np
import pytest

from model.annotate import LexiconAnnotator
from model.ngrams import NgramTfidf, word_ngrams
from tests.conftest import tiny_records
from training.records import Record


@pytest.fixture(scope="module")
def annotated() -> list[str]:
    records: list[Record] = tiny_records()
    annotator = LexiconAnnotator().fit([])
    return [annotator.annotate(r.text) for r in records]


@pytest.mark.parametrize("ngram_max", [1, 2, 3])
def test_transform_equals_tfidf_vectorizer(annotated: list[str], ngram_max: int) -> None:
    train, unseen = annotated[::2], annotated[1::2]  # the second half holds out-of-vocabulary n-grams
    ours = NgramTfidf(ngram_max=ngram_max, min_df=1).fit(train)
    reference = ours.reference().fit(train)
    for texts in (train, unseen, ["", "x x x x"]):
        np.testing.assert_allclose(
            ours.transform(texts).toarray(), reference.transform(texts).toarray(), rtol=1e-5, atol=1e-7
        )
    assert list(ours.get_feature_names_out()) == list(reference.get_feature_names_out())


def test_min_df_and_repeated_grams() -> None:
    texts = ["a b a b", "a c", "b c c"]
    ours = NgramTfidf(min_df=2).fit(texts)
    reference = ours.reference().fit(texts)
    np.testing.assert_allclose(ours.transform(texts).toarray(), reference.transform(texts).toarray(), rtol=1e-6)
    assert word_ngrams("a b c", 2) == ["a", "b", "c", "a b", "b c"]
