"""The validator names every kind of bad record by file and line, and finds near-duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.validate_data import main, read_records, validate

GOOD = {
    "text": "Kava root is ground and mixed with water.",
    "label": "low",
    "categories": [],
    "product": "kava",
    "source": "blog",
    "doc_id": "kava-blog-01",
}


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def bad(**changes: object) -> dict:
    row = {**GOOD, "text": f"A distinct sentence about {sorted(changes)} and more words."}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not ...}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a", "list"]', "a record is a JSON object"),
        (bad(text="   "), "'text' must be a non-empty string"),
        (bad(text=12), "'text' must be a non-empty string"),
        (bad(label="severe"), "label 'severe' is not one of"),
        (bad(label=...), "missing field 'label'"),
        (bad(doc_id=...), "missing field 'doc_id'"),
        (bad(doc_id=""), "'doc_id' must be a non-empty string"),
        (bad(categories="disease"), "'categories' must be a list of strings"),
        (bad(label="low", categories=["disease"]), "a low sentence has no categories"),
        (bad(label="medium", categories=["disease"]), "are high-level but the label is medium"),
        (bad(label="medium", categories=[]), "a medium sentence needs a medium category"),
        (bad(label="high", categories=["testimonial"]), "a high sentence needs one of"),
        (bad(label="high", categories=["cancer"]), "unknown categories ['cancer']"),
        (bad(source="tweet"), "source 'tweet' is not one of"),
        (bad(hard_cases=["sarcasm"]), "unknown hard_cases ['sarcasm']"),
        (bad(colour="red"), "unknown fields ['colour']"),
    ],
)
def test_each_bad_record_is_named_with_file_and_line(tmp_path: Path, row: object, message: str) -> None:
    path = write_jsonl(tmp_path / "shard.jsonl", [GOOD, {**GOOD, "text": "Second, different line of kava text."}, row])
    _, errors = read_records([tmp_path])
    assert [(where, m) for where, m in errors if message in m] == [
        (f"{path}:3", next(m for _, m in errors if message in m))
    ]


def test_scattered_document_is_reported(tmp_path: Path) -> None:
    other = {**GOOD, "doc_id": "kava-blog-02", "text": "A line from another kava post entirely."}
    again = {**GOOD, "text": "The first post continues after the second one."}
    path = write_jsonl(tmp_path / "shard.jsonl", [GOOD, other, again])
    _, errors = read_records([tmp_path])
    assert errors == [(f"{path}:3", f"doc_id 'kava-blog-01' also at {path}:1; keep a document's sentences together")]


def test_csv_rows_are_named_by_their_line(tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_text(
        "text,label,categories,product,source,doc_id\n"
        "Eases arthritis pain,high,disease,kava,ad,a1\n"
        "Lifts your mood,medium,disease,kava,ad,a1\n",
        encoding="utf-8",
    )
    records, errors = read_records([path])
    assert len(records) == 1 and records[0].categories == ("disease",)
    assert errors == [(f"{path}:3", "categories ['disease'] are high-level but the label is medium")]


def test_near_duplicates_are_reported_but_the_disclaimer_is_not(tmp_path: Path) -> None:
    disclaimer = "These statements have not been evaluated by the Food and Drug Administration."
    rows = [
        bad(text="Our kava blend melts away tension after a long day.", doc_id="d1"),
        bad(text=disclaimer, doc_id="d1"),
        bad(text="Our kava blend melts away tension after a long day!", doc_id="d2"),
        bad(text=disclaimer, doc_id="d2"),
    ]
    write_jsonl(tmp_path / "a.jsonl", rows)
    report = validate([tmp_path], with_targets=False)
    assert [(a.where.rsplit(":")[-1], b.where.rsplit(":")[-1]) for a, b, _ in report.near_duplicates] == [("1", "3")]
    assert not report.ok


def test_targets_are_checked_for_the_corpus(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [GOOD])
    report = validate([tmp_path], with_targets=True)
    assert "documents: 1 < 300" in report.target_failures
    assert "document kava-blog-01: 1 sentences, outside 3-60" in report.target_failures


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [GOOD])
    assert main([str(good)]) == 0
    broken = write_jsonl(tmp_path / "broken.jsonl", ["{oops"])
    assert main([str(broken)]) == 1
    assert f"{broken}:1: not valid JSON" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.jsonl")]) == 2
