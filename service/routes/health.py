"""GET /healthz, /readyz and /metrics: open without a key, for load balancers and Prometheus."""

from __future__ import annotations

import os

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.deps import Holder, Metrics
from service.errors import ApiError
from service.schemas import ErrorBody

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"model": ErrorBody, "description": "no model loaded"}})
def readyz(holder: Holder) -> dict[str, str | int]:
    """A model is loaded and requests can be served; which model, and which worker process answered."""
    holder.follow()
    model = holder.current
    if model is None:
        raise ApiError(503, "not_ready", "no model is loaded")
    return {"status": "ready", "model_version": model.version, "worker": os.getpid()}


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(metrics: Metrics) -> Response:
    """Prometheus text format: requests and latency by route and status, predictions by label, the model version."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
