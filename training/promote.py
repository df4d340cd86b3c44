"""The promotion rule: `models/current` moves to a new version only if it is not worse on the fixed split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model.artifact import CURRENT_LINK, point_current, read_manifest
from model.errors import ArtifactError

METRIC = "fixed_split_macro_f1"


def promotion_decision(candidate: dict[str, Any], models_root: Path, force: bool) -> tuple[bool, str]:
    """Whether to point `current` at the candidate manifest's version, and why."""
    new = candidate["metrics"][METRIC]
    if force:
        return True, f"forced (fixed-split macro-F1 {new:.4f})"
    current_folder = models_root / CURRENT_LINK
    if not current_folder.exists():
        return True, f"no current model (fixed-split macro-F1 {new:.4f})"
    try:
        old = read_manifest(current_folder)["metrics"][METRIC]
    except (ArtifactError, KeyError, TypeError):
        return True, "the current model has no readable fixed-split figure"
    if new >= old:
        return True, f"fixed-split macro-F1 {new:.4f} >= current {old:.4f}"
    return False, f"fixed-split macro-F1 {new:.4f} < current {old:.4f}; kept the current model (use --force to switch)"


def promote_if_not_worse(
    candidate_folder: Path, candidate: dict[str, Any], models_root: Path, force: bool
) -> tuple[bool, str]:
    """Apply the rule and, when it says so, switch `current` atomically."""
    promote, reason = promotion_decision(candidate, models_root, force)
    if promote:
        point_current(models_root, candidate_folder)
    return promote, reason
