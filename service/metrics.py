"""Prometheus metrics of one app: requests and latency by route and status, predictions by label, model version.

Each app gets its own registry, so tests can build many apps; with several
workers each worker reports its own figures (scrape them per worker, or sum).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from model.predict import DocumentPrediction

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("claimrisk_requests", "HTTP requests", ["route", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("claimrisk_request_seconds", "HTTP request latency", ["route", "method", "status"],
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
                                 registry=self.registry)
        self.predictions = Counter("claimrisk_predictions", "documents classified, by label", ["label"],
                                   registry=self.registry)
        self.model_info = Gauge("claimrisk_model_info", "the model being served (value 1)", ["version"],
                                registry=self.registry)

    def set_model(self, version: str) -> None:
        self.model_info.clear()
        self.model_info.labels(version=version).set(1)

    def count_predictions(self, predictions: Iterable[DocumentPrediction]) -> None:
        for prediction in predictions:
            self.predictions.labels(prediction.label).inc()

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method, str(status)).observe(seconds)


def route_label(scope: Scope, known_paths: frozenset[str]) -> str:
    """The route template that served the request; for one refused before routing (413, 415), the API path
    it was sent to; else "unmatched", so that arbitrary paths cannot blow up the label set."""
    route = scope.get("route")
    if route is not None:
        return route.path
    return scope["path"] if scope["path"] in known_paths else UNMATCHED


class MetricsMiddleware:
    """Time every request and count it by route template, method and status."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, known_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.metrics = metrics
        self.known_paths = known_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before answering
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            method = scope["method"] if scope["method"] in _METHODS else "other"
            self.metrics.observe(route_label(scope, self.known_paths), method, status, time.perf_counter() - started)
