"""Bearer-key checks for /v1/ and /v1/admin/ routes, compared in constant time.

`async def` because they never block: FastAPI would otherwise send each through its thread pool.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from pydantic import SecretStr

from service.errors import ApiError


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _matches(token: str, keys: tuple[SecretStr, ...]) -> bool:
    """Compare against every key without stopping early, so timing says nothing about which one matched."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(token.encode("utf-8"), key.get_secret_value().encode("utf-8"))
    return found


async def require_api_key(request: Request) -> None:
    """Dependency of /v1/ routes: a valid key when keys are configured."""
    keys: tuple[SecretStr, ...] = request.app.state.api_keys
    if not keys:
        return
    token = _bearer(request)
    if token is None or not _matches(token, keys):
        raise ApiError(401, "unauthorized", "send a valid API key as 'Authorization: Bearer <key>'")


async def require_admin_key(request: Request) -> None:
    """Dependency of /v1/admin/ routes: an admin key when any keys are configured."""
    admin: tuple[SecretStr, ...] = request.app.state.admin_keys
    if not request.app.state.api_keys and not admin:
        return
    token = _bearer(request)
    if token is None or not _matches(token, admin):
        raise ApiError(403, "forbidden", "this route needs an admin key (CLAIMRISK_ADMIN_KEYS)")
