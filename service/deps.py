"""FastAPI dependencies: the served model, the settings and the feedback store, from app state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from model.predict import ClaimRiskModel
from service.errors import ApiError
from service.feedback import FeedbackStore
from service.holder import ModelHolder
from service.metrics import ServiceMetrics
from service.settings import Settings


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder


def get_model(holder: Annotated[ModelHolder, Depends(get_holder)]) -> ClaimRiskModel:
    """The model for this request, taken once so a reload mid-request cannot change it."""
    model = holder.current
    if model is None:
        raise ApiError(503, "model_unavailable", "no model is loaded yet")
    return model


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_feedback_store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


def get_metrics(request: Request) -> ServiceMetrics:
    return request.app.state.metrics


Holder = Annotated[ModelHolder, Depends(get_holder)]
ServedModel = Annotated[ClaimRiskModel, Depends(get_model)]
AppSettings = Annotated[Settings, Depends(get_app_settings)]
Feedback = Annotated[FeedbackStore, Depends(get_feedback_store)]
Metrics = Annotated[ServiceMetrics, Depends(get_metrics)]
