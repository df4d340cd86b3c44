"""Behaviour of the real default model, CheckList style, and the quality bar on held-out product families.

These use the model a user gets by default (trained once per test session).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.predict import ClaimRiskModel
from model.taxonomy import LEVEL_RANK
from tests.conftest import KRATOM_ARTICLE

pytestmark = pytest.mark.slow


def level(model: ClaimRiskModel, text: str) -> str:
    return model.classify(text, all_sentences=True).sentences[0].label


def _held_out_metrics(models: Path) -> dict[str, float]:
    return json.loads((models / "current" / "manifest.json").read_text())["metrics"]


def test_quality_bar_on_held_out_product_families(default_models_dir: Path) -> None:
    metrics = _held_out_metrics(default_models_dir)
    assert metrics["leave_family_out_macro_f1"] >= 0.85
    assert metrics["leave_family_out_high_recall"] >= 0.90
    assert metrics["leave_family_out_high_precision"] >= 0.85


def _flagged(model: ClaimRiskModel, fragment: str) -> tuple[str, list[str]]:
    """Level and categories of the kratom article's sentence containing `fragment` ("low" if not flagged)."""
    result = model.classify(KRATOM_ARTICLE.read_text(encoding="utf-8"), all_sentences=True)
    matches = [s for s in result.sentences if fragment in s.text]
    assert matches, f"no sentence contains {fragment!r}"
    return matches[0].label, matches[0].categories


def test_the_kratom_article(default_model: ClaimRiskModel) -> None:
    result = default_model.classify(KRATOM_ARTICLE.read_text(encoding="utf-8"))
    assert result.label == "high" and result.disclaimer is False
    assert _flagged(default_model, "without harsh side effects")[0] == "high"
    assert "safety" in _flagged(default_model, "without harsh side effects")[1]
    assert _flagged(default_model, "alternative to traditional medications")[0] == "high"
    assert "drug" in _flagged(default_model, "alternative to traditional medications")[1]
    for fragment in ("potential to reduce stress and anxiety", "managing stress and anxiety"):
        label, categories = _flagged(default_model, fragment)
        assert label == "high" and "disease" in categories
    for fragment in ("increase dopamine levels", "boost dopamine levels"):
        assert LEVEL_RANK[_flagged(default_model, fragment)[0]] >= LEVEL_RANK["medium"]


def test_the_kratom_painkiller_comparison_is_high(default_model: ClaimRiskModel) -> None:
    label, categories = _flagged(default_model, "similar to certain painkillers")
    assert label == "high" and "drug" in categories


@pytest.mark.parametrize("product", ["kratom", "ashwagandha", "magnesium", "elderberry", "CBD oil"])
def test_invariance_product_names_do_not_change_the_level(default_model: ClaimRiskModel, product: str) -> None:
    assert level(default_model, f"Our {product} capsules cure insomnia in three nights.") == "high"
    assert level(default_model, f"Take two {product} capsules with water after breakfast.") == "low"


@pytest.mark.parametrize(
    "text",
    [
        "Our gummies taste like fresh raspberries.",
        "Supports a calm, balanced mood.",
        "Kava has been drunk in Fiji for centuries.",
    ],
)
def test_directional_adding_a_cure_claim_never_lowers_risk(default_model: ClaimRiskModel, text: str) -> None:
    before = default_model.classify(text).label
    after = default_model.classify(f"{text} It also cures cancer.").label
    assert LEVEL_RANK[after] >= LEVEL_RANK[before]
    assert after == "high"


@pytest.mark.parametrize(
    ("claim", "refuted"),
    [
        ("Turmeric cures cancer.", "There is no evidence that turmeric cures cancer."),
        ("Elderberry prevents the flu.", "No study has shown that elderberry prevents the flu."),
    ],
)
def test_minimum_functionality_refutation_lowers_risk(default_model: ClaimRiskModel, claim: str, refuted: str) -> None:
    assert level(default_model, claim) == "high"
    assert LEVEL_RANK[level(default_model, refuted)] < LEVEL_RANK["high"]


def test_an_unseen_disease_name_still_counts(default_model: ClaimRiskModel) -> None:
    # The lexicon names the disease; the sentence pattern was learnt on other diseases.
    assert level(default_model, "This tea reverses sarcoidosis naturally.") == "high"
