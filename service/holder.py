"""The served model behind a lock-protected reference, swapped atomically on reload.

A request takes `holder.current` once and keeps that object to the end, so a
reload in the middle never mixes two models in one answer; the old model is
freed when the last request holding it finishes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from model.predict import ClaimRiskModel

Loader = Callable[[Path], ClaimRiskModel]


class ModelHolder:
    def __init__(self, folder: Path, loader: Loader) -> None:
        self.folder = folder
        self._loader = loader
        self._model: ClaimRiskModel | None = None
        self._reload_lock = threading.Lock()

    @property
    def current(self) -> ClaimRiskModel | None:
        return self._model

    def load(self) -> ClaimRiskModel:
        """Load the artifact again; on failure the model already serving stays and the error propagates."""
        with self._reload_lock:
            fresh = self._loader(self.folder)
            self._model = fresh  # one reference assignment: atomic for every reader
            return fresh
