"""The HTTP API through FastAPI's TestClient: every endpoint, every error, auth, CORS, feedback, reload, metrics."""

from __future__ import annotations

import gc
import json
import os
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from model.artifact import MANIFEST_FILE, MODEL_FILE, load_model, point_current
from model.predict import ClaimRiskModel
from model.taxonomy import TAXONOMY_VERSION
from service.app import create_app
from service.feedback import FeedbackStore, export_feedback
from service.holder import Loader
from service.settings import Settings, SettingsError, get_settings
from tests.conftest import copy_artifact_as
from training.validate_data import validate

ARTICLE = "Kava is a root from Vanuatu. It cures anxiety disorders. Take two capsules a day."
HTML = "<h1>Calm</h1><p>Kava is a root. It cures anxiety &amp; insomnia.</p>"
API_KEY, ADMIN_KEY = "editor-key-5f2a9c", "admin-key-77d1e0"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings come from the arguments of each test, never from the developer's shell."""
    for name in [n for n in os.environ if n.startswith("CLAIMRISK_")]:
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def make_app(tmp_path: Path, model_dir: Path | None, loader: Loader = load_model, **overrides: Any) -> FastAPI:
    settings = Settings(model_dir=model_dir, models_dir=tmp_path / "models", data_dir=tmp_path / "var", **overrides)
    return create_app(settings, loader)


@pytest.fixture
def client(tmp_path: Path, tiny_model_dir: Path) -> Iterator[TestClient]:
    with TestClient(make_app(tmp_path, tiny_model_dir)) as test_client:
        yield test_client


