"""Artifacts load only when the hash and the library versions match the manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from model.artifact import MANIFEST_FILE, MODEL_FILE, load_model, point_current, runtime_versions
from model.errors import ArtifactError


@pytest.fixture
def artifact(tmp_path: Path, tiny_model_dir: Path) -> Path:
    copy = tmp_path / "artifact"
    shutil.copytree(tiny_model_dir, copy)
    return copy


def edit_manifest(folder: Path, **changes: object) -> None:
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest.update(changes)
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))


def test_a_saved_artifact_loads_and_classifies(artifact: Path) -> None:
    model = load_model(artifact)
    assert model.version == "tiny-test"
    assert model.manifest["sha256"] and model.manifest["labels"] == ["low", "medium", "high"]
    assert model.classify("Kava root is ground into a fine powder.").label in {"low", "medium", "high"}


def test_a_tampered_model_file_is_refused(artifact: Path) -> None:
    with open(artifact / MODEL_FILE, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ArtifactError, match="sha256 does not match"):
        load_model(artifact)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("scikit_learn", "0.1.0", "built with scikit-learn 0.1.0"),
        ("python", "2.7", "built with Python 2.7"),
    ],
)
def test_other_library_versions_are_refused(artifact: Path, key: str, value: str, message: str) -> None:
    assert runtime_versions()[key] != value
    edit_manifest(artifact, **{key: value})
    with pytest.raises(ArtifactError, match=message):
        load_model(artifact)


def test_missing_or_broken_pieces_are_named(artifact: Path, tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no model artifact"):
        load_model(tmp_path / "nowhere")
    (artifact / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        load_model(artifact)
    (artifact / MANIFEST_FILE).unlink()
    with pytest.raises(ArtifactError, match=r"manifest\.json is missing"):
        load_model(artifact)


def test_a_pickle_of_something_else_is_refused(artifact: Path) -> None:
    import joblib

    from model.artifact import file_sha256

    joblib.dump({"not": "a model"}, artifact / MODEL_FILE)
    edit_manifest(artifact, sha256=file_sha256(artifact / MODEL_FILE))
    with pytest.raises(ArtifactError, match="not a SentenceClassifier"):
        load_model(artifact)


def test_current_link_switches_atomically(tmp_path: Path, tiny_model_dir: Path) -> None:
    first, second = tmp_path / "v1", tmp_path / "v2"
    shutil.copytree(tiny_model_dir, first)
    shutil.copytree(tiny_model_dir, second)
    point_current(tmp_path, first)
    assert (tmp_path / "current").resolve() == first.resolve()
    point_current(tmp_path, second)
    assert (tmp_path / "current").resolve() == second.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "v1", "v2"]
