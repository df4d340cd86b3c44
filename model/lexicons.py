"""Read the fact lexicons in data/lexicons/: diseases, drugs and the cue phrases of each claim type.

The lexicons are read when a model is fitted and stored inside it, so a served
model never depends on the data folder being present.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LEXICON_DIR = Path(__file__).resolve().parents[1] / "data" / "lexicons"

# Cue lists kept as one phrase a line, by file stem.
CUE_FILES = (
    "claim_verbs",
    "structure_function",
    "hedges",
    "negations",
    "safety",
    "guarantee",
    "science",
    "testimonial",
    "drug_comparison",
    "fda_disclaimer",
    "disease_scope",
)


@dataclass(frozen=True)
class Lexicons:
    """Every lexicon as a tuple of lowercase phrases."""

    diseases: tuple[str, ...]
    drugs: tuple[str, ...]
    cues: dict[str, tuple[str, ...]]

    def __getitem__(self, name: str) -> tuple[str, ...]:
        if name == "diseases":
            return self.diseases
        if name == "drugs":
            return self.drugs
        return self.cues[name]

    def names(self) -> tuple[str, ...]:
        return ("diseases", "drugs", *self.cues)


def read_phrases(path: Path) -> tuple[str, ...]:
    """One phrase a line; `#` starts a comment line; blank lines and repeats are skipped."""
    phrases: dict[str, None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        phrase = line.strip()
        if phrase and not phrase.startswith("#"):
            phrases[phrase.lower()] = None
    return tuple(phrases)


def read_terms(path: Path) -> tuple[str, ...]:
    """The `term` column of a TSV lexicon with a header row; `#` lines are comments."""
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")
    ]
    terms: dict[str, None] = {}
    for row in csv.DictReader(lines, delimiter="\t"):
        term = (row.get("term") or "").strip().lower()
        if term:
            terms[term] = None
    return tuple(terms)


def load_lexicons(folder: Path = DEFAULT_LEXICON_DIR) -> Lexicons:
    """Load all lexicons from `folder`; a missing file is an error, since features would silently vanish."""
    missing = [
        name
        for name in ("diseases.tsv", "drugs.tsv", *(f"{c}.txt" for c in CUE_FILES))
        if not (folder / name).is_file()
    ]
    if missing:
        raise FileNotFoundError(f"lexicon folder {folder} lacks {missing}")
    return Lexicons(
        diseases=read_terms(folder / "diseases.tsv"),
        drugs=read_terms(folder / "drugs.tsv"),
        cues={name: read_phrases(folder / f"{name}.txt") for name in CUE_FILES},
    )
