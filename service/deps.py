"""FastAPI dependencies: the served model, the settings, the feedback store and the size limits, from app state.

They only read state and compare numbers, so they are `async def`: FastAPI runs a plain `def` dependency in
its thread pool, and a hop there per dependency cost more than the work (bench/http.py, back to back, one
client, 800-word articles: p50 4.2 ms with them as `def`, 3.5 ms as `async def`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from model.predict import ClaimRiskModel
from service.errors import ApiError
from service.feedback import FeedbackStore
from service.holder import ModelHolder
from service.metrics import ServiceMetrics
from service.schemas import BatchRequest, ClassifyRequest
from service.settings import Settings


async def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder


async def get_model(holder: Annotated[ModelHolder, Depends(get_holder)]) -> ClaimRiskModel:
    """The model for this request, taken once so a reload mid-request cannot change it."""
    holder.follow()
    model = holder.current
    if model is None:
        raise ApiError(503, "model_unavailable", "no model is loaded yet")
    return model


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_feedback_store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


async def get_metrics(request: Request) -> ServiceMetrics:
    return request.app.state.metrics


AppSettings = Annotated[Settings, Depends(get_app_settings)]


def _check_length(document: ClassifyRequest, settings: Settings, where: str = "") -> None:
    if len(document.text) > settings.max_chars:
        raise ApiError(413, "text_too_long",
                       f"{where}text has {len(document.text)} characters; the limit is {settings.max_chars}")


async def limited_document(body: ClassifyRequest, settings: AppSettings) -> ClassifyRequest:
    """The request body, refused with 413 when its text is over CLAIMRISK_MAX_CHARS."""
    _check_length(body, settings)
    return body


async def limited_batch(body: BatchRequest, settings: AppSettings) -> BatchRequest:
    """The batch, refused whole with 413 when it has too many documents or one of them is too long."""
    if len(body.documents) > settings.max_batch:
        raise ApiError(413, "batch_too_large", f"{len(body.documents)} documents; the limit is {settings.max_batch}")
    for index, document in enumerate(body.documents):
        _check_length(document, settings, f"documents.{index}.")
    return body


Holder = Annotated[ModelHolder, Depends(get_holder)]
ServedModel = Annotated[ClaimRiskModel, Depends(get_model)]
Feedback = Annotated[FeedbackStore, Depends(get_feedback_store)]
Metrics = Annotated[ServiceMetrics, Depends(get_metrics)]
LimitedDocument = Annotated[ClassifyRequest, Depends(limited_document)]
LimitedBatch = Annotated[BatchRequest, Depends(limited_batch)]
