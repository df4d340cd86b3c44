"""The FastAPI app factory: state, routers, error handlers and middleware wired together, nothing more."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from model.artifact import load_model
from model.errors import ArtifactError
from service.auth import require_api_key
from service.compute import one_compute_thread
from service.errors import install_error_handlers
from service.feedback import FeedbackStore
from service.holder import Loader, ModelHolder, ReloadAnnouncement
from service.metrics import MetricsMiddleware, ServiceMetrics
from service.middleware import JSONErrorCORSMiddleware, RequestGuardMiddleware
from service.routes import admin, classify, feedback, health
from service.settings import Settings, get_settings

log = logging.getLogger("claimrisk.service")
RELOAD_FILE = "reload.announced"  # in CLAIMRISK_DATA_DIR, which the workers of one service share
DESCRIPTION = (
    "Flags risky health claims in supplement marketing text before it is published: a risk label, calibrated "
    "scores and the risky sentences with character offsets, categories and a fix hint. Errors always have the "
    'body `{"error": {"code": "...", "message": "..."}}`.'
)


def create_app(settings: Settings | None = None, loader: Loader = load_model) -> FastAPI:
    """Build the app; the model is loaded in the lifespan, once per worker."""
    settings = settings or get_settings()
    holder = ModelHolder(settings.resolved_model_dir(), loader, ReloadAnnouncement(settings.data_dir / RELOAD_FILE))
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(_first_load, holder, metrics)
        one_compute_thread()  # after the load: it caps the libraries loaded by then
        yield  # (no local may hold the model across this: a reload could never free it)

    app = FastAPI(title="claimrisk", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.holder = holder
    app.state.metrics = metrics
    app.state.feedback = FeedbackStore(settings.data_dir)
    app.state.api_keys = settings.all_api_keys()
    app.state.admin_keys = tuple(k for k in app.state.api_keys if k.get_secret_value() in settings.admin_keys)
    _wire(app, settings, metrics)
    return app


def _first_load(holder: ModelHolder, metrics: ServiceMetrics) -> None:
    try:
        version = holder.load().version
    except ArtifactError as exc:
        log.error("no model loaded (%s); /readyz answers 503 until POST /v1/admin/reload succeeds", exc)
        return
    metrics.set_model(version)
    log.info("serving model %s from %s", version, holder.folder)


def _wire(app: FastAPI, settings: Settings, metrics: ServiceMetrics) -> None:
    # Starlette runs the middleware added last first: metrics see every request, CORS headers go on every
    # answer (the guard's 413 and 415 too), and the guard stops a body before FastAPI reads it.
    install_error_handlers(app)
    app.include_router(health.router)
    for module in (classify, admin, feedback):
        app.include_router(module.router, dependencies=[Depends(require_api_key)])
    paths = frozenset(route.path for module in (health, classify, admin, feedback) for route in module.router.routes)
    app.add_middleware(RequestGuardMiddleware, max_body_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(JSONErrorCORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(MetricsMiddleware, metrics=metrics, known_paths=paths)
