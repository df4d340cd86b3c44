"""Editors' corrections, kept in SQLite and exported in the corpus format for retraining."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DATABASE_FILE = "feedback.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received TEXT NOT NULL,
    text TEXT NOT NULL,
    label TEXT NOT NULL,
    categories TEXT NOT NULL,
    caller_id TEXT,
    model_version TEXT,
    note TEXT
)
"""
_INSERT = ("INSERT INTO feedback (received, text, label, categories, caller_id, model_version, note) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)")


class FeedbackStore:
    """One SQLite file; each insert is its own committed transaction, so an answered request is on disk."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DATABASE_FILE
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level="DEFERRED")

    def add(self, text: str, label: str, categories: list[str], caller_id: str | None = None,
            model_version: str | None = None, note: str | None = None) -> int:
        """Store one correction and return its id once it is committed."""
        row = (datetime.now(UTC).isoformat(timespec="seconds"), text, label, json.dumps(categories), caller_id,
               model_version, note)
        with closing(self._connect()) as db:
            db.execute("PRAGMA synchronous=FULL")  # WAL commits reach the disk before the commit returns
            with db:  # one transaction, committed on leaving the block
                cursor = db.execute(_INSERT, row)
            return int(cursor.lastrowid or 0)

    def rows(self) -> list[dict[str, Any]]:
        with closing(self._connect()) as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM feedback ORDER BY id")]


def as_corpus_record(row: dict[str, Any]) -> dict[str, Any]:
    """A stored correction as a labeling-guide record; each correction is its own one-sentence document."""
    return {
        "text": row["text"],
        "label": row["label"],
        "categories": json.loads(row["categories"]),
        "product": "unknown",
        "source": "feedback",
        "doc_id": f"feedback-{row['id']}",
    }


def latest_corrections(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per sentence (compared without case and spacing), the latest correction winning.

    An editor may correct a correction; training data holding one sentence twice with two labels would
    fail validation and teach the model nothing.
    """
    latest: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        latest[" ".join(row["text"].split()).casefold()] = row
    return sorted(latest.values(), key=lambda r: r["id"])


def export_feedback(store: FeedbackStore, out: Path) -> int:
    """Write the corrections to `out` as JSONL in the corpus format (written whole, then renamed); return how many."""
    records = [as_corpus_record(row) for row in latest_corrections(store.rows())]
    temporary = out.with_name(out.name + ".partial")
    with open(temporary, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    temporary.replace(out)
    return len(records)
