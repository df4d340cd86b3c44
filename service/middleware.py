"""ASGI guards that run before FastAPI reads a body (size limit 413, JSON content type 415), and CORS.

Each answers with the one error body of service/errors.py, so a client never has to parse two shapes.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error_response

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the limit; FastAPI lets HTTPException through as is."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is over {limit} bytes")


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class RequestGuardMiddleware:
    """Refuse oversized bodies without reading them whole, and non-JSON bodies on /v1/ routes."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(Headers(scope=scope), scope["path"])
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, self._limited(receive), send)

    def _refusal(self, headers: Headers, path: str) -> Response | None:
        """The answer to give before reading anything, or None to go on."""
        length = headers.get("content-length")
        if length is not None and not length.strip().isdigit():
            return error_response(400, "bad_request", "Content-Length is not a number", {"connection": "close"})
        if length is not None and int(length) > self.max_body_bytes:
            # Answered at once and the connection closed: the rest of the body is never read.
            return error_response(413, "too_large", f"the body is over {self.max_body_bytes} bytes",
                                  {"connection": "close"})
        has_body = int(length or 0) > 0 or "transfer-encoding" in headers
        if has_body and path.startswith("/v1/") and not _is_json(headers.get("content-type", "")):
            return error_response(415, "unsupported_media_type", "send the body as application/json")
        return None

    def _limited(self, receive: Receive) -> Receive:
        """`receive` that stops a body sent without Content-Length (chunked) as soon as it passes the limit."""
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                raise BodyTooLarge(self.max_body_bytes)
            return message

        return limited_receive


class JSONErrorCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, except that a refused preflight answers with the API's error body, not plain text."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        kept = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
        return error_response(response.status_code, "cors_refused", bytes(response.body).decode("utf-8"), kept)
