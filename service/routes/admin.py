"""GET /v1/model and POST /v1/admin/reload."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.auth import require_admin_key
from service.deps import Holder, Metrics, ServedModel
from service.schemas import ErrorBody, ModelInfo

router = APIRouter(prefix="/v1", tags=["model"])


@router.get("/model", response_model=ModelInfo, responses={401: {"model": ErrorBody}, 503: {"model": ErrorBody}})
def get_model_info(model: ServedModel) -> ModelInfo:
    """The loaded model's manifest: version, creation time, labels, categories, held-out metrics, taxonomy version."""
    return ModelInfo.from_manifest(model.manifest)


RELOAD_ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody},
                 409: {"model": ErrorBody, "description": "the artifact failed to load; the old model serves on"}}


@router.post("/admin/reload", response_model=ModelInfo, dependencies=[Depends(require_admin_key)],
             responses=RELOAD_ERRORS)
def reload_model(holder: Holder, metrics: Metrics) -> ModelInfo:
    """Load the model folder (models/current) again and swap it in; requests in flight finish on the old model."""
    fresh = holder.reload()
    metrics.set_model(fresh.version)
    return ModelInfo.from_manifest(fresh.manifest)
