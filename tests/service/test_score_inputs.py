"""`claimrisk score` inputs: every kind and compression read in order, bad rows to the errors file.

These call `score_archive` in this process with the tiny model (the CLI's
subprocess behaviour is in test_score.py); each expected prediction is
computed by calling the model directly on the same text.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from model.text import sniff_format
from service.batch.engine_local import InProcessEngine
from service.batch.errors import UnreadableInput
from service.batch.job import JobSpec, score_archive
from training.dataset import load_records
from training.validate_data import CORPUS_DIR

# ------------------------------------------------------------------ helpers


def corpus_articles(count: int) -> list[str]:
    """Corpus documents as plain-text articles, a mix of low, medium and high risk."""
    docs: dict[str, list[str]] = {}
    for record in load_records([CORPUS_DIR]):
        docs.setdefault(record.doc_id, []).append(record.text)
    every = list(docs.values())
    step = max(1, len(every) // count)
    return ["\n".join(every[i * step]) for i in range(count)]


def score(tmp: Path, model, inputs: list[Path | str], output: str = "out.jsonl", **options):
    spec = JobSpec(tuple(str(i) for i in inputs), tmp / output, **options)
    return score_archive(spec, model, InProcessEngine())


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_scored_like_model(rows: list[dict], model, texts: list[str], fmt: str | None = None) -> None:
    """Each output row carries exactly what the model says of its text (in `fmt`, else the sniffed format)."""
    assert len(rows) == len(texts)
    for row, text in zip(rows, texts, strict=True):
        expected = model.classify(text, fmt or sniff_format(text)).to_dict()
        assert (row["label"], row["score"], row["scores"]) == (expected["label"], expected["score"], expected["scores"])
        assert row["categories"] == expected["categories"]
        assert row["flagged_sentences"] == expected["sentences"]
        assert row["flagged_count"] == sum(s["label"] != "low" for s in expected["sentences"])
        assert row["model_version"] == "tiny-test"


@pytest.fixture(scope="module")
def articles() -> list[str]:
    return corpus_articles(12)


# ------------------------------------------------------------------ file formats


def _write(path: Path, kind: str, rows: list[dict]) -> None:
    if kind == "jsonl":
        data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    elif kind == "json":
        data = json.dumps(rows).encode()
    elif kind == "csv":
        import pandas as pd

        buffer = Path(str(path) + ".plain")
        pd.DataFrame(rows).to_csv(buffer, index=False)
        data = buffer.read_bytes()
        buffer.unlink()
    else:
        sink = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pylist(rows), sink, row_group_size=5)
        data = sink.getvalue().to_pybytes()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.gz", "a.json", "a.json.gz", "a.csv", "a.csv.gz",
                                  "a.parquet", "a.parquet.gz"])
def test_every_file_format_is_scored_in_order_with_its_metadata(tmp_path, tiny_model, articles, name):
    kind = name.split(".")[1]
    rows = [{"id": f"post-{i}", "text": t, "author": f"writer {i % 3}", "words": len(t.split())}
            for i, t in enumerate(articles)]
    _write(tmp_path / name, kind, rows)
    report = score(tmp_path, tiny_model, [tmp_path / name])
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == [f"post-{i}" for i in range(len(articles))]
    assert_scored_like_model(out, tiny_model, articles)
    words = [str(r["words"]) if kind == "csv" else r["words"] for r in rows]  # CSV cells stay text
    assert [(r["author"], r["words"]) for r in out] == [(x["author"], w) for x, w in zip(rows, words, strict=True)]
    assert report.summary["rows"] == report.summary["scored"] == len(articles)
    assert not report.has_errors
    assert not (tmp_path / "out.jsonl.parts").exists()


def test_text_and_id_fields_are_configurable_and_globs_keep_sorted_order(tmp_path, tiny_model, articles):
    for part, chunk in enumerate([articles[:5], articles[5:]]):
        lines = [json.dumps({"body": t, "slug": f"p{part}-{i}"}) for i, t in enumerate(chunk)]
        (tmp_path / f"part-{part}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    score(tmp_path, tiny_model, [tmp_path / "part-*.jsonl"], text_field="body", id_field="slug")
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == [f"p0-{i}" for i in range(5)] + [f"p1-{i}" for i in range(len(articles) - 5)]
    assert_scored_like_model(out, tiny_model, articles)


def test_rows_without_an_id_are_named_by_file_and_line(tmp_path, tiny_model, articles):
    (tmp_path / "a.jsonl").write_text(f'{json.dumps({"text": articles[0]})}\n\n{json.dumps({"text": articles[1]})}\n')
    score(tmp_path, tiny_model, [tmp_path / "a.jsonl"])
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == [f"{tmp_path}/a.jsonl:1", f"{tmp_path}/a.jsonl:3"]


# ------------------------------------------------------------------ folders and WordPress


def test_a_folder_of_documents_is_read_recursively_with_relative_ids(tmp_path, tiny_model):
    folder = tmp_path / "site"
    (folder / "blog").mkdir(parents=True)
    docs = {
        "blog/cure.md": ("## Turmeric\n\n- Cures arthritis in days.\n- Replaces your painkillers.", "markdown"),
        "about.html": ("<h1>About</h1><p>Our turmeric cures cancer.</p><p>Buy now.</p>", "html"),
        "notes.txt": ("Supports healthy joints. Take one capsule daily.", "text"),
    }
    for name, (text, _) in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "logo.png").write_bytes(b"\x89PNG")
    score(tmp_path, tiny_model, [folder])
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == ["about.html", "blog/cure.md", "notes.txt"]
    for row in out:
        text, fmt = docs[row["id"]]
        assert_scored_like_model([row], tiny_model, [text], fmt)


WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Shop</title><wp:wxr_version>1.2</wp:wxr_version>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>https://shop.example/?p={id}</link>
<pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>
<content:encoded><![CDATA[{content}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{id}</wp:post_id><wp:post_date>2024-01-0{id} 10:00:00</wp:post_date>
<wp:status>{status}</wp:status><wp:post_type>{type}</wp:post_type></item>"""


