"""The labeled data a training run uses: read, validated, de-duplicated, as a `datasets.Dataset`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from datasets import Dataset

from model.errors import DataError
from training.near_duplicates import normalise
from training.records import Record
from training.validate_data import CORPUS_DIR, product_families, read_records

MAX_ERRORS_SHOWN = 20


def load_records(paths: Sequence[str | Path]) -> list[Record]:
    """Every record under `paths`; DataError naming file and line if any row breaks the schema."""
    try:
        records, errors = read_records(paths)
    except FileNotFoundError as exc:
        raise DataError(str(exc)) from exc
    if errors:
        shown = "\n".join(f"{where}: {message}" for where, message in errors[:MAX_ERRORS_SHOWN])
        more = f"\n... and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise DataError(f"{len(errors)} bad records:\n{shown}{more}")
    if not records:
        raise DataError(f"no records under {[str(p) for p in paths]}")
    return records


def drop_duplicates(records: list[Record]) -> tuple[list[Record], int]:
    """Keep the last record of each normalised text, so a later file (feedback) corrects an earlier label."""
    last = {normalise(r.text): i for i, r in enumerate(records)}
    kept = [r for i, r in enumerate(records) if last[normalise(r.text)] == i]
    return kept, len(records) - len(kept)


def to_dataset(records: list[Record], corpus: Path = CORPUS_DIR) -> Dataset:
    """The records as columns, with each product's family and whether it came from the corpus folder."""
    families = product_families()
    root = corpus.resolve()
    return Dataset.from_dict(
        {
            "text": [r.text for r in records],
            "label": [r.label for r in records],
            "categories": [list(r.categories) for r in records],
            "product": [r.product for r in records],
            "family": [families.get(r.product, r.product) for r in records],
            "source": [r.source for r in records],
            "doc_id": [r.doc_id for r in records],
            "from_corpus": [_within(r.where, root) for r in records],
        }
    )


def _within(where: str, root: Path) -> bool:
    return Path(where.rsplit(":", 1)[0]).resolve().is_relative_to(root)


def fingerprint(records: list[Record]) -> str:
    """sha256 of the records' content in order: the same data gives the same fingerprint."""
    digest = hashlib.sha256()
    for r in records:
        row = [r.text, r.label, list(r.categories), r.product, r.source, r.doc_id]
        digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()


def load_training_data(extra: Sequence[str | Path] = (), corpus: Path = CORPUS_DIR) -> tuple[Dataset, str, int]:
    """The corpus plus `extra` files: (dataset, fingerprint, number of duplicates dropped)."""
    records, dropped = drop_duplicates(load_records([corpus, *extra]))
    return to_dataset(records, corpus), fingerprint(records), dropped
