"""POST /v1/feedback: an editor's correction, committed to disk before the 201 answer."""

from __future__ import annotations

from fastapi import APIRouter

from service.deps import Feedback
from service.schemas import ErrorBody, FeedbackRequest, FeedbackResponse

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.post("/feedback", status_code=201, response_model=FeedbackResponse,
             responses={status: {"model": ErrorBody} for status in (400, 401, 413, 415, 422)})
def add_feedback(request: FeedbackRequest, store: Feedback) -> FeedbackResponse:
    """Store the correction; `claimrisk feedback export` turns stored corrections into training data."""
    feedback_id = store.add(request.text, request.label, list(request.categories), request.id,
                            request.model_version, request.note)
    return FeedbackResponse(feedback_id=feedback_id)
