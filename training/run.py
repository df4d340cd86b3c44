"""One retraining run end to end: train, write `models/<version>/`, promote if not worse."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.artifact import new_version, save_artifact
from training.card import write_card
from training.promote import promote_if_not_worse
from training.train import Progress, TrainConfig, manifest_extra, train
from training.validate_data import CORPUS_DIR


@dataclass(frozen=True)
class RunOutcome:
    folder: Path
    manifest: dict[str, Any]
    promoted: bool
    reason: str


def run_training(
    config: TrainConfig,
    models_root: Path,
    extra_data: tuple[Path, ...] = (),
    force: bool = False,
    corpus: Path = CORPUS_DIR,
    progress: Progress = lambda _: None,
) -> RunOutcome:
    """Train, save artifact + card + full metrics under a new version folder, then apply the promotion rule."""
    result = train(config, extra_data, corpus, progress)
    folder = models_root / new_version(result.fingerprint)
    manifest = save_artifact(result.classifier, folder, folder.name, manifest_extra(result))
    (folder / "metrics.json").write_text(json.dumps(result.metrics, indent=2) + "\n", encoding="utf-8")
    write_card(folder, manifest, result.metrics)
    promoted, reason = promote_if_not_worse(folder, manifest, models_root, force)
    return RunOutcome(folder, manifest, promoted, reason)
