"""The label set of ../shared/LABELING.md as code: levels, categories and the rules tying them.

Everything that needs to know which categories belong to which level (the data
validator, the classifier's output decoding, the API schemas) imports it from
here, so the taxonomy is written down once.
"""

from __future__ import annotations

from typing import Final, Literal

TAXONOMY_VERSION: Final = "2026-11-labeling-guide-v1"

Level = Literal["low", "medium", "high"]
LEVELS: Final[tuple[Level, ...]] = ("low", "medium", "high")
LEVEL_RANK: Final[dict[str, int]] = {level: rank for rank, level in enumerate(LEVELS)}

HIGH_CATEGORIES: Final = ("disease", "drug", "safety", "guarantee")
MEDIUM_CATEGORIES: Final = ("structure_function", "science", "testimonial")
CATEGORIES: Final[tuple[str, ...]] = HIGH_CATEGORIES + MEDIUM_CATEGORIES

REGISTERS: Final = (
    "blog",
    "product_page",
    "ad",
    "social",
    "faq",
    "newsletter",
    "review",
    "press_release",
    "news",
)
# Sources that are not a writing register but a way a record reached us.
EXTRA_SOURCES: Final = ("feedback", "other")

HARD_CASES: Final = (
    "hedge",
    "question_heading",
    "negation",
    "stress_vs_disorder",
    "disease_no_claim",
    "disclaimer_warning",
    "testimonial",
)


def category_problem(label: str, categories: list[str]) -> str | None:
    """Say why `categories` cannot go with `label`, or return None when they can.

    A `low` sentence makes no claim, so it has no category; a `medium` one has
    only medium categories; a `high` one needs at least one high category and
    may also carry medium ones (rule 6: the higher level wins, the reasons stay).
    """
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        return f"unknown categories {unknown}; allowed: {list(CATEGORIES)}"
    if len(set(categories)) != len(categories):
        return "categories repeat"
    if label == "low":
        return None if not categories else f"a low sentence has no categories, got {categories}"
    if label == "medium":
        high = [c for c in categories if c in HIGH_CATEGORIES]
        if high:
            return f"categories {high} are high-level but the label is medium"
        return None if categories else "a medium sentence needs a medium category"
    if not any(c in HIGH_CATEGORIES for c in categories):
        return f"a high sentence needs one of {list(HIGH_CATEGORIES)}"
    return None


# 21 CFR 101.93(c): the disclaimer a structure/function claim must carry.
FDA_DISCLAIMER: Final = (
    "These statements have not been evaluated by the Food and Drug Administration.",
    "This product is not intended to diagnose, treat, cure, or prevent any disease.",
)
