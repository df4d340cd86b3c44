"""GET /v1/model and POST /v1/admin/reload."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from model.errors import ArtifactError
from service.auth import require_admin_key
from service.deps import Holder, Metrics, ServedModel
from service.errors import ApiError
from service.schemas import ErrorBody, ModelInfo

router = APIRouter(prefix="/v1", tags=["model"])


def model_info(manifest: dict) -> ModelInfo:
    metrics = {k: float(v) for k, v in (manifest.get("metrics") or {}).items() if isinstance(v, int | float)}
    return ModelInfo(
        version=manifest["version"],
        created=manifest.get("created", ""),
        labels=manifest.get("labels", []),
        categories=manifest.get("categories", []),
        metrics=metrics,
        taxonomy_version=manifest.get("taxonomy_version", ""),
    )


@router.get("/model", response_model=ModelInfo, responses={401: {"model": ErrorBody}, 503: {"model": ErrorBody}})
def get_model_info(model: ServedModel) -> ModelInfo:
    """The loaded model's manifest: version, creation time, labels, categories, held-out metrics, taxonomy version."""
    return model_info(model.manifest)


@router.post("/admin/reload", response_model=ModelInfo, dependencies=[Depends(require_admin_key)],
             responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 409: {"model": ErrorBody}})
def reload_model(holder: Holder, metrics: Metrics) -> ModelInfo:
    """Load models/current again and swap it in; if it fails to load, the old model keeps serving."""
    try:
        fresh = holder.load()
    except ArtifactError as exc:
        raise ApiError(409, "reload_failed", f"kept the model already serving: {exc}") from exc
    metrics.set_model(fresh.version)
    return model_info(fresh.manifest)
