"""The keyword baseline: lexicon rules alone, no learning. The bar the classifier must clear by 0.10 macro-F1."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from model.annotate import MARKED, REPLACED, PhraseMatcher, tokenize
from model.lexicons import DEFAULT_LEXICON_DIR, load_lexicons
from model.taxonomy import CATEGORIES, HIGH_CATEGORIES, LEVELS

_KINDS = REPLACED + MARKED
_MEDIUM_CUES = {"structure_function": "structure_function", "science": "science", "testimonial": "testimonial"}


class KeywordBaseline:
    """Rules over lexicon matches, with the same scoring interface as SentenceClassifier."""

    def __init__(self, lexicon_dir: str | Path | None = None) -> None:
        self.lexicon_dir = lexicon_dir

    def fit(self, X: Sequence[str] = (), y: object = None, **_: object) -> KeywordBaseline:
        lexicons = load_lexicons(Path(self.lexicon_dir) if self.lexicon_dir else DEFAULT_LEXICON_DIR)
        self.matcher_ = PhraseMatcher({kind: lexicons[kind] for kind in _KINDS})
        return self

    def features(self, texts: Sequence[str]) -> list[set[str]]:
        return [{kind for _, _, kind in self.matcher_.matches(tokenize(t))} for t in texts]

    def categories_of(self, kinds: set[str]) -> list[str]:
        """The rule: which categories a sentence's lexicon matches signal."""
        found = []
        negated = "negations" in kinds
        if "diseases" in kinds and ({"claim_verbs", "hedges"} & kinds) and not negated:
            found.append("disease")
        if "drug_comparison" in kinds or ("drugs" in kinds and not negated and "claim_verbs" in kinds):
            found.append("drug")
        found += [c for c in ("safety", "guarantee") if c in kinds]
        found += [category for kind, category in _MEDIUM_CUES.items() if kind in kinds]
        return found

    def scores(self, features: list[set[str]], lengths: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One-hot levels and 0/1 categories from the rule (sentence by sentence: `lengths` is not used)."""
        levels = np.zeros((len(features), len(LEVELS)))
        categories = np.zeros((len(features), len(CATEGORIES)))
        for row, kinds in enumerate(features):
            found = self.categories_of(kinds)
            levels[row, 2 if set(found) & set(HIGH_CATEGORIES) else 1 if found else 0] = 1.0
            categories[row, [CATEGORIES.index(c) for c in found]] = 1.0
        return levels, categories

    def decide(self, levels: np.ndarray) -> np.ndarray:
        return levels.argmax(axis=1)

    def matched_terms(self, text: str) -> dict[str, list[str]]:
        return self.matcher_.terms(text)
