"""Turn a sentence into the token string the classifier reads, with lexicon knowledge folded in.

Disease and drug names are replaced by placeholder tokens, so "eases __disease__"
learnt from "eases insomnia" also fires on a disease never seen in training;
cue phrases (hedges, negations, safety, guarantee, science, testimonial and
drug-comparison cues) add marker tokens. One pass of a dictionary lookup over
the sentence's tokens does all of it, which keeps the hot path cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from model.lexicons import CUE_FILES, DEFAULT_LEXICON_DIR, load_lexicons

TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*")
# Lexicons replaced by a placeholder (open classes: names the corpus cannot all hold).
REPLACED = ("diseases", "drugs")
# Lexicons that add a marker token and keep the words (closed classes of cue phrases).
# The FDA disclaimer is handled by a rule of its own (model/disclaimer.py), not as a feature.
MARKED = tuple(name for name in CUE_FILES if name != "fda_disclaimer")
PLACEHOLDER = {"diseases": "__disease__", "drugs": "__drug__"}
# Who a sentence is about decides whether naming a disease is a claim ("it eases your arthritis")
# or a fact ("arthritis affects millions"); pairing each named entity with these cues lets a
# linear model learn the difference.
CONTEXT_CUES = ("claim_verbs", "negations", "hedges", "drug_comparison", "structure_function")
PERSONS = {
    "you": frozenset({"you", "your", "you're", "yours", "you'll", "you've"}),
    "first": frozenset({"i", "my", "me", "i'm", "i've", "i'd"}),
    "seller": frozenset({"our", "we", "it", "this", "these", "they", "it's"}),
}
MAX_PHRASE_TOKENS = 8


def tokenize(text: str) -> list[str]:
    """Lowercase word and number tokens; apostrophes and hyphens stay inside words."""
    return TOKEN.findall(text.lower().replace("\u2019", "'"))


class PhraseMatcher:
    """Longest-match lookup of many multi-word phrases over a token list, in one left-to-right pass."""

    def __init__(self, phrases_by_kind: dict[str, Iterable[str]]) -> None:
        self.index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for kind, phrases in phrases_by_kind.items():
            for phrase in phrases:
                tokens = tuple(tokenize(phrase))
                if 0 < len(tokens) <= MAX_PHRASE_TOKENS:
                    self.index.setdefault(tokens[0], []).append((tokens, kind))
        for candidates in self.index.values():
            candidates.sort(key=lambda entry: -len(entry[0]))

    def matches(self, tokens: Sequence[str]) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, kind) matches, longest first at each position."""
        found: list[tuple[int, int, str]] = []
        i, n = 0, len(tokens)
        while i < n:
            for phrase, kind in self.index.get(tokens[i], ()):
                end = i + len(phrase)
                if end <= n and tuple(tokens[i:end]) == phrase:
                    found.append((i, end, kind))
                    i = end
                    break
            else:
                i += 1
        return found

    def terms(self, text: str) -> dict[str, list[str]]:
        """The phrases found in `text`, grouped by kind."""
        tokens = tokenize(text)
        found: dict[str, list[str]] = {}
        for start, end, kind in self.matches(tokens):
            found.setdefault(kind, []).append(" ".join(tokens[start:end]))
        return found


def shape_markers(text: str) -> list[str]:
    """Tokens for the sentence's shape: questions, headings, shouting."""
    stripped = text.strip()
    if not stripped:
        return []
    markers = []
    if stripped[-1] == "?":
        markers.append("__question__")
    if stripped[-1] not in ".!?:;\"'”)" and len(stripped) < 90:
        markers.append("__heading__")
    if len(stripped) >= 8 and stripped.isupper():
        markers.append("__caps__")
    return markers


class LexiconAnnotator(BaseEstimator, TransformerMixin):
    """Sentences in, annotated token strings out (space-separated), ready for a word n-gram vectorizer.

    `lexicon_dir` is read in `fit`; the compiled matcher is learned state, so a
    pickled model carries its lexicons with it.
    """

    def __init__(self, lexicon_dir: str | Path | None = None) -> None:
        self.lexicon_dir = lexicon_dir

    def fit(self, X: Iterable[str], y: object = None) -> LexiconAnnotator:
        lexicons = load_lexicons(Path(self.lexicon_dir) if self.lexicon_dir else DEFAULT_LEXICON_DIR)
        self.matcher_ = PhraseMatcher({kind: lexicons[kind] for kind in REPLACED + MARKED})
        self.lexicon_sizes_ = {kind: len(lexicons[kind]) for kind in lexicons.names()}
        return self

    def transform(self, X: Iterable[str]) -> np.ndarray:
        return np.array([self.annotate(text) for text in X], dtype=object)

    def annotate(self, text: str) -> str:
        """One sentence as annotated tokens."""
        tokens = tokenize(text)
        out: list[str] = []
        markers = shape_markers(text)
        kinds: set[str] = set()
        last = 0
        for start, end, kind in self.matcher_.matches(tokens):
            out.extend(tokens[last:start])
            kinds.add(kind)
            if kind in PLACEHOLDER:
                out.append(PLACEHOLDER[kind])
            else:
                out.extend(tokens[start:end])
                markers.append(f"__{kind}__")
            last = end
        out.extend(tokens[last:])
        return " ".join(_mask_numbers(out) + markers + _entity_context(kinds, markers, tokens))

    def matched_terms(self, text: str) -> dict[str, list[str]]:
        """The lexicon phrases found in `text`, by lexicon: what a fix hint can name."""
        return self.matcher_.terms(text)


def _entity_context(kinds: set[str], markers: list[str], tokens: list[str]) -> list[str]:
    """Conjunction tokens: each named disease or drug paired with the cues and persons around it."""
    entities = [PLACEHOLDER[k] for k in REPLACED if k in kinds]
    if not entities:
        return []
    cues = [c for c in CONTEXT_CUES if c in kinds] + [
        m.strip("_") for m in markers if m in ("__question__", "__heading__")
    ]
    words = set(tokens)
    persons = [name for name, pronouns in PERSONS.items() if words & pronouns]
    return [f"{e}&{c}" for e in entities for c in (cues + persons or ["bare"])]


def _mask_numbers(tokens: list[str]) -> list[str]:
    return ["__num__" if token[0].isdigit() else token for token in tokens]