@pytest.mark.parametrize("name", ["export.xml", "export.xml.gz"])
def test_a_wordpress_export_yields_posts_with_link_status_and_date(tmp_path, tiny_model, name):
    items = [
        dict(id=1, title="Elderberry &amp; flu", content="<p>Elderberry cures the flu in two days.</p>",
             status="publish", type="post"),
        dict(id=2, title="Logo", content="", status="inherit", type="attachment"),
        dict(id=3, title="Draft", content="", status="draft", type="post"),
        dict(id=4, title="Classic post", content="Sleep better tonight\n\nMelatonin cures insomnia for good.",
             status="publish", type="page"),
    ]
    xml = WXR.format(items="\n".join(ITEM.format(**item) for item in items)).encode()
    (tmp_path / name).write_bytes(gzip.compress(xml) if name.endswith(".gz") else xml)
    report = score(tmp_path, tiny_model, [tmp_path / name], all_sentences=True)
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == ["1", "4"]  # the attachment is skipped, the empty draft is an error
    first = out[0]
    assert (first["link"], first["status"], first["date"], first["title"], first["type"]) == (
        "https://shop.example/?p=1", "publish", "2024-01-01 10:00:00", "Elderberry & flu", "post")
    expected = tiny_model.classify("<h1>Elderberry &amp; flu</h1>\n<p>Elderberry cures the flu in two days.</p>",
                                   "html", True).to_dict()
    assert first["sentences"] == expected["sentences"]
    assert [s["text"] for s in out[1]["sentences"]] == [
        "Classic post", "Sleep better tonight", "Melatonin cures insomnia for good."]
    errors = read_jsonl(tmp_path / "out.jsonl.errors.jsonl")
    assert [(e["id"], e["reason"]) for e in errors] == [("3", "post has no content (content:encoded is empty)")]
    assert report.has_errors


