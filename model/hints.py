"""Fix hints: what an editor should change in a flagged sentence, by category."""

from __future__ import annotations

from collections.abc import Sequence

_NAMED = {
    "disease": (
        "Remove the disease claim or reword it as support of normal function: a supplement may not claim to "
        "diagnose, treat, cure, mitigate or prevent {terms}."
    ),
    "drug": (
        "Remove the comparison with {terms}: a supplement may not be presented as a substitute for a drug or treatment."
    ),
}
_FALLBACK_TERMS = {"disease": "a disease or its symptoms", "drug": "drugs or medical treatment"}
_PLAIN = {
    "safety": "Qualify the safety claim: state known side effects, interactions and who should not take it instead of "
    "promising that it is safe or free of side effects.",
    "guarantee": (
        "Drop the guarantee, miracle or specific-result language unless you can substantiate it for typical users."
    ),
    "science": "Cite the study (authors, journal, year) that supports this, or remove the appeal to research.",
    "testimonial": "A testimonial is a claim: keep it only if the reported effect is typical and substantiated.",
}
_STRUCTURE_FUNCTION = "Keep this structure/function claim only with scientific substantiation{disclaimer}."
_ADD_DISCLAIMER = " and add the FDA disclaimer to the page"


def fix_hint(categories: Sequence[str], terms: dict[str, list[str]], disclaimer_present: bool) -> str:
    """One hint for a flagged sentence: one clause per category, most serious first."""
    parts = []
    for category in categories:
        if category in _NAMED:
            found = terms.get("diseases" if category == "disease" else "drugs") or []
            named = ", ".join(dict.fromkeys(found)) or _FALLBACK_TERMS[category]
            parts.append(_NAMED[category].format(terms=named))
        elif category == "structure_function":
            parts.append(_STRUCTURE_FUNCTION.format(disclaimer="" if disclaimer_present else _ADD_DISCLAIMER))
        else:
            parts.append(_PLAIN[category])
    return " ".join(parts)
