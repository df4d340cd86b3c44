"""Check labeled data against the labeling guide and print its counts.

    python -m training.validate_data                 # the corpus in data/corpus, with the corpus targets
    python -m training.validate_data FILE_OR_DIR ... # any record files, schema and near-duplicates only
    python -m training.validate_data --markdown      # the counts as the datasheet's tables

Exit status 0 when every record is valid, no sentences are near-duplicates and
(for the corpus) every target is met; 1 otherwise; 2 when a path is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from model.disclaimer import is_disclaimer
from model.taxonomy import CATEGORIES, HARD_CASES, LEVELS, REGISTERS
from training.near_duplicates import near_duplicate_pairs
from training.records import Record, check_documents, check_row, iter_raw_rows, record_files

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
CORPUS_DIR = DATA_DIR / "corpus"
PRODUCTS_FILE = DATA_DIR / "products.csv"
DATASHEET = DATA_DIR / "README.md"
COUNTS_START, COUNTS_END = (
    "<!-- counts:start (written by python -m training.validate_data --update-datasheet) -->",
    "<!-- counts:end -->",
)

# The corpus targets of the data issue; the validator, not a person, says whether they hold.
TARGETS = {
    "documents": 300,
    "sentences": 6000,
    "products": 40,
    "documents_per_register": 20,
    "level_share": 0.20,
    "sentences_per_category": 200,
    "sentences_per_hard_case": 100,
    "min_document_sentences": 3,
    "max_document_sentences": 60,
}


@dataclass
class Report:
    """What a validation run found."""

    records: list[Record] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    near_duplicates: list[tuple[Record, Record, float]] = field(default_factory=list)
    target_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.errors or self.near_duplicates or self.target_failures)


def read_records(paths: Sequence[str | Path]) -> tuple[list[Record], list[tuple[str, str]]]:
    """All valid records of the files under `paths`, and (where, message) for every bad row."""
    records: list[Record] = []
    errors: list[tuple[str, str]] = []
    for path in record_files(paths):
        rows = 0
        for row in iter_raw_rows(path):
            rows += 1
            record, problems = check_row(row)
            errors.extend((row.where, problem) for problem in problems)
            if record is not None:
                records.append(record)
        if rows == 0:
            errors.append((f"{path}:0", "file holds no records"))
    errors.extend(check_documents(records))
    return records, errors


def find_near_duplicates(records: list[Record]) -> list[tuple[Record, Record, float]]:
    """Near-duplicate sentence pairs, leaving out the FDA disclaimer, which real copy repeats word for word."""
    pairs = near_duplicate_pairs([r.text for r in records])
    return [
        (records[i], records[j], s)
        for i, j, s in pairs
        if not (is_disclaimer(records[i].text) and is_disclaimer(records[j].text))
    ]


def corpus_counts(records: list[Record]) -> dict[str, object]:
    """Counts of sentences and documents by every axis the datasheet reports."""
    docs: dict[str, list[Record]] = {}
    for record in records:
        docs.setdefault(record.doc_id, []).append(record)
    lengths = [len(sentences) for sentences in docs.values()]
    first = [sentences[0] for sentences in docs.values()]
    families = product_families()
    return {
        "documents": len(docs),
        "sentences": len(records),
        "products": len({r.product for r in records}),
        "document_length": {
            "min": min(lengths, default=0),
            "max": max(lengths, default=0),
            "mean": round(sum(lengths) / len(lengths), 1) if lengths else 0,
        },
        "by_level": {level: sum(r.label == level for r in records) for level in LEVELS},
        "by_category": {c: sum(c in r.categories for r in records) for c in CATEGORIES},
        "by_hard_case": {h: sum(h in r.hard_cases for r in records) for h in HARD_CASES},
        "documents_by_register": dict(sorted(Counter(r.source for r in first).items())),
        "documents_by_family": dict(sorted(Counter(families.get(r.product, r.product) for r in first).items())),
        "by_product": {
            p: {"documents": d, "sentences": s} for p, (d, s) in sorted(_product_counts(records, first).items())
        },
        "documents_with_disclaimer": _documents_with_disclaimer(docs),
    }


def _product_counts(records: list[Record], first: list[Record]) -> dict[str, tuple[int, int]]:
    doc_count = Counter(r.product for r in first)
    sentence_count = Counter(r.product for r in records)
    return {p: (doc_count[p], sentence_count[p]) for p in sentence_count}


def _documents_with_disclaimer(docs: dict[str, list[Record]]) -> int:
    return sum(any(is_disclaimer(r.text) for r in sentences) for sentences in docs.values())


def product_families(path: Path = PRODUCTS_FILE) -> dict[str, str]:
    """product slug -> product family, from data/products.csv."""
    import csv

    with open(path, encoding="utf-8") as handle:
        return {row["product"]: row["family"] for row in csv.DictReader(handle)}


def target_failures(counts: dict, records: list[Record]) -> list[str]:
    """Every corpus target of the data issue that the counts miss."""
    t = TARGETS
    fails = [
        f"{key}: {counts[key]} < {t[key]}" for key in ("documents", "sentences", "products") if counts[key] < t[key]
    ]
    total = max(counts["sentences"], 1)
    fails += [
        f"level {lv}: {n / total:.1%} of sentences < {t['level_share']:.0%}"
        for lv, n in counts["by_level"].items()
        if n / total < t["level_share"]
    ]
    fails += [
        f"category {c}: {n} < {t['sentences_per_category']}"
        for c, n in counts["by_category"].items()
        if n < t["sentences_per_category"]
    ]
    fails += [
        f"hard case {h}: {n} < {t['sentences_per_hard_case']}"
        for h, n in counts["by_hard_case"].items()
        if n < t["sentences_per_hard_case"]
    ]
    registers = counts["documents_by_register"]
    fails += [
        f"register {r}: {registers.get(r, 0)} documents < {t['documents_per_register']}"
        for r in REGISTERS
        if registers.get(r, 0) < t["documents_per_register"]
    ]
    fails += _length_failures(records)
    return fails


def _length_failures(records: list[Record]) -> list[str]:
    lengths = Counter(r.doc_id for r in records)
    low, high = TARGETS["min_document_sentences"], TARGETS["max_document_sentences"]
    return [
        f"document {d}: {n} sentences, outside {low}-{high}" for d, n in sorted(lengths.items()) if not low <= n <= high
    ]


def validate(paths: Sequence[str | Path], with_targets: bool) -> Report:
    """Run every check over the record files under `paths`."""
    records, errors = read_records(paths)
    report = Report(records=records, errors=errors, near_duplicates=find_near_duplicates(records))
    if with_targets:
        report.target_failures = target_failures(corpus_counts(records), records)
    return report


def render_text(report: Report, counts: dict) -> str:
    """The human report: problems first (file:line), then counts."""
    lines = [f"{where}: {message}" for where, message in report.errors]
    lines += [
        f"near-duplicate ({score:.2f}): {a.where} {a.text!r} ~ {b.where} {b.text!r}"
        for a, b, score in report.near_duplicates
    ]
    lines += [f"target missed: {failure}" for failure in report.target_failures]
    lines.append(json.dumps(counts, indent=2))
    verdict = "OK" if report.ok else "FAILED"
    lines.append(
        f"{verdict}: {len(report.errors)} record problems, {len(report.near_duplicates)} near-duplicate pairs, "
        f"{len(report.target_failures)} targets missed"
    )
    return "\n".join(lines)


def render_markdown(counts: dict) -> str:
    """The counts as Markdown tables for data/README.md."""
    total = max(counts["sentences"], 1)
    out = [
        f"- documents: {counts['documents']}",
        f"- sentences: {counts['sentences']}",
        f"- products: {counts['products']}",
        "- sentences per document: min {min}, mean {mean}, max {max}".format(**counts["document_length"]),
        f"- documents with the FDA disclaimer: {counts['documents_with_disclaimer']}",
        "",
    ]
    out += _table("level", "sentences", {k: f"{v} ({v / total:.1%})" for k, v in counts["by_level"].items()})
    out += _table("category", "sentences", counts["by_category"])
    out += _table("hard-case rule", "sentences", counts["by_hard_case"])
    out += _table("register (source)", "documents", counts["documents_by_register"])
    out += _table("product family", "documents", counts["documents_by_family"])
    out += _table(
        "product",
        "documents / sentences",
        {p: f"{v['documents']} / {v['sentences']}" for p, v in counts["by_product"].items()},
    )
    return "\n".join(out).rstrip() + "\n"


def update_datasheet(counts: dict, path: Path = DATASHEET) -> None:
    """Replace the counts block of data/README.md with freshly computed tables."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(COUNTS_START, 1)
    _, tail = rest.split(COUNTS_END, 1)
    path.write_text(f"{head}{COUNTS_START}\n{render_markdown(counts)}{COUNTS_END}{tail}", encoding="utf-8")


def datasheet_counts(path: Path = DATASHEET) -> str:
    """The counts block as data/README.md holds it now."""
    text = path.read_text(encoding="utf-8")
    return text.split(COUNTS_START, 1)[1].split(COUNTS_END, 1)[0].lstrip("\n")


def _table(key: str, value: str, rows: dict) -> list[str]:
    return [f"| {key} | {value} |", "| --- | ---: |", *(f"| {k} | {v} |" for k, v in rows.items()), ""]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.validate_data", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "paths", nargs="*", help="record files or folders (default: data/corpus with the corpus targets)"
    )
    parser.add_argument("--targets", action="store_true", help="also check the corpus targets for the given paths")
    parser.add_argument("--markdown", action="store_true", help="print the counts as Markdown tables")
    parser.add_argument("--update-datasheet", action="store_true", help="rewrite the counts in data/README.md")
    args = parser.parse_args(argv)
    paths = args.paths or [CORPUS_DIR]
    try:
        report = validate(paths, with_targets=args.targets or not args.paths)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = corpus_counts(report.records)
    if args.update_datasheet:
        update_datasheet(counts)
    print(render_markdown(counts) if args.markdown else render_text(report, counts))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
