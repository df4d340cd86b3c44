"""POST /v1/classify and /v1/classify/batch."""

from __future__ import annotations

import json

from fastapi import APIRouter, Response

from model.predict import DocumentPrediction
from service.deps import AppSettings, Metrics, ServedModel
from service.errors import ApiError
from service.schemas import BatchRequest, BatchResponse, ClassifyRequest, ClassifyResponse, ErrorBody

router = APIRouter(prefix="/v1", tags=["classify"])
ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 413, 415, 422, 503)}


def _json(payload: object) -> Response:
    # The contract is built by the model as plain dicts; serialising it directly skips a second validation pass.
    return Response(json.dumps(payload, ensure_ascii=False), media_type="application/json")


def _payload(prediction: DocumentPrediction, caller_id: str | None) -> dict:
    return {"id": caller_id, **prediction.to_dict()}


def _check_length(document: ClassifyRequest, settings: AppSettings, where: str) -> None:
    if len(document.text) > settings.max_chars:
        raise ApiError(413, "text_too_long", f"{where}text has {len(document.text)} characters; the limit is {settings.max_chars}")


@router.post("/classify", response_model=ClassifyResponse, responses=ERRORS, summary="Classify one document")
def classify(request: ClassifyRequest, model: ServedModel, settings: AppSettings, metrics: Metrics) -> Response:
    """The document prediction: risk label, calibrated scores, flagged sentences with offsets and fix hints."""
    _check_length(request, settings, "")
    prediction = model.classify(request.text, request.format, request.all_sentences)
    metrics.predictions.labels(prediction.label).inc()
    return _json(_payload(prediction, request.id))


@router.post("/classify/batch", response_model=BatchResponse, responses=ERRORS, summary="Classify several documents")
def classify_batch(request: BatchRequest, model: ServedModel, settings: AppSettings, metrics: Metrics) -> Response:
    """Results in request order; any invalid document fails the whole batch, naming its index."""
    documents = request.documents
    if len(documents) > settings.max_batch:
        raise ApiError(413, "batch_too_large", f"{len(documents)} documents; the limit is {settings.max_batch}")
    for index, document in enumerate(documents):
        _check_length(document, settings, f"documents.{index}.")
    predictions = model.classify_many(
        [d.text for d in documents], [d.format for d in documents], [d.all_sentences for d in documents]
    )
    for prediction in predictions:
        metrics.predictions.labels(prediction.label).inc()
    return _json({"results": [_payload(p, d.id) for p, d in zip(predictions, documents, strict=True)]})
