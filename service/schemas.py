"""The HTTP contract: pydantic request and response classes (the word "model" stays for the classifier)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from model.taxonomy import CATEGORIES, category_problem

Level = Literal["low", "medium", "high"]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]

EXAMPLE_TEXT = (
    "Our ashwagandha gummies support a calm mood. They relieve anxiety without the side effects of prescription drugs."
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_text(value: str) -> str:
    """Refuse blank text; replace unpaired surrogates (valid JSON escapes, invalid Unicode) by U+FFFD.

    The replacement keeps every character's offset, so spans still point into the text as sent.
    """
    if not value.strip():
        raise ValueError("text is empty or only whitespace")
    return _LONE_SURROGATE.sub("\ufffd", value)


class ClassifyRequest(Strict):
    """One document to classify."""

    text: str = Field(description="the document: plain text, HTML or Markdown", examples=[EXAMPLE_TEXT])
    format: Literal["text", "html", "markdown"] = Field("text", description="how to read `text`")
    id: str | None = Field(None, max_length=512, description="your id for the document; echoed back")
    all_sentences: bool = Field(False, description="list every sentence, not only the flagged ones")

    @field_validator("text")
    @classmethod
    def _has_text(cls, value: str) -> str:
        return _clean_text(value)


class BatchRequest(Strict):
    documents: list[ClassifyRequest] = Field(min_length=1, description="up to CLAIMRISK_MAX_BATCH documents")


class SentenceResult(BaseModel):
    start: int = Field(description="offset of the sentence's first character in `text` (Unicode code points)")
    end: int = Field(description="offset just past its last character")
    text: str
    label: Level
    scores: dict[Level, float]
    categories: list[Category]
    hint: str = Field(description="what to change; empty for low sentences")


class ClassifyResponse(BaseModel):
    id: str | None = None
    label: Level = Field(description="the highest sentence level")
    score: float = Field(description="calibrated probability of `label` or above (for low: of low)")
    scores: dict[Level, float]
    categories: list[Category]
    disclaimer: bool = Field(description="whether the FDA disclaimer is present")
    sentences: list[SentenceResult]
    model: dict[str, str]


class BatchResponse(BaseModel):
    results: list[ClassifyResponse]


class ModelInfo(BaseModel):
    version: str
    created: str
    labels: list[str]
    categories: list[str]
    metrics: dict[str, float]
    taxonomy_version: str


class FeedbackRequest(Strict):
    """An editor's correction of one sentence (or a short passage)."""

    text: str = Field(max_length=10_000, examples=["Melts away anxiety in minutes."])
    label: Level
    categories: list[Category] = Field(default_factory=list)
    id: str | None = Field(None, max_length=512)
    model_version: str | None = Field(None, max_length=128)
    note: str | None = Field(None, max_length=4_000)

    @field_validator("text")
    @classmethod
    def _has_text(cls, value: str) -> str:
        return _clean_text(value)


    @model_validator(mode="after")
    def _categories_fit_label(self) -> FeedbackRequest:
        problem = category_problem(self.label, list(self.categories))
        if problem:
            raise ValueError(problem)
        return self


class FeedbackResponse(BaseModel):
    feedback_id: int
    stored: Literal[True] = True


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail
