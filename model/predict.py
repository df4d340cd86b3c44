"""Document prediction: sentences in, the one JSON contract every interface returns.

The CLI, the HTTP API and batch scoring all call `ClaimRiskModel.classify`
(or `classify_many`), so the contract is built in exactly one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from model.disclaimer import is_disclaimer
from model.errors import InputError
from model.hints import fix_hint
from model.taxonomy import CATEGORIES, HIGH_CATEGORIES, LEVELS, MEDIUM_CATEGORIES
from model.text import Format, Sentence, split_sentences

CATEGORY_THRESHOLD = 0.5
# A document's probability of a level is a noisy-OR over its strongest sentences; using only
# the top few keeps forty harmless sentences from adding up to a false alarm.
DOCUMENT_TOP_K = 3
FORMATS: tuple[Format, ...] = ("text", "html", "markdown")


@dataclass(frozen=True, slots=True)
class SentencePrediction:
    start: int
    end: int
    text: str
    label: str
    scores: dict[str, float]
    categories: list[str]
    hint: str


@dataclass(frozen=True, slots=True)
class DocumentPrediction:
    label: str
    score: float
    scores: dict[str, float]
    categories: list[str]
    disclaimer: bool
    sentences: list[SentencePrediction]
    model: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract as plain dicts (written out: `dataclasses.asdict` deep-copies and is slow)."""
        return {
            "label": self.label,
            "score": self.score,
            "scores": self.scores,
            "categories": self.categories,
            "disclaimer": self.disclaimer,
            "sentences": [
                {
                    "start": s.start,
                    "end": s.end,
                    "text": s.text,
                    "label": s.label,
                    "scores": s.scores,
                    "categories": s.categories,
                    "hint": s.hint,
                }
                for s in self.sentences
            ],
            "model": self.model,
        }


class SentenceScorer(Protocol):
    """What a document needs of a sentence model: the classifier, or the keyword baseline."""

    def features(self, texts: Sequence[str]) -> Any: ...
    def scores(self, features: Any, lengths: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]: ...
    def decide(self, levels: np.ndarray) -> np.ndarray: ...
    def matched_terms(self, text: str) -> dict[str, list[str]]: ...


