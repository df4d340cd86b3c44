"""The document prediction contract, built once for the CLI, the API and batch scoring."""

from __future__ import annotations

import html

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import SplineTransformer
from sklearn.svm import LinearSVC

from model.context import VIEWS, context_features, document_lengths
from model.disclaimer import is_disclaimer
from model.errors import InputError
from model.linear_heads import LinearHeads, average_heads, cubic_bspline_basis, fold_linear_heads
from model.predict import ClaimRiskModel, decode_categories, document_scores
from model.taxonomy import CATEGORIES, HIGH_CATEGORIES, LEVELS, MEDIUM_CATEGORIES

ARTICLE = (
    "# Calm Roots Kava\n\n"
    "Kava is a root from the South Pacific.\n\n"
    "- Relieves anxiety and panic attacks without any side effects\n"
    "- Supports a relaxed mood after a long day\n\n"
    "Many customers tell us they sleep better. Talk to your doctor if you take medication."
)


def test_the_prediction_has_the_contract_shape(tiny_model: ClaimRiskModel) -> None:
    result = tiny_model.classify(ARTICLE, "markdown", all_sentences=True).to_dict()
    assert set(result) == {"label", "score", "scores", "categories", "disclaimer", "sentences", "model"}
    assert result["model"] == {"version": "tiny-test"}
    assert set(result["scores"]) == set(LEVELS) and abs(sum(result["scores"].values()) - 1) < 1e-3
    assert result["label"] == max((s["label"] for s in result["sentences"]), key=LEVELS.index)
    for sentence in result["sentences"]:
        assert set(sentence) == {"start", "end", "text", "label", "scores", "categories", "hint"}
        assert (sentence["categories"] == []) == (sentence["label"] == "low") == (sentence["hint"] == "")


def test_offsets_point_at_the_sentence_in_every_format(tiny_model: ClaimRiskModel) -> None:
    plain = "Kava eases anxiety. It is a root 🌿 from Vanuatu."
    for sentence in tiny_model.classify(plain, "text", all_sentences=True).sentences:
        assert plain[sentence.start : sentence.end] == sentence.text
    page = "<article><h2>Kava &amp; you</h2><p>It <b>eases</b> anxiety.</p><script>x = 1</script></article>"
    found = tiny_model.classify(page, "html", all_sentences=True).sentences
    assert [s.text for s in found] == ["Kava & you", "It eases anxiety."]
    assert [html.unescape(page[s.start : s.end]).replace("<b>", "").replace("</b>", "") for s in found] == [
        "Kava & you",
        "It eases anxiety.",
    ]


def test_only_flagged_sentences_are_listed_unless_asked(tiny_model: ClaimRiskModel) -> None:
    every = tiny_model.classify(ARTICLE, "markdown", all_sentences=True)
    flagged = tiny_model.classify(ARTICLE, "markdown")
    assert flagged.sentences == [s for s in every.sentences if s.label != "low"]
    assert flagged.label == every.label and flagged.scores == every.scores


def test_classify_many_equals_one_at_a_time(tiny_model: ClaimRiskModel) -> None:
    texts = [ARTICLE, "Plain words about a garden.", "<p>Guaranteed to cure arthritis!</p>"]
    formats = ["markdown", "text", "html"]
    together = tiny_model.classify_many(texts, formats)
    assert together == [tiny_model.classify(t, f) for t, f in zip(texts, formats, strict=True)]


def test_empty_documents_and_bad_formats(tiny_model: ClaimRiskModel) -> None:
    empty = tiny_model.classify("   \n ")
    assert (empty.label, empty.sentences, empty.scores["low"]) == ("low", [], 1.0)
    with pytest.raises(InputError, match="format must be one of"):
        tiny_model.classify("text", "pdf")  # type: ignore[arg-type]


def test_the_disclaimer_is_low_and_reported(tiny_model: ClaimRiskModel) -> None:
    text = (
        "These statements have not been evaluated by the Food and Drug Administration. "
        "This product is not intended to diagnose, treat, cure, or prevent any disease."
    )
    result = tiny_model.classify(text, all_sentences=True)
    assert result.disclaimer is True
    assert [s.label for s in result.sentences] == ["low", "low"]
    assert tiny_model.classify("Supports a calm mood.").disclaimer is False


@pytest.mark.parametrize(
    "text",
    [
        "*These statements have not been evaluated by the FDA.",
        "THIS PRODUCT IS NOT INTENDED TO DIAGNOSE, TREAT, CURE OR PREVENT ANY DISEASE.",
        "Statements on this page haven't been reviewed by the U.S. FDA.",
    ],
)
def test_disclaimer_wordings_are_recognised(text: str) -> None:
    assert is_disclaimer(text)


def test_a_warning_about_the_fda_is_not_a_disclaimer() -> None:
    assert not is_disclaimer("The FDA has warned that these products have not been evaluated for safety.")


def test_categories_always_fit_the_level() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        proba = rng.random(len(CATEGORIES))
        assert decode_categories("low", proba) == []
        medium = decode_categories("medium", proba)
        assert medium and set(medium) <= set(MEDIUM_CATEGORIES)
        assert set(decode_categories("high", proba)) & set(HIGH_CATEGORIES)


