"""No input gets a 500 or a traceback: schemathesis against the app's own OpenAPI schema, and hypothesis unicode.

Both go through ASGI in this process (no network). Example counts are bounded so the file runs in seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app import create_app
from service.settings import Settings

SCHEMATHESIS_EXAMPLES = 25  # per operation and mode: 8 operations x 2 modes
UNICODE_EXAMPLES = 60


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> FastAPI:
    data = tmp_path_factory.mktemp("fuzz")
    return create_app(Settings(model_dir=tiny_model_dir, models_dir=data / "models", data_dir=data / "var"))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def check_error_shape(response: Any) -> None:
    """Every 4xx and 5xx body is {"error": {"code": str, "message": str}} and nothing else."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type") or ""
    if isinstance(content_type, list):  # schemathesis keeps every value of a header
        content_type = content_type[0]
    assert content_type.startswith("application/json"), response.headers
    body = json.loads(response.content)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert all(isinstance(body["error"][k], str) and body["error"][k] for k in ("code", "message")), body


@pytest.fixture(scope="module")
def api_schema(app: FastAPI) -> Any:
    schemathesis = pytest.importorskip("schemathesis", reason="needs the test dependency schemathesis")
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_the_openapi_schema_holds_and_nothing_crashes(api_schema: Any, mode: str) -> None:
    """Every operation the schema lists, with data that fits it and data that breaks it.

    (Driven through `as_strategy`, which works whatever the pytest version; the plugin's lazy loader
    does not run on pytest 9.)
    """
    from schemathesis.generation import GenerationMode

    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/classify", "/v1/classify/batch", "/v1/feedback", "/v1/model",
                                              "/v1/admin/reload", "/healthz", "/readyz", "/metrics"}
    for operation in operations:
        if mode == "negative" and not operation.body:
            continue  # nothing to break in a request without parameters or body
        _fuzz(operation.as_strategy(generation_mode=GenerationMode(mode)))


def _fuzz(cases: Any) -> None:
    from schemathesis.checks import not_a_server_error

    @settings(max_examples=SCHEMATHESIS_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def run(case: Any) -> None:
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error])
        check_error_shape(response)

    run()


# ------------------------------------------------------------------ hypothesis unicode

every_character = st.characters(exclude_categories=())  # control characters and lone surrogates included
# Each family equally likely, whatever its size: drawn from all of Unicode at once, the 2,048
# surrogates and 65 controls would almost never turn up.
alphabet = st.one_of(
    st.characters(categories=["Cc", "Cf"]),  # controls (NUL, ESC, BOM, bidi marks)
    st.characters(categories=["Cs"]),  # lone surrogates, sent as \udxxx escapes
    st.characters(categories=["Zs", "Zl", "Zp"]),  # every kind of space and line break
    st.characters(categories=["Mn", "Me"]),  # combining marks
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),  # ASCII, with . ! ? < > # * for the splitters
    every_character,
)
words = st.text(alphabet, max_size=300)
lone_surrogate = st.characters(categories=["Cs"])
with_surrogates = st.builds(lambda a, s, b, t: a + s + b + t, words, lone_surrogate, words, st.text(lone_surrogate))
long_words = st.builds(lambda c, n, tail: c * n + tail, every_character, st.integers(10_000, 100_000), words)
TAGS = ["div", "p", "ul", "li", "b", "span", "table", "tr", "td", "h1", "blockquote", "a href='x'", "script", "!--"]


@st.composite
def nested_html(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 3000))
    tag = draw(st.sampled_from(TAGS))
    middle = draw(words)
    closed = draw(st.booleans())
    name = tag.split()[0]
    return f"<{tag}>" * depth + middle + (f"</{name}>" * depth if closed else "")


@st.composite
def nested_markdown(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 3000))
    marker = draw(st.sampled_from(["> ", "- ", "1. ", "    ", "# ", "**", "[", "`"]))
    return marker * depth + draw(words)


FORMATS = st.sampled_from(["text", "html", "markdown"])
documents = st.one_of(
    st.tuples(words, FORMATS),
    st.tuples(with_surrogates, FORMATS),
    st.tuples(long_words, FORMATS),
    st.tuples(nested_html(), st.just("html")),
    st.tuples(nested_markdown(), st.just("markdown")),
)


@settings(max_examples=UNICODE_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=documents, caller_id=st.none() | st.text(alphabet, max_size=40), all_sentences=st.booleans())
def test_any_unicode_document_gets_a_prediction_or_a_clean_refusal(client: TestClient, document: tuple[str, str],
                                                                   caller_id: str | None, all_sentences: bool) -> None:
    text, fmt = document
    payload = {"text": text, "format": fmt, "id": caller_id, "all_sentences": all_sentences}
    # ensure_ascii escapes lone surrogates as \udxxx: valid JSON that is not valid Unicode.
    body = json.dumps(payload, ensure_ascii=True).encode("ascii")
    response = client.post("/v1/classify", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (200, 413, 422), response.text
    check_error_shape(response)
    if response.status_code == 422:
        assert not text.strip() or len(caller_id or "") > 512, response.text
        return
    if response.status_code == 200:
        # What the server sees: JSON decoding joins an escaped high+low surrogate pair into one character.
        sent = json.loads(body)
        prediction = response.json()
        assert prediction["label"] in ("low", "medium", "high")
        assert all(0 <= s["start"] <= s["end"] <= len(sent["text"]) for s in prediction["sentences"])
        if caller_id is not None:
            assert len(prediction["id"]) == len(sent["id"])


@settings(max_examples=UNICODE_EXAMPLES // 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.binary(max_size=2000) | st.text(alphabet, max_size=500).map(
    lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_as_a_body_get_an_error_not_a_crash(client: TestClient, raw: bytes) -> None:
    for path in ("/v1/classify", "/v1/classify/batch", "/v1/feedback"):
        response = client.post(path, content=raw, headers={"content-type": "application/json"})
        assert response.status_code in (200, 201, 400, 413, 422), response.text
        check_error_shape(response)
