"""claimrisk's model: text in, claim risk out.

    from model import load_model
    prediction = load_model("models/current").classify(article_html, "html")

Names are imported on first use, so tools that need only the taxonomy or the
lexicons (the data validator) do not pay for scikit-learn's import.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "load_model": "model.artifact",
    "ClaimRiskModel": "model.predict",
    "DocumentPrediction": "model.predict",
    "SentencePrediction": "model.predict",
    "Sentence": "model.text",
    "split_sentences": "model.text",
    "ClaimRiskError": "model.errors",
    "ArtifactError": "model.errors",
    "DataError": "model.errors",
    "InputError": "model.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'model' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
