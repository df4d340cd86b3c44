"""Recognise the FDA disclaimer of 21 CFR 101.93(c), in full or in its common short forms."""

from __future__ import annotations

import re

# Every match contains one of these (in some casing); sentences without any skip the regex.
_CUES = ("valuat", "VALUAT", "eviewed", "EVIEWED", "pproved", "PPROVED", "iagnos", "IAGNOS")
_FDA = r"(?:the\s+)?(?:u\.?\s?s\.?\s+)?(?:fda|food\s+(?:and|&)\s+drug\s+administration)"
_NOT = r"(?:\s+not|n['\u2019]t)"
_DISCLAIMER = re.compile(
    rf"(?:statements?|claims?)\s+(?:\w+\s+){{0,3}}(?:have|has){_NOT}\s+been\s+(?:evaluated|reviewed|approved)\s+by\s+{_FDA}"
    rf"|(?:statements?|claims?|^\W*)\s*not\s+(?:been\s+)?evaluated\s+by\s+{_FDA}"
    rf"|{_FDA}\s+(?:has|have){_NOT}\s+(?:evaluated|reviewed)\s+(?:these|this|the)\s+(?:statements?|claims?)"
    r"|not\s+(?:been\s+)?intended\s+to\s+diagnose,?\s+treat,?\s+cure,?\s+(?:or|and)\s+prevent\s+(?:any\s+)?diseases?",
    re.IGNORECASE,
)


def is_disclaimer(text: str) -> bool:
    """Whether `text` carries (part of) the FDA disclaimer; the guide labels such a sentence `low`."""
    if not any(cue in text for cue in _CUES):  # a substring test is far cheaper than the regex
        return False
    return _DISCLAIMER.search(text) is not None
