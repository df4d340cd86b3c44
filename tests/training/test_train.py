"""Training: determinism, the promotion rule, a run's outputs, evaluation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from model.artifact import MODEL_FILE, file_sha256
from training.promote import promotion_decision
from training.run import run_training
from training.train import TrainConfig
from training.validate_data import CORPUS_DIR

SMALL = TrainConfig(folds=2, inner_folds=2)


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One product from each of three families: enough for every split, small enough to train in seconds."""
    corpus = tmp_path_factory.mktemp("corpus")
    for family in ("mood_botanicals", "immune_wellness", "fitness_mens"):
        for path in sorted((CORPUS_DIR / family).glob("*.jsonl"))[:1]:
            shutil.copy(path, corpus / f"{family}-{path.name}")
    return corpus


def test_same_data_and_seed_give_the_same_model_and_figures(tmp_path: Path, small_corpus: Path) -> None:
    first = run_training(SMALL, tmp_path / "a", corpus=small_corpus)
    second = run_training(SMALL, tmp_path / "b", corpus=small_corpus)
    assert file_sha256(first.folder / MODEL_FILE) == file_sha256(second.folder / MODEL_FILE)
    assert (first.folder / "metrics.json").read_text() == (second.folder / "metrics.json").read_text()
    assert first.manifest["training_data_fingerprint"] == second.manifest["training_data_fingerprint"]


def test_a_run_writes_artifact_card_plot_and_promotes(tmp_path: Path, small_corpus: Path) -> None:
    outcome = run_training(SMALL, tmp_path, corpus=small_corpus)
    names = {p.name for p in outcome.folder.iterdir()}
    assert {"model.joblib", "manifest.json", "metrics.json", "model_card.md", "precision_recall.png"} <= names
    assert (outcome.folder / "precision_recall.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    card = (outcome.folder / "model_card.md").read_text()
    assert "held-out family" in card and "| true \\ predicted |" in card
    assert outcome.promoted and (tmp_path / "current").resolve() == outcome.folder.resolve()
    metrics = json.loads((outcome.folder / "metrics.json").read_text())
    assert {"grouped_kfold", "leave_family_out", "fixed_split"} <= set(metrics)
    assert len(metrics["leave_family_out"]["splits"]) == 3


def _current_with(models: Path, figure: float) -> None:
    folder = models / "old"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "version": "old",
                "sha256": "x",
                "python": "3",
                "scikit_learn": "1",
                "metrics": {"fixed_split_macro_f1": figure},
            }
        )
    )
    (models / "current").symlink_to("old")


def test_promotion_rule(tmp_path: Path) -> None:
    candidate = {"metrics": {"fixed_split_macro_f1": 0.80}}
    assert promotion_decision(candidate, tmp_path, force=False)[0] is True  # nothing current yet
    _current_with(tmp_path, 0.85)
    promote, reason = promotion_decision(candidate, tmp_path, force=False)
    assert promote is False and "kept the current model" in reason
    assert promotion_decision(candidate, tmp_path, force=True)[0] is True
    assert promotion_decision({"metrics": {"fixed_split_macro_f1": 0.85}}, tmp_path, force=False)[0] is True


def test_a_worse_model_does_not_move_current(tmp_path: Path, small_corpus: Path) -> None:
    _current_with(tmp_path, 1.01)  # an impossible figure: no real run can match it
    outcome = run_training(SMALL, tmp_path, corpus=small_corpus)
    assert not outcome.promoted
    assert (tmp_path / "current").resolve().name == "old"
    forced = run_training(SMALL, tmp_path, corpus=small_corpus, force=True)
    assert forced.promoted and (tmp_path / "current").resolve() == forced.folder.resolve()


def test_extra_data_with_a_bad_row_stops_the_run(tmp_path: Path, small_corpus: Path) -> None:
    from model.errors import DataError

    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        '{"text": "Fine.", "label": "low", "categories": [], "product": "x", "source": "other", '
        '"doc_id": "e1"}\n{"text": "Cures gout", "label": "urgent"}\n'
    )
    with pytest.raises(DataError, match=rf"{extra}:2: missing field 'categories'"):
        run_training(SMALL, tmp_path / "m", extra_data=(extra,), corpus=small_corpus)
