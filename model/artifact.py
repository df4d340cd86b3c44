"""Save and load model artifacts: `model.joblib` plus `manifest.json` in a versioned folder.

A joblib file runs code when loaded, so loading checks the file's sha256
against the manifest and refuses an artifact written by another Python or
scikit-learn version (pickles are not portable across them). Only load
artifacts you trust: the hash guards against corruption and accidental
edits, not against someone who can rewrite the manifest too.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import sklearn

from model.classifier import SentenceClassifier
from model.errors import ArtifactError
from model.predict import ClaimRiskModel
from model.taxonomy import CATEGORIES, LEVELS, TAXONOMY_VERSION

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
CURRENT_LINK = "current"


def runtime_versions() -> dict[str, str]:
    """The versions a pickle depends on."""
    return {"python": ".".join(platform.python_version_tuple()[:2]), "scikit_learn": sklearn.__version__}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_version(data_fingerprint: str, now: datetime | None = None) -> str:
    """A sortable, unique-enough version: UTC time plus the training data's fingerprint."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{data_fingerprint[:8]}"


def save_artifact(classifier: SentenceClassifier, folder: Path, version: str, extra: dict[str, Any]) -> dict[str, Any]:
    """Write the classifier and its manifest into `folder` (created); return the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(classifier, folder / MODEL_FILE, compress=3)
    manifest = {
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **runtime_versions(),
        "labels": list(LEVELS),
        "categories": list(CATEGORIES),
        "taxonomy_version": TAXONOMY_VERSION,
        **extra,
        "sha256": file_sha256(folder / MODEL_FILE),
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the artifact in `folder`, or ArtifactError saying what is wrong."""
    path = folder / MANIFEST_FILE
    if not folder.is_dir():
        raise ArtifactError(f"no model artifact at {folder}")
    if not path.is_file():
        raise ArtifactError(f"{folder} is not a model artifact: {MANIFEST_FILE} is missing")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict) or not {"version", "sha256", "python", "scikit_learn"} <= set(manifest):
        raise ArtifactError(f"{path} lacks version, sha256, python or scikit_learn")
    return manifest


def load_model(folder: str | Path) -> ClaimRiskModel:
    """Load and verify the artifact in `folder` (a version folder or a `current` link)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    _check_runtime(manifest, folder)
    model_path = folder / MODEL_FILE
    if not model_path.is_file():
        raise ArtifactError(f"{folder}: {MODEL_FILE} is missing")
    if file_sha256(model_path) != manifest["sha256"]:
        raise ArtifactError(f"{model_path}: sha256 does not match the manifest; the file was changed or corrupted")
    try:
        classifier = joblib.load(model_path)
    except Exception as exc:  # a corrupt pickle can raise nearly anything
        raise ArtifactError(f"{model_path} cannot be loaded: {exc}") from exc
    if not isinstance(classifier, SentenceClassifier):
        raise ArtifactError(f"{model_path} holds a {type(classifier).__name__}, not a SentenceClassifier")
    # The model and the ~130k objects of the libraries imported before it live as long as the process;
    # freezing them keeps the cyclic collector from walking them again and again while articles are
    # scored (bench/speed.py: about 15% more articles a second). Refcounting still frees them.
    gc.freeze()
    return ClaimRiskModel(classifier, manifest["version"], manifest)


def _check_runtime(manifest: dict[str, Any], folder: Path) -> None:
    here = runtime_versions()
    for key, label in (("python", "Python"), ("scikit_learn", "scikit-learn")):
        if manifest[key] != here[key]:
            raise ArtifactError(
                f"{folder} was built with {label} {manifest[key]} but this is {label} {here[key]}; "
                "retrain it with `claimrisk train` or install the matching version"
            )


def point_current(models_root: Path, version_folder: Path) -> None:
    """Make `models_root/current` point at `version_folder`, atomically (a symlink swapped by rename)."""
    link = models_root / CURRENT_LINK
    temporary = models_root / f".{CURRENT_LINK}.{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(
        version_folder.name if version_folder.parent.resolve() == models_root.resolve() else version_folder.resolve()
    )
    os.replace(temporary, link)