# ------------------------------------------------------------------ bad rows


def test_bad_jsonl_rows_go_to_the_errors_file_and_the_rest_is_scored(tmp_path, tiny_model, articles):
    good = [json.dumps({"id": f"g{i}", "text": t}).encode() for i, t in enumerate(articles[:3])]
    lines = [
        good[0],
        json.dumps({"id": "no-text", "title": "x"}).encode(),
        json.dumps({"id": "empty", "text": "   "}).encode(),
        good[1],
        json.dumps({"id": "number", "text": 42}).encode(),
        b'{"id": "bytes", "text": "caf\xe9 cures cancer"}',
        b'{"id": "broken", "text": ',
        b'["not", "an", "object"]',
        json.dumps({"id": "null", "text": None}).encode(),
        good[2],
    ]
    (tmp_path / "a.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    report = score(tmp_path, tiny_model, [tmp_path / "a.jsonl"], shard_size=4)
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["g0", "g1", "g2"]
    errors = read_jsonl(tmp_path / "out.jsonl.errors.jsonl")
    assert [(e["row"], e["id"]) for e in errors] == [
        (1, "no-text"), (2, "empty"), (4, "number"), (5, f"{tmp_path}/a.jsonl:6"), (6, f"{tmp_path}/a.jsonl:7"),
        (7, f"{tmp_path}/a.jsonl:8"), (8, "null")]
    reasons = [e["reason"] for e in errors]
    assert reasons[0] == "no 'text' field"
    assert reasons[1] == "'text' is empty"
    assert reasons[2] == "'text' is not a string (int)"
    assert reasons[3].startswith("line is not UTF-8")
    assert reasons[4].startswith("line is not valid JSON")
    assert reasons[5] == "line is a JSON list, not an object"
    assert reasons[6] == "'text' is null or empty"
    assert (report.summary["rows"], report.summary["scored"], report.summary["errors"]) == (10, 3, 7)


def test_bad_csv_parquet_and_folder_rows_are_reported_by_row(tmp_path, tiny_model, articles):
    with open(tmp_path / "a.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["id", "text"], ["c1", articles[0]], ["c2", ""], ["c3", "caf@ cures"]])
    (tmp_path / "a.csv").write_bytes((tmp_path / "a.csv").read_bytes().replace(b"caf@", b"caf\xe9"))
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": pa.array([articles[1].encode(), b"\xff\xfe"], pa.binary())}),
                   tmp_path / "b.parquet")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "bad.txt").write_bytes(b"\xff cures cancer")
    (tmp_path / "docs" / "good.txt").write_text(articles[2], encoding="utf-8")
    score(tmp_path, tiny_model, [tmp_path / "a.csv", tmp_path / "b.parquet", tmp_path / "docs"])
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["c1", "p1", "good.txt"]
    errors = read_jsonl(tmp_path / "out.jsonl.errors.jsonl")
    assert [(e["row"], e["id"]) for e in errors] == [(1, "c2"), (2, "c3"), (4, "p2"), (5, "bad.txt")]
    assert errors[0]["reason"] == "'text' is null or empty"
    assert all("not UTF-8" in e["reason"] for e in errors[1:])


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.jsonl", None, "no such file or folder"),
    ("notes.docx", b"x", "unknown input kind '.docx'"),
    ("broken.parquet", b"PAR1 not really", "cannot be read as PARQUET"),
    ("broken.jsonl.gz", b"\x1f\x8b\x08\x00broken", "not a readable gzip file"),
    ("feed.xml", b"<html><body/></html>", "not a WordPress export"),
    ("bad.xml", b"<rss><channel><item>", "not well-formed XML"),
])
def test_unreadable_inputs_are_one_clear_error(tmp_path, tiny_model, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(UnreadableInput, match=message):
        score(tmp_path, tiny_model, [tmp_path / name])
