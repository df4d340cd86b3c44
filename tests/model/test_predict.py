"""The document prediction contract, built once for the CLI, the API and batch scoring."""

from __future__ import annotations

import html

import numpy as np
import pytest

from model.disclaimer import is_disclaimer
from model.errors import InputError
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


def test_folded_heads_reproduce_scikit_learn(tiny_model: ClaimRiskModel) -> None:
    classifier = tiny_model.classifier
    assert classifier.heads_ is not None
    features = classifier.features(["Relieves arthritis pain fast.", "A root from Fiji.", "Studies show it works."])
    levels, categories = classifier.heads_.scores(features)
    np.testing.assert_allclose(levels, classifier.level_head_.predict_proba(features), atol=1e-9)
    np.testing.assert_allclose(categories, classifier.category_head_.predict_proba(features), atol=1e-9)


def test_hints_name_the_problem(tiny_model: ClaimRiskModel) -> None:
    from model.hints import fix_hint

    hint = fix_hint(["disease", "drug"], {"diseases": ["arthritis"], "drugs": ["ibuprofen"]}, disclaimer_present=False)
    assert "arthritis" in hint and "ibuprofen" in hint
    assert "FDA disclaimer" in fix_hint(["structure_function"], {}, disclaimer_present=False)
    assert "FDA disclaimer" not in fix_hint(["structure_function"], {}, disclaimer_present=True)
    assert "Cite the study" in fix_hint(["science"], {}, disclaimer_present=True)
