"""The HTTP contract: pydantic request and response classes (the word "model" stays for the classifier)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from model.taxonomy import CATEGORIES, TAXONOMY_VERSION, category_problem

Level = Literal["low", "medium", "high"]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]

EXAMPLE_TEXT = (
    "Our ashwagandha gummies support a calm mood. They relieve anxiety without the side effects of prescription drugs."
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_surrogates(value: object) -> object:
    """Replace unpaired surrogates (valid JSON escapes such as \\ud800, but no Unicode character) by U+FFFD.

    One character for one, so every offset still points into the text as sent; without this the
    string could not be validated, nor echoed back as UTF-8.
    """
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("text is empty or only whitespace")
    return value


SafeStr = Annotated[str, BeforeValidator(_replace_surrogates)]
Text = Annotated[SafeStr, AfterValidator(_not_blank)]


class Strict(BaseModel):
    """Requests: unknown fields and wrong types (no "1" for 1, no 1 for true) are refused with 422."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ClassifyRequest(Strict):
    """One document to classify."""

    model_config = ConfigDict(json_schema_extra={
        "examples": [{"text": EXAMPLE_TEXT, "format": "text", "id": "post-1842", "all_sentences": False}]})

    text: Text = Field(description="the document: plain text, HTML or Markdown; at most CLAIMRISK_MAX_CHARS "
                                   "(default 200,000) characters, else 413", examples=[EXAMPLE_TEXT])
    format: Literal["text", "html", "markdown"] = Field("text", description="how to read `text`")
    id: SafeStr | None = Field(None, max_length=512, description="your id for the document; echoed back")
    all_sentences: bool = Field(False, description="list every sentence, not only the flagged ones")


class BatchRequest(Strict):
    """Documents classified together; any invalid one fails the whole request, naming its index."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"documents": [
        {"text": EXAMPLE_TEXT, "id": "post-1842"},
        {"text": "<h2>Sleep</h2><p>Magnesium cures insomnia.</p>", "format": "html", "id": "post-1843"},
    ]}]})

    documents: list[ClassifyRequest] = Field(min_length=1, description="up to CLAIMRISK_MAX_BATCH (default 64) "
                                                                        "documents, else 413")


class SentenceResult(BaseModel):
    start: int = Field(description="offset of the sentence's first character in `text` (Unicode code points)")
    end: int = Field(description="offset just past its last character")
    text: str
    label: Level
    scores: dict[Level, float]
    categories: list[Category]
    hint: str = Field(description="what to change; empty for low sentences")


# Examples for the OpenAPI page: the default model's real answer to EXAMPLE_TEXT.
_EXAMPLE_SENTENCES = [
    {"start": 0, "end": 44, "text": EXAMPLE_TEXT[:44], "label": "medium",
     "scores": {"low": 0.0006, "medium": 0.9973, "high": 0.0021}, "categories": ["structure_function"],
     "hint": "Keep this structure/function claim only with scientific substantiation and add the FDA disclaimer "
             "to the page."},
    {"start": 45, "end": 113, "text": EXAMPLE_TEXT[45:], "label": "high",
     "scores": {"low": 0.0001, "medium": 0.0, "high": 0.9999}, "categories": ["drug", "disease", "safety"],
     "hint": "Remove the comparison with prescription drugs: a supplement may not be presented as a substitute for "
             "a drug or treatment. ..."},
]
_EXAMPLE_PREDICTION = {
    "id": "post-1842", "label": "high", "score": 0.9999, "scores": {"low": 0.0, "medium": 0.0001, "high": 0.9999},
    "categories": ["disease", "drug", "safety", "structure_function"], "disclaimer": False,
    "sentences": _EXAMPLE_SENTENCES, "model": {"version": "20261125-085636-cf8ec110"},
}


class ClassifyResponse(BaseModel):
    """The document prediction (model/predict.py builds it), with the caller's id."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_PREDICTION]})

    id: str | None = None
    label: Level = Field(description="the highest sentence level")
    score: float = Field(description="calibrated probability of `label` or above (for low: of low)")
    scores: dict[Level, float]
    categories: list[Category]
    disclaimer: bool = Field(description="whether the FDA disclaimer is present")
    sentences: list[SentenceResult]
    model: dict[str, str]


class BatchResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"results": [_EXAMPLE_PREDICTION]}]})

    results: list[ClassifyResponse] = Field(description="one prediction per document, in request order")


class ModelInfo(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "version": "20261125-085636-cf8ec110", "created": "2026-11-25T08:56:37+00:00",
        "labels": ["low", "medium", "high"], "categories": list(CATEGORIES),
        "metrics": {"leave_family_out_macro_f1": 0.858, "leave_family_out_high_recall": 0.9227,
                    "fixed_split_macro_f1": 0.8737},
        "taxonomy_version": TAXONOMY_VERSION,
    }]})

    version: str
    created: str
    labels: list[str]
    categories: list[str]
    metrics: dict[str, float] = Field(description="the manifest's numeric held-out figures")
    taxonomy_version: str

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> ModelInfo:
        """The public part of an artifact manifest (not its hashes or library versions)."""
        figures = manifest.get("metrics") or {}
        return cls(
            version=manifest["version"],
            created=manifest.get("created", ""),
            labels=manifest.get("labels", []),
            categories=manifest.get("categories", []),
            metrics={k: float(v) for k, v in figures.items() if isinstance(v, int | float) and not isinstance(v, bool)},
            taxonomy_version=manifest.get("taxonomy_version", ""),
        )


class FeedbackRequest(Strict):
    """An editor's correction of one sentence (or a short passage)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "text": "Melts away anxiety in minutes.", "label": "high", "categories": ["disease"], "id": "post-1842",
        "model_version": "20261125-085636-cf8ec110", "note": "anxiety here means the disorder",
    }]})

    text: Text = Field(max_length=10_000, examples=["Melts away anxiety in minutes."])
    label: Level
    categories: list[Category] = Field(default_factory=list, description="none for low; see the labeling guide")
    id: SafeStr | None = Field(None, max_length=512, description="your id for the document it came from")
    model_version: SafeStr | None = Field(None, max_length=128, description="the version that got it wrong")
    note: SafeStr | None = Field(None, max_length=4_000)

    @model_validator(mode="after")
    def _categories_fit_label(self) -> FeedbackRequest:
        problem = category_problem(self.label, list(self.categories))
        if problem:
            raise ValueError(problem)
        return self


class FeedbackResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"feedback_id": 17, "stored": True}]})

    feedback_id: int
    stored: Literal[True] = True


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, machine-readable: invalid_request, unauthorized, text_too_long, ...")
    message: str = Field(description="for people; may change")


class ErrorBody(BaseModel):
    """The body of every error response, whatever layer produced it."""

    model_config = ConfigDict(json_schema_extra={
        "examples": [{"error": {"code": "invalid_request", "message": "documents.3.text: text is empty or only "
                                                                      "whitespace"}}]})

    error: ErrorDetail
