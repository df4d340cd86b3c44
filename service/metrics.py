"""Prometheus metrics of one app: requests and latency by route and status, predictions by label, model version.

Each app gets its own registry, so tests can build many apps; with several
workers each worker reports its own figures (scrape them per worker, or sum).
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("claimrisk_requests", "HTTP requests", ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("claimrisk_request_seconds", "HTTP request latency", ["route", "method"],
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
                                 registry=self.registry)
        self.predictions = Counter("claimrisk_predictions", "documents classified, by label", ["label"], registry=self.registry)
        self.model_info = Gauge("claimrisk_model_info", "the model being served (value 1)", ["version"], registry=self.registry)

    def set_model(self, version: str) -> None:
        self.model_info.clear()
        self.model_info.labels(version=version).set(1)


class MetricsMiddleware:
    """Time every request and count it by route template (not raw path, to keep label cardinality bounded)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(route, scope["method"]).observe(time.perf_counter() - started)
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
