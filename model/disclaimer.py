"""Recognise the FDA disclaimer of 21 CFR 101.93(c), in full or in its common short forms."""

from __future__ import annotations

import re

_DISCLAIMER = re.compile(
    r"(?:statements?|claims?)\s+(?:\w+\s+){0,3}(?:have|has)\s+not\s+been\s+evaluated\s+by\s+the\s+"
    r"(?:u\.?\s?s\.?\s+)?(?:fda|food\s+(?:and|&)\s+drug\s+administration)"
    r"|not\s+intended\s+to\s+diagnose,?\s+treat,?\s+cure,?\s+(?:or|and)\s+prevent\s+any\s+disease",
    re.IGNORECASE,
)


def is_disclaimer(text: str) -> bool:
    """Whether `text` carries (part of) the FDA disclaimer; the guide labels such a sentence `low`."""
    return _DISCLAIMER.search(text) is not None
