"""GET /healthz, /readyz and /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.deps import Holder, Metrics
from service.errors import ApiError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "no model loaded"}})
def readyz(holder: Holder) -> dict[str, str]:
    """A model is loaded and requests can be served."""
    model = holder.current
    if model is None:
        raise ApiError(503, "not_ready", "no model is loaded")
    return {"status": "ready", "model_version": model.version}


@router.get("/metrics")
def metrics(metrics: Metrics) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
