"""POST /v1/classify and /v1/classify/batch."""

from __future__ import annotations

import json

from fastapi import APIRouter, Response

from model.predict import DocumentPrediction
from service.compute import model_slots
from service.deps import LimitedBatch, LimitedDocument, Metrics, ServedModel
from service.schemas import BatchResponse, ClassifyResponse, ErrorBody

router = APIRouter(prefix="/v1", tags=["classify"])
ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 413, 415, 422, 503)}


def _json(payload: object) -> Response:
    # The contract is built by the model as plain dicts; serialising it directly skips a second validation pass.
    return Response(json.dumps(payload, ensure_ascii=False), media_type="application/json")


def _payload(prediction: DocumentPrediction, caller_id: str | None) -> dict:
    return {"id": caller_id, **prediction.to_dict()}


@router.post("/classify", response_model=ClassifyResponse, responses=ERRORS, summary="Classify one document")
def classify(document: LimitedDocument, model: ServedModel, metrics: Metrics) -> Response:
    """The document prediction: risk label, calibrated scores, flagged sentences with offsets and fix hints."""
    with model_slots:
        prediction = model.classify(document.text, document.format, document.all_sentences)
    metrics.count_predictions([prediction])
    return _json(_payload(prediction, document.id))


@router.post("/classify/batch", response_model=BatchResponse, responses=ERRORS, summary="Classify several documents")
def classify_batch(batch: LimitedBatch, model: ServedModel, metrics: Metrics) -> Response:
    """Results in request order; any invalid document fails the whole batch, naming its index, before any work."""
    documents = batch.documents
    with model_slots:
        predictions = model.classify_many(
            [d.text for d in documents], [d.format for d in documents], [d.all_sentences for d in documents]
        )
    metrics.count_predictions(predictions)
    return _json({"results": [_payload(p, d.id) for p, d in zip(predictions, documents, strict=True)]})