def test_document_score_grows_with_risky_sentences() -> None:
    one = document_scores(np.array([[0.2, 0.2, 0.6], [0.9, 0.1, 0.0]]))
    two = document_scores(np.array([[0.2, 0.2, 0.6], [0.2, 0.2, 0.6]]))
    assert two["high"] > one["high"] > 0.5
    many_harmless = document_scores(np.tile([0.97, 0.02, 0.01], (60, 1)))
    assert many_harmless["low"] > 0.9


def test_folded_level_head_reproduces_scikit_learn(tiny_model: ClaimRiskModel) -> None:
    classifier = tiny_model.classifier
    features = classifier.features(["Relieves arthritis pain fast.", "A root from Fiji.", "Studies show it works."])
    context = context_features(classifier.heads_.decisions(features), [3])
    expected = classifier.level_head_.predict_proba(context)
    order = [list(classifier.level_head_.classes_).index(level) for level in LEVELS]
    np.testing.assert_allclose(classifier.levels_.predict_proba(context), expected[:, order], atol=1e-9)


@pytest.mark.filterwarnings("ignore:Label not 3 is present")  # the constant category is the point
def test_folded_first_stage_reproduces_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    features = sparse.random(60, 30, density=0.3, format="csr", random_state=0)
    levels = np.array(LEVELS * 20)
    targets = rng.integers(0, 2, size=(60, len(CATEGORIES)))
    targets[:, 3] = 0  # a category no training sentence had
    svm = LinearSVC().fit(features, levels)
    categories = OneVsRestClassifier(LogisticRegression()).fit(features, targets)
    heads = fold_linear_heads(svm, categories)
    decisions = heads.decisions(features)
    np.testing.assert_allclose(decisions[:, :3], svm.decision_function(features), atol=1e-9)
    np.testing.assert_allclose(heads.category_probabilities(decisions), categories.predict_proba(features), atol=1e-9)


@pytest.mark.parametrize("n_knots", [3, 5, 8])
def test_cubic_bsplines_equal_spline_transformer(n_knots: int) -> None:
    rng = np.random.default_rng(n_knots)
    train = rng.normal(size=(200, 4)) * [1, 3, 0.5, 10]
    spline = SplineTransformer(n_knots=n_knots, degree=3).fit(train)
    low = np.array([b.t[3] for b in spline.bsplines_])
    high = np.array([b.t[-4] for b in spline.bsplines_])
    unseen = np.vstack([rng.normal(size=(50, 4)) * [2, 6, 1, 20], train.min(axis=0), train.max(axis=0)])
    for x in (train, unseen):
        np.testing.assert_allclose(cubic_bspline_basis(x, low, high, n_knots), spline.transform(x), atol=1e-10)


def test_averaged_heads_score_as_the_mean_of_their_parts() -> None:
    features = sparse.random(10, 6, density=0.5, format="csr", random_state=1)
    rng = np.random.default_rng(1)
    parts = [LinearHeads(rng.normal(size=(6, 5)), rng.normal(size=5), n_levels=3) for _ in range(4)]
    mean = np.mean([h.decisions(features) for h in parts], axis=0)
    np.testing.assert_allclose(average_heads(parts).decisions(features), mean, atol=1e-12)


def test_context_reads_neighbours_and_the_document_but_never_across_documents() -> None:
    scores = np.array([[1.0], [2.0], [6.0], [10.0], [20.0]])
    context = context_features(scores, [3, 2])
    assert context.shape == (5, len(VIEWS))
    own, previous, following, doc_max = context.T
    assert own.tolist() == [1, 2, 6, 10, 20]
    assert previous.tolist() == [0, 1, 2, 0, 10]
    assert following.tolist() == [2, 6, 0, 20, 0]
    assert doc_max.tolist() == [6, 6, 6, 20, 20]
    alone = context_features(scores)
    assert alone[:, 1:3].tolist() == [[0, 0]] * 5 and (alone[:, 3] == alone[:, 0]).all()
    with pytest.raises(ValueError, match="add up to 4"):
        context_features(scores, [2, 2])
    assert context_features(scores, [0, 5, 0]).tolist() == context_features(scores, [5]).tolist()


def test_documents_are_the_runs_of_equal_ids() -> None:
    assert document_lengths(["a", "a", "b", "c", "c", "c", "a"]) == [2, 1, 3, 1]
    assert document_lengths([]) == []


def test_a_sentence_reads_differently_in_a_document_than_alone(tiny_model: ClaimRiskModel) -> None:
    sentences = ["Relieves anxiety and panic attacks.", "It works in days.", "A root from Fiji."]
    alone, _ = tiny_model.score_sentences(sentences)
    together, _ = tiny_model.score_sentences(sentences, [3])
    assert not np.allclose(alone, together)
    first_alone, _ = tiny_model.score_sentences(sentences[:1])
    np.testing.assert_allclose(alone[:1], first_alone)


def test_hints_name_the_problem(tiny_model: ClaimRiskModel) -> None:
    from model.hints import fix_hint

    hint = fix_hint(["disease", "drug"], {"diseases": ["arthritis"], "drugs": ["ibuprofen"]}, disclaimer_present=False)
    assert "arthritis" in hint and "ibuprofen" in hint
    assert "FDA disclaimer" in fix_hint(["structure_function"], {}, disclaimer_present=False)
    assert "FDA disclaimer" not in fix_hint(["structure_function"], {}, disclaimer_present=True)
    assert "Cite the study" in fix_hint(["science"], {}, disclaimer_present=True)