class ClaimRiskModel:
    """A fitted sentence scorer with its version: what the service and the CLI hold."""

    def __init__(self, classifier: SentenceScorer, version: str, manifest: dict[str, Any] | None = None) -> None:
        self.classifier = classifier
        self.version = version
        self.manifest = manifest or {"version": version}

    def classify(self, source: str, fmt: Format = "text", all_sentences: bool = False) -> DocumentPrediction:
        """Classify one document given as plain text, HTML or Markdown."""
        return self.classify_many([source], fmt, all_sentences)[0]

    def classify_many(
        self,
        sources: Sequence[str],
        fmt: Format | Sequence[Format] = "text",
        all_sentences: bool | Sequence[bool] = False,
    ) -> list[DocumentPrediction]:
        """Classify documents together: one feature pass over all their sentences is much faster.

        `fmt` and `all_sentences` are one value for all documents or one per document.
        """
        formats = [fmt] * len(sources) if isinstance(fmt, str) else list(fmt)
        every = [all_sentences] * len(sources) if isinstance(all_sentences, bool) else list(all_sentences)
        segmented = [_segment(source, f) for source, f in zip(sources, formats, strict=True)]
        levels, cats = self.score_sentences(
            [s.text for sentences in segmented for s in sentences], [len(sentences) for sentences in segmented]
        )
        results, offset = [], 0
        for sentences, show_all in zip(segmented, every, strict=True):
            stop = offset + len(sentences)
            results.append(self._document(sentences, levels[offset:stop], cats[offset:stop], show_all))
            offset = stop
        return results

    def score_sentences(
        self, texts: Sequence[str], lengths: Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Level and category probabilities of sentences, with rule 7 of the guide: the disclaimer is low.

        `lengths` says how many consecutive sentences make each document (their context); None: each on its own.
        """
        if not texts:
            return np.zeros((0, len(LEVELS))), np.zeros((0, len(CATEGORIES)))
        levels, categories = self.classifier.scores(self.classifier.features(texts), lengths)
        disclaimer = [is_disclaimer(t) for t in texts]
        levels[disclaimer] = (1.0, 0.0, 0.0)
        categories[disclaimer] = 0.0
        return levels, categories

    def predict_sentences(
        self, texts: Sequence[str], lengths: Sequence[int] | None = None
    ) -> tuple[list[str], list[list[str]], np.ndarray]:
        """Level, categories and level probabilities of each sentence, as evaluation compares them with labels."""
        levels, cats = self.score_sentences(texts, lengths)
        labels = [LEVELS[i] for i in self.classifier.decide(levels)] if len(texts) else []
        return labels, [decode_categories(label, cats[i]) for i, label in enumerate(labels)], levels

    def _document(
        self, sentences: list[Sentence], levels: np.ndarray, cats: np.ndarray, all_sentences: bool
    ) -> DocumentPrediction:
        ranks = self.classifier.decide(levels) if len(levels) else np.zeros(0, dtype=int)
        disclaimer = any(levels[i, 0] == 1.0 and is_disclaimer(s.text) for i, s in enumerate(sentences))
        shown = range(len(sentences)) if all_sentences else np.flatnonzero(ranks > 0).tolist()
        predictions = [self._sentence(sentences[i], int(ranks[i]), levels[i], cats[i], disclaimer) for i in shown]
        doc_scores = document_scores(levels)
        label = LEVELS[int(ranks.max(initial=0))]
        return DocumentPrediction(
            label=label,
            score=doc_scores["low"] if label == "low" else _at_least(doc_scores, label),
            scores=doc_scores,
            categories=_document_categories(predictions),
            disclaimer=disclaimer,
            sentences=predictions,
            model={"version": self.version},
        )

    def _sentence(
        self, sentence: Sentence, rank: int, level_p: np.ndarray, cat_p: np.ndarray, disclaimer: bool
    ) -> SentencePrediction:
        label = LEVELS[rank]
        categories = decode_categories(label, cat_p)
        # Only disease and drug hints name the terms found; skip the lexicon pass for the others.
        named = {"disease", "drug"} & set(categories)
        terms = self.classifier.matched_terms(sentence.text) if named else {}
        hint = fix_hint(categories, terms, disclaimer) if categories else ""
        return SentencePrediction(
            start=sentence.start,
            end=sentence.end,
            text=sentence.text,
            label=label,
            scores=_rounded(dict(zip(LEVELS, level_p.tolist(), strict=True))),
            categories=categories,
            hint=hint,
        )


def _segment(source: str, fmt: Format) -> list[Sentence]:
    if fmt not in FORMATS:
        raise InputError(f"format must be one of {list(FORMATS)}, got {fmt!r}")
    return split_sentences(source, fmt)


def decode_categories(label: str, proba: np.ndarray) -> list[str]:
    """Categories consistent with the level: none for low, medium ones for medium, at least one high for high."""
    if label == "low":
        return []
    allowed = CATEGORIES if label == "high" else MEDIUM_CATEGORIES
    required = HIGH_CATEGORIES if label == "high" else MEDIUM_CATEGORIES
    by_score = sorted(((float(proba[CATEGORIES.index(c)]), c) for c in allowed), reverse=True)
    chosen = [c for p, c in by_score if p >= CATEGORY_THRESHOLD]
    if not any(c in required for c in chosen):
        best = max((p, c) for p, c in by_score if c in required)[1]
        chosen.insert(0, best)
    return chosen


def document_scores(levels: np.ndarray) -> dict[str, float]:
    """P(document's highest level is low / medium / high) by noisy-OR over its strongest sentences."""
    if len(levels) == 0:
        return {"low": 1.0, "medium": 0.0, "high": 0.0}
    p_high = _noisy_or(levels[:, 2])
    p_at_least_medium = max(_noisy_or(levels[:, 1] + levels[:, 2]), p_high)
    return _rounded({"low": 1.0 - p_at_least_medium, "medium": p_at_least_medium - p_high, "high": p_high})


def _noisy_or(p: np.ndarray) -> float:
    top = np.sort(np.clip(p, 0.0, 1.0))[-DOCUMENT_TOP_K:]
    return float(1.0 - np.prod(1.0 - top))


def _at_least(scores: dict[str, float], label: str) -> float:
    return round(sum(scores[level] for level in LEVELS[LEVELS.index(label) :]), 4)


def _document_categories(sentences: list[SentencePrediction]) -> list[str]:
    present = {c for p in sentences for c in p.categories}
    return [c for c in CATEGORIES if c in present]


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in scores.items()}
