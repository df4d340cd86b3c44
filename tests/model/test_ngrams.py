"""The lean TF-IDF path gives scikit-learn's matrix."""

from __future__ import annotations

import numpy as np
import pytest

from model.annotate import LexiconAnnotator
from model.ngrams import NgramTfidf, char_ngrams, word_ngrams
from tests.conftest import tiny_records
from training.records import Record


@pytest.fixture(scope="module")
def annotated() -> list[str]:
    records: list[Record] = tiny_records()
    annotator = LexiconAnnotator().fit([])
    return [annotator.annotate(r.text) for r in records]


@pytest.mark.parametrize(("ngram_max", "rare_df"), [(1, None), (2, None), (3, None), (2, 2), (2, 5)])
def test_transform_equals_tfidf_vectorizer(annotated: list[str], ngram_max: int, rare_df: int | None) -> None:
    train, unseen = annotated[::2], annotated[1::2]  # the second half holds out-of-vocabulary n-grams
    ours = NgramTfidf(ngram_max=ngram_max, min_df=1, rare_df=rare_df).fit(train)
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


def test_only_rare_or_unseen_words_give_character_ngrams() -> None:
    train = ["calm mood", "calm sleep", "calm focus __disease__"]
    ours = NgramTfidf(rare_df=2).fit(train)
    assert ours.common_ == {"calm"}
    assert char_ngrams("mood") == ["#<mo", "#moo", "#ood", "#od>", "#<moo", "#mood", "#ood>", "#<mood", "#mood>"]
    assert not any(term.startswith("#") and "calm" in term for term in ours.vocabulary_)
    assert "#<mo" in ours.vocabulary_ and not any("__" in term for term in ours.vocabulary_ if term.startswith("#"))
    # An unseen word ("moody") shares character n-grams with a rare training word ("mood").
    row = ours.transform(["moody"])
    assert row.nnz > 0 and set(row.indices) <= {i for t, i in ours.vocabulary_.items() if t.startswith("#")}


def test_char_weight_scales_character_ngrams_against_words() -> None:
    train = ["calm mood", "calm sleep", "calm focus"]
    full, light = NgramTfidf(rare_df=2).fit(train), NgramTfidf(rare_df=2, char_weight=0.25).fit(train)
    chars = [i for t, i in full.vocabulary_.items() if t.startswith("#")]
    np.testing.assert_allclose(light.idf_[chars], 0.25 * full.idf_[chars], rtol=1e-6)
    word = full.vocabulary_["calm mood"]
    assert light.transform(["calm mood"])[0, word] > full.transform(["calm mood"])[0, word]