def assert_error(response: Any, status: int, code: str) -> dict[str, str]:
    """The one error shape: {"error": {"code", "message"}} and nothing else."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def metric_samples(client: TestClient) -> dict[tuple[str, frozenset], float]:
    text = client.get("/metrics").text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


# ------------------------------------------------------------------ classify


def test_classify_returns_the_document_prediction_with_the_id(client: TestClient, tiny_model: ClaimRiskModel) -> None:
    response = client.post("/v1/classify", json={"text": ARTICLE, "id": "post-7"})
    assert response.status_code == 200
    body = response.json()
    assert body == {"id": "post-7", **tiny_model.classify(ARTICLE).to_dict()}
    assert body["model"] == {"version": "tiny-test"}
    assert all(ARTICLE[s["start"]:s["end"]] == s["text"] for s in body["sentences"])


def test_html_markdown_and_every_sentence(client: TestClient, tiny_model: ClaimRiskModel) -> None:
    body = client.post("/v1/classify", json={"text": HTML, "format": "html", "all_sentences": True}).json()
    assert [s["text"] for s in body["sentences"]] == ["Calm", "Kava is a root.", "It cures anxiety & insomnia."]
    assert body["id"] is None
    markdown = "# Calm\n\n- Kava cures anxiety.\n- It grows in *Vanuatu*."
    body = client.post("/v1/classify", json={"text": markdown, "format": "markdown", "all_sentences": True}).json()
    assert body == {"id": None, **tiny_model.classify(markdown, "markdown", True).to_dict()}
    assert len(body["sentences"]) == 3


def test_lone_surrogates_are_replaced_one_for_one(client: TestClient) -> None:
    raw = b'{"text": "Kava \\ud800cures anxiety disorders.", "id": "a\\udfff", "all_sentences": true}'
    response = client.post("/v1/classify", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == "a\ufffd"
    assert body["sentences"][0]["text"] == "Kava \ufffdcures anxiety disorders."
    assert body["sentences"][0]["end"] == len("Kava \ud800cures anxiety disorders.")


def test_batch_answers_in_request_order(client: TestClient, tiny_model: ClaimRiskModel) -> None:
    documents = [{"text": ARTICLE, "id": "a"}, {"text": HTML, "format": "html", "id": "b"},
                 {"text": "Magnesium supports sleep.", "all_sentences": True}]
    response = client.post("/v1/classify/batch", json={"documents": documents})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == ["a", "b", None]
    for result, document in zip(results, documents, strict=True):
        fmt, every = document.get("format", "text"), document.get("all_sentences", False)
        alone = tiny_model.classify(document["text"], fmt, every)
        assert result == {"id": document.get("id"), **alone.to_dict()}


def test_an_invalid_document_fails_the_whole_batch_by_index(client: TestClient) -> None:
    before = metric_samples(client)
    documents = [{"text": ARTICLE}, {"text": ARTICLE}, {"text": "  \n "}]
    error = assert_error(client.post("/v1/classify/batch", json={"documents": documents}), 422, "invalid_request")
    assert error["message"].startswith("documents.2.text:")
    wrong_type = client.post("/v1/classify/batch",
                             json={"documents": [{"text": ARTICLE}, {"text": ARTICLE, "format": 3}]})
    assert "documents.1.format" in assert_error(wrong_type, 422, "invalid_request")["message"]
    after = metric_samples(client)
    predicted = [k for k in after if k[0] == "claimrisk_predictions_total"]
    assert all(after[k] == before.get(k, 0.0) for k in predicted), "nothing may be classified from a refused batch"


def test_batch_limits(tmp_path: Path, tiny_model_dir: Path) -> None:
    with TestClient(make_app(tmp_path, tiny_model_dir, max_batch=2, max_chars=100)) as client:
        ok = client.post("/v1/classify/batch", json={"documents": [{"text": "a"}, {"text": "b"}]})
        assert ok.status_code == 200 and len(ok.json()["results"]) == 2
        three = {"documents": [{"text": "a"}] * 3}
        assert_error(client.post("/v1/classify/batch", json=three), 413, "batch_too_large")
        long = {"documents": [{"text": "a"}, {"text": "b" * 101}]}
        error = assert_error(client.post("/v1/classify/batch", json=long), 413, "text_too_long")
        assert error["message"].startswith("documents.1.text has 101 characters")
        assert client.post("/v1/classify", json={"text": "c" * 100}).status_code == 200
        assert_error(client.post("/v1/classify", json={"text": "c" * 101}), 413, "text_too_long")
        assert_error(client.post("/v1/classify/batch", json={"documents": []}), 422, "invalid_request")


# ------------------------------------------------------------------ errors


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(("content", "headers", "status", "code"), [
    (b'{"text": "Kava', JSON, 400, "malformed_json"),
    (b"\xff\xfe{}", JSON, 400, "malformed_json"),
    (b'{"text": "caf\xe9"}', JSON, 400, "malformed_json"),
    (b"text=Kava", {"content-type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
    (b'{"text": "Kava"}', {"content-type": "text/plain"}, 415, "unsupported_media_type"),
    (b'{"text": "Kava"}', {}, 415, "unsupported_media_type"),
    (b"", JSON, 422, "invalid_request"),
    (b"[]", JSON, 422, "invalid_request"),
    (b'{"text": ""}', JSON, 422, "invalid_request"),
    (b'{"text": " \\t\\n\\u00a0 "}', JSON, 422, "invalid_request"),
    (b'{"text": "Kava", "language": "en"}', JSON, 422, "invalid_request"),
    (b'{"text": 42}', JSON, 422, "invalid_request"),
    (b'{"text": "Kava", "all_sentences": "true"}', JSON, 422, "invalid_request"),
    (b'{"text": "Kava", "format": "pdf"}', JSON, 422, "invalid_request"),
    (b'{"text": "Kava", "id": 7}', JSON, 422, "invalid_request"),
])
def test_bad_requests_get_the_error_shape(client: TestClient, content: bytes, headers: dict, status: int,
                                          code: str) -> None:
    assert_error(client.post("/v1/classify", content=content, headers=headers), status, code)


def test_size_limits(tmp_path: Path, tiny_model_dir: Path) -> None:
    with TestClient(make_app(tmp_path, tiny_model_dir, max_body_bytes=4096)) as client:
        big = json.dumps({"text": "Kava cures anxiety. " * 300}).encode()
        assert_error(client.post("/v1/classify", content=big, headers=JSON), 413, "too_large")

        def chunked() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
            yield b'{"text": "'
            for _ in range(100):
                yield b"Kava cures anxiety. " * 10
            yield b'"}'

        assert_error(client.post("/v1/classify", content=chunked(), headers=JSON), 413, "too_large")
        assert client.post("/v1/classify", json={"text": "Kava cures anxiety. " * 100}).status_code == 200
    with TestClient(make_app(tmp_path, tiny_model_dir)) as client:
        assert_error(client.post("/v1/classify", json={"text": "x" * 200_001}), 413, "text_too_long")
        assert client.post("/v1/classify", json={"text": "x" * 200_000}).status_code == 200


def test_unknown_routes_and_methods(client: TestClient) -> None:
    assert_error(client.get("/v1/nope"), 404, "not_found")
    assert_error(client.post("/admin/reload", json={}), 404, "not_found")
    assert_error(client.get("/v1/classify"), 405, "method_not_allowed")
    assert_error(client.delete("/v1/model"), 405, "method_not_allowed")


def test_no_model_means_503_everywhere_it_is_needed(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, tmp_path / "missing")) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert_error(client.get("/readyz"), 503, "not_ready")
        assert_error(client.post("/v1/classify", json={"text": ARTICLE}), 503, "model_unavailable")
        assert_error(client.get("/v1/model"), 503, "model_unavailable")
        assert_error(client.post("/v1/admin/reload"), 409, "reload_failed")


# ------------------------------------------------------------------ model, health, metrics, OpenAPI


def test_model_manifest_and_health(client: TestClient, tiny_model_dir: Path) -> None:
    manifest = json.loads((tiny_model_dir / MANIFEST_FILE).read_text())
    info = client.get("/v1/model").json()
    assert info == {"version": "tiny-test", "created": manifest["created"], "labels": ["low", "medium", "high"],
                    "categories": manifest["categories"], "metrics": {"fixed_split_macro_f1": 0.5},
                    "taxonomy_version": TAXONOMY_VERSION}
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "model_version": "tiny-test", "worker": os.getpid()}


def test_metrics_count_requests_latency_predictions_and_the_version(client: TestClient) -> None:
    for _ in range(2):
        assert client.post("/v1/classify", json={"text": ARTICLE}).status_code == 200
    client.post("/v1/classify", json={"text": ""})
    client.post("/v1/classify", content=b"x" * 10, headers={"content-type": "text/plain"})
    client.get("/v1/nope/4711")
    samples = metric_samples(client)
    route = ("route", "/v1/classify")
    post = ("method", "POST")
    assert samples[("claimrisk_requests_total", frozenset({route, post, ("status", "200")}))] == 2
    assert samples[("claimrisk_requests_total", frozenset({route, post, ("status", "422")}))] == 1
    assert samples[("claimrisk_requests_total", frozenset({route, post, ("status", "415")}))] == 1
    assert samples[("claimrisk_request_seconds_count", frozenset({route, post, ("status", "200")}))] == 2
    unmatched = [k for k in samples if ("route", "unmatched") in k[1] and k[0] == "claimrisk_requests_total"]
    assert unmatched and not any("4711" in str(k) for k in samples)
    label = client.post("/v1/classify", json={"text": ARTICLE}).json()["label"]
    assert metric_samples(client)[("claimrisk_predictions_total", frozenset({("label", label)}))] == 3
    assert samples[("claimrisk_model_info", frozenset({("version", "tiny-test")}))] == 1


def test_openapi_has_examples_and_the_error_shape(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in ("ClassifyRequest", "BatchRequest", "FeedbackRequest", "ClassifyResponse", "BatchResponse",
                 "ModelInfo", "FeedbackResponse", "ErrorBody"):
        assert schemas[name].get("examples"), f"{name} has no example"
    for path in ("/v1/classify", "/v1/classify/batch", "/v1/feedback"):
        operation = spec["paths"][path]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("Request")
        for status in ("400", "401", "413", "415", "422"):
            assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"}
    assert "/v1/admin/reload" in spec["paths"] and "/v1/model" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text


# ------------------------------------------------------------------ auth


@pytest.mark.parametrize("from_file", [False, True], ids=["env", "file"])
def test_keys_guard_v1_and_admin(tmp_path: Path, tiny_model_dir: Path, from_file: bool,
                                 caplog: pytest.LogCaptureFixture) -> None:
    if from_file:
        keys = tmp_path / "keys.txt"
        keys.write_text(f"# editors\n{API_KEY}\n\n")
        app = make_app(tmp_path, tiny_model_dir, api_keys_file=keys, admin_keys=ADMIN_KEY)
    else:
        app = make_app(tmp_path, tiny_model_dir, api_keys=f"other-key,{API_KEY}", admin_keys=ADMIN_KEY)
    editor, admin = {"Authorization": f"Bearer {API_KEY}"}, {"Authorization": f"Bearer {ADMIN_KEY}"}
    caplog.set_level("DEBUG")
    with TestClient(app) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": API_KEY},
                        {"Authorization": f"Basic {API_KEY}"}, {"Authorization": f"Bearer {API_KEY}x"}):
            assert_error(client.post("/v1/classify", json={"text": ARTICLE}, headers=headers), 401, "unauthorized")
            assert_error(client.get("/v1/model", headers=headers), 401, "unauthorized")
            assert_error(client.post("/v1/feedback", json={"text": "a", "label": "low"}, headers=headers),
                         401, "unauthorized")
        assert client.post("/v1/classify", json={"text": ARTICLE}, headers=editor).status_code == 200
        assert client.post("/v1/classify", json={"text": ARTICLE}, headers=admin).status_code == 200
        assert client.get("/v1/model", headers={"authorization": f"bearer {API_KEY}"}).status_code == 200
        assert_error(client.post("/v1/admin/reload"), 401, "unauthorized")
        assert_error(client.post("/v1/admin/reload", headers=editor), 403, "forbidden")
        assert client.post("/v1/admin/reload", headers=admin).json()["version"] == "tiny-test"
        for open_path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
            assert client.get(open_path).status_code == 200
        metrics_text = client.get("/metrics").text
    assert API_KEY not in caplog.text and ADMIN_KEY not in caplog.text and API_KEY not in metrics_text


def test_api_keys_without_admin_keys_close_the_admin_routes(tmp_path: Path, tiny_model_dir: Path) -> None:
    with TestClient(make_app(tmp_path, tiny_model_dir, api_keys=API_KEY)) as client:
        assert_error(client.post("/v1/admin/reload", headers={"Authorization": f"Bearer {API_KEY}"}), 403, "forbidden")


def test_without_keys_every_route_is_open(client: TestClient) -> None:
    assert client.post("/v1/classify", json={"text": ARTICLE}).status_code == 200
    assert client.post("/v1/admin/reload").status_code == 200


def test_bad_settings_are_refused_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMRISK_MAX_BATCH", "abc")
    with pytest.raises(SettingsError, match=r"CLAIMRISK_MAX_BATCH='abc': Input should be a valid integer"):
        get_settings()
    monkeypatch.delenv("CLAIMRISK_MAX_BATCH")
    empty = tmp_path / "empty-keys.txt"
    empty.write_text("\n# no keys yet\n")
    for name, value, expected in [("CLAIMRISK_API_KEYS_FILE", str(empty), "holds no keys"),
                                  ("CLAIMRISK_API_KEYS_FILE", str(tmp_path / "nope"), "not a readable"),
                                  ("CLAIMRISK_CORS_ORIGINS", "cms.example.com", "are not origins"),
                                  ("CLAIMRISK_MAX_BODY_BYTES", "10", "greater than or equal to 1024"),
                                  ("CLAIMRISK_ADMIN_KEYS", "s3cret key", "printable ASCII")]:
        monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        with pytest.raises(SettingsError, match=expected) as caught:
            get_settings()
        assert name in str(caught.value) and "s3cret" not in str(caught.value)
        monkeypatch.delenv(name)
    monkeypatch.setenv("CLAIMRISK_API_KEYS", "k1, k2")
    get_settings.cache_clear()
    assert "k1" not in repr(get_settings()) and [k.get_secret_value() for k in get_settings().all_api_keys()] == [
        "k1", "k2"]


# ------------------------------------------------------------------ CORS


def test_cors_preflight_and_simple_requests(tmp_path: Path, tiny_model_dir: Path) -> None:
    origin = "https://cms.example.com"
    with TestClient(make_app(tmp_path, tiny_model_dir, cors_origins=origin)) as client:
        asked = {"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}
        preflight = client.options("/v1/classify", headers=asked)
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        refused = client.options("/v1/classify", headers={**asked, "Origin": "https://evil.example.com"})
        assert "origin" in assert_error(refused, 400, "cors_refused")["message"]
        simple = client.post("/v1/classify", json={"text": ARTICLE}, headers={"Origin": origin})
        assert simple.headers["access-control-allow-origin"] == origin
        too_long = client.post("/v1/classify", content=b"x", headers={"Origin": origin, "content-type": "text/plain"})
        assert too_long.status_code == 415 and too_long.headers["access-control-allow-origin"] == origin
    with TestClient(make_app(tmp_path, tiny_model_dir)) as client:
        no_cors = client.options("/v1/classify", headers=asked)
        assert "access-control-allow-origin" not in no_cors.headers
        assert_error(no_cors, 405, "method_not_allowed")


# ------------------------------------------------------------------ feedback


def test_feedback_is_stored_and_exported_as_training_data(client: TestClient, tmp_path: Path) -> None:
    corrections = [
        {"text": "Melts away anxiety in minutes.", "label": "high", "categories": ["disease"], "id": "post-7",
         "model_version": "tiny-test", "note": "anxiety as a disorder"},
        {"text": "Supports a calm mood.", "label": "medium", "categories": ["structure_function"]},
        {"text": "Kava grows in Vanuatu.", "label": "low"},
        {"text": "supports a  calm mood.", "label": "low"},  # the same sentence corrected again: the latest wins
    ]
    ids = []
    for correction in corrections:
        response = client.post("/v1/feedback", json=correction)
        assert response.status_code == 201, response.text
        assert response.json()["stored"] is True
        ids.append(response.json()["feedback_id"])
    assert ids == sorted(ids) and len(set(ids)) == 4
    rows = FeedbackStore(tmp_path / "var").rows()  # committed before the answer: a new connection sees them
    first = rows[0]
    assert (first["text"], first["label"], first["caller_id"], first["note"]) == (
        "Melts away anxiety in minutes.", "high", "post-7", "anxiety as a disorder")
    out = tmp_path / "feedback.jsonl"
    assert export_feedback(FeedbackStore(tmp_path / "var"), out) == 3
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["text"], r["label"], r["categories"]) for r in records] == [
        ("Melts away anxiety in minutes.", "high", ["disease"]), ("Kava grows in Vanuatu.", "low", []),
        ("supports a  calm mood.", "low", [])]
    assert {r["source"] for r in records} == {"feedback"}
    report = validate([out], with_targets=False)
    assert report.ok, (report.errors, report.near_duplicates)


@pytest.mark.parametrize("correction", [
    {"text": "Cures anxiety.", "label": "high", "categories": ["structure_function"]},
    {"text": "Cures anxiety.", "label": "low", "categories": ["disease"]},
    {"text": "Cures anxiety.", "label": "severe", "categories": []},
    {"text": "Cures anxiety.", "label": "high", "categories": ["disease", "disease"]},
    {"text": "   ", "label": "low"},
    {"text": "x" * 10_001, "label": "low"},
    {"text": "Cures anxiety.", "label": "high", "categories": ["disease"], "rating": 5},
    {"label": "low"},
])
def test_bad_feedback_is_refused(client: TestClient, tmp_path: Path, correction: dict) -> None:
    assert_error(client.post("/v1/feedback", json=correction), 422, "invalid_request")
    assert FeedbackStore(tmp_path / "var").rows() == []


# ------------------------------------------------------------------ reload




def test_reload_swaps_in_the_new_current_and_keeps_the_old_on_failure(tmp_path: Path, tiny_model_dir: Path) -> None:
    root = tmp_path / "models"
    root.mkdir()
    point_current(root, copy_artifact_as(tiny_model_dir, root, "v1"))
    with TestClient(make_app(tmp_path, None)) as client:
        assert client.get("/v1/model").json()["version"] == "v1"
        point_current(root, copy_artifact_as(tiny_model_dir, root, "v2"))
        assert client.get("/v1/model").json()["version"] == "v1", "nothing changes before the reload"
        assert client.post("/v1/admin/reload").json()["version"] == "v2"
        assert client.post("/v1/classify", json={"text": ARTICLE}).json()["model"] == {"version": "v2"}

        broken = copy_artifact_as(tiny_model_dir, root, "v3")
        (broken / MODEL_FILE).write_bytes(b"not a joblib file")
        point_current(root, broken)
        error = assert_error(client.post("/v1/admin/reload"), 409, "reload_failed")
        assert "sha256 does not match" in error["message"] and "(v2) keeps serving" in error["message"]
        (root / "current").unlink()
        assert "no model artifact" in assert_error(client.post("/v1/admin/reload"), 409, "reload_failed")["message"]
        assert client.post("/v1/classify", json={"text": ARTICLE}).json()["model"] == {"version": "v2"}
        assert client.get("/readyz").json()["model_version"] == "v2"
        assert metric_samples(client)[("claimrisk_model_info", frozenset({("version", "v2")}))] == 1
        assert not any(k[0] == "claimrisk_model_info" and ("version", "v1") in k[1] for k in metric_samples(client))


def test_a_reload_in_one_worker_reaches_the_others(tmp_path: Path, tiny_model_dir: Path) -> None:
    """Workers of one service share CLAIMRISK_DATA_DIR; the one that reloads announces it there."""
    root = tmp_path / "models"
    root.mkdir()
    point_current(root, copy_artifact_as(tiny_model_dir, root, "v1"))
    first, second = make_app(tmp_path, None), make_app(tmp_path, None)
    second.state.holder.check_every = 0.0
    with TestClient(first) as one, TestClient(second) as two:
        point_current(root, copy_artifact_as(tiny_model_dir, root, "v2"))
        assert two.get("/v1/model").json()["version"] == "v1"
        assert one.post("/v1/admin/reload").json()["version"] == "v2"
        seen = [two.get("/v1/model").json()["version"] for _ in range(3)]
        deadline = time.monotonic() + 10
        while seen[-1] != "v2" and time.monotonic() < deadline:
            time.sleep(0.05)
            seen.append(two.get("/v1/model").json()["version"])
        assert seen[-1] == "v2", "the second worker never followed the reload"
        (root / "current").unlink()  # a failed reload is not announced: the second worker keeps v2
        assert_error(one.post("/v1/admin/reload"), 409, "reload_failed")
        time.sleep(0.2)
        assert {two.get("/v1/model").json()["version"] for _ in range(5)} == {"v2"}


class GatedModel(ClaimRiskModel):
    """A model that holds each classification until the test lets it go."""

    def __init__(self, base: ClaimRiskModel, inside: threading.Event, release: threading.Event) -> None:
        super().__init__(base.classifier, "gated-old")
        self.inside, self.release = inside, release

    def classify_many(self, *args: Any, **kwargs: Any) -> list:
        self.inside.set()
        assert self.release.wait(20)
        return super().classify_many(*args, **kwargs)


def test_requests_in_flight_finish_on_the_old_model(tmp_path: Path, tiny_model: ClaimRiskModel) -> None:
    inside, release = threading.Event(), threading.Event()
    models = iter([GatedModel(tiny_model, inside, release), ClaimRiskModel(tiny_model.classifier, "fresh")])
    with TestClient(make_app(tmp_path, tmp_path, loader=lambda _: next(models))) as client, \
            ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(client.post, "/v1/classify", json={"text": ARTICLE})
        assert inside.wait(20)
        assert client.post("/v1/admin/reload").json()["version"] == "fresh"
        assert client.post("/v1/classify", json={"text": ARTICLE}).json()["model"] == {"version": "fresh"}
        release.set()
        assert in_flight.result(20).json()["model"] == {"version": "gated-old"}


def test_requests_are_served_while_a_reload_is_loading(tmp_path: Path, tiny_model: ClaimRiskModel) -> None:
    loading, finish = threading.Event(), threading.Event()
    loads = []

    def slow_second_load(_: Path) -> ClaimRiskModel:
        loads.append(1)
        if len(loads) == 1:
            return tiny_model
        loading.set()
        assert finish.wait(20)
        return ClaimRiskModel(tiny_model.classifier, "slowly-loaded")

    with TestClient(make_app(tmp_path, tmp_path, loader=slow_second_load)) as client, ThreadPoolExecutor(1) as pool:
        reload = pool.submit(client.post, "/v1/admin/reload")
        assert loading.wait(20)
        assert client.post("/v1/classify", json={"text": ARTICLE}).json()["model"] == {"version": "tiny-test"}
        finish.set()
        assert reload.result(20).json()["version"] == "slowly-loaded"
        assert client.get("/v1/model").json()["version"] == "slowly-loaded"
    assert len(loads) == 2


def test_a_reload_frees_the_old_model(tmp_path: Path, tiny_model: ClaimRiskModel) -> None:
    def versions() -> Iterator[ClaimRiskModel]:  # made one at a time: a list would hold the old one itself
        yield ClaimRiskModel(tiny_model.classifier, "old")
        yield ClaimRiskModel(tiny_model.classifier, "new")

    models = versions()
    app = make_app(tmp_path, tmp_path, loader=lambda _: next(models))
    with TestClient(app) as client:
        old = weakref.ref(app.state.holder.current)
        assert client.post("/v1/classify", json={"text": ARTICLE}).json()["model"] == {"version": "old"}
        assert client.post("/v1/admin/reload").json()["version"] == "new"
        assert client.post("/v1/classify", json={"text": ARTICLE}).json()["model"] == {"version": "new"}
        gc.collect()
        assert old() is None, "something still holds the replaced model: every reload would leak one"


class CountingModel(ClaimRiskModel):
    """A model that records how many classifications run at once, each held until the test lets it go."""

    def __init__(self, base: ClaimRiskModel, release: threading.Event) -> None:
        super().__init__(base.classifier, "counting")
        self.release, self.running, self.most = release, 0, 0
        self.lock = threading.Lock()

    def classify_many(self, *args: Any, **kwargs: Any) -> list:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        assert self.release.wait(20)
        try:
            return super().classify_many(*args, **kwargs)
        finally:
            with self.lock:
                self.running -= 1


def test_at_most_two_classifications_run_at_once_in_a_worker(tmp_path: Path, tiny_model: ClaimRiskModel) -> None:
    release = threading.Event()
    model = CountingModel(tiny_model, release)
    with TestClient(make_app(tmp_path, tmp_path, loader=lambda _: model)) as client, ThreadPoolExecutor(6) as pool:
        requests = [pool.submit(client.post, "/v1/classify", json={"text": ARTICLE}) for _ in range(6)]
        deadline = time.monotonic() + 20
        while model.running < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # time enough for a third to slip in, were it allowed
        assert model.running == 2
        release.set()
        assert all(r.result(20).status_code == 200 for r in requests)
    assert model.most == 2
