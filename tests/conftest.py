"""Shared fixtures: a tiny model trained in memory in about a second, and its artifact on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.artifact import save_artifact
from model.classifier import SentenceClassifier
from model.predict import ClaimRiskModel
from training.dataset import load_records
from training.validate_data import CORPUS_DIR

TINY_DOCS_PER_FILE = 2


def tiny_records():
    """The first few documents of every corpus file: every family, level and category, few sentences."""
    records, seen = [], {}
    for record in load_records([CORPUS_DIR]):
        file = record.where.rsplit(":", 1)[0]
        docs = seen.setdefault(file, [])
        if record.doc_id not in docs:
            docs.append(record.doc_id)
        if len(docs) <= TINY_DOCS_PER_FILE:
            records.append(record)
    return records


@pytest.fixture(scope="session")
def tiny_classifier() -> SentenceClassifier:
    records = tiny_records()
    return SentenceClassifier(inner_folds=3).fit(
        [r.text for r in records],
        [r.label for r in records],
        categories=[list(r.categories) for r in records],
        groups=[r.doc_id for r in records],
    )


@pytest.fixture(scope="session")
def tiny_model(tiny_classifier: SentenceClassifier) -> ClaimRiskModel:
    return ClaimRiskModel(tiny_classifier, "tiny-test")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, tiny_classifier: SentenceClassifier) -> Path:
    """A verified artifact folder of the tiny model (read-only by convention: copy it to tamper with it)."""
    folder = tmp_path_factory.mktemp("models") / "tiny-test"
    save_artifact(tiny_classifier, folder, "tiny-test", {"metrics": {"fixed_split_macro_f1": 0.5}})
    return folder


REPO = Path(__file__).resolve().parents[1]
KRATOM_ARTICLE = REPO.parent / "shared" / "examples" / "kratom_article.txt"


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 600):
    """Run the real `claimrisk` command in a subprocess (the installed entry point's module)."""
    import os
    import subprocess
    import sys

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=REPO,
    )


@pytest.fixture(scope="session")
def default_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder holding the real default model, made the way a user gets it: `claimrisk classify`
    with no model present trains one first. Trained once per test session."""
    models = tmp_path_factory.mktemp("default-models")
    result = run_cli("classify", "-", env={"CLAIMRISK_MODELS_DIR": str(models)}, stdin="Kava eases anxiety.")
    assert result.returncode == 0, result.stderr
    assert "training the default model" in result.stderr
    return models


@pytest.fixture(scope="session")
def default_model(default_models_dir: Path) -> ClaimRiskModel:
    from model.artifact import load_model

    return load_model(default_models_dir / "current")


def copy_artifact_as(source: Path, root: Path, version: str) -> Path:
    """A copy of an artifact under another version name (the manifest's hash still matches the model file)."""
    import json
    import shutil

    from model.artifact import MANIFEST_FILE

    folder = root / version
    shutil.copytree(source, folder)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    (folder / MANIFEST_FILE).write_text(json.dumps({**manifest, "version": version}))
    return folder
