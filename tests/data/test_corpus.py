"""Tests of the data itself: the corpus passes the validator, meets its targets, and the datasheet is current."""

from __future__ import annotations

from training.splits import fixed_evaluation_split, leave_family_out
from training.validate_data import CORPUS_DIR, corpus_counts, datasheet_counts, render_markdown, validate


def test_the_corpus_is_valid_and_meets_every_target() -> None:
    report = validate([CORPUS_DIR], with_targets=True)
    assert report.errors == []
    assert [(a.where, b.where) for a, b, _ in report.near_duplicates] == []
    assert report.target_failures == []


def test_the_datasheet_counts_are_the_validators() -> None:
    report = validate([CORPUS_DIR], with_targets=False)
    assert datasheet_counts() == render_markdown(corpus_counts(report.records))


def test_splits_never_share_a_document_or_a_family() -> None:
    from training.dataset import load_training_data

    data, _, _ = load_training_data()
    docs, families = data["doc_id"], data["family"]
    for _, (train, test) in leave_family_out(families):
        assert not {families[i] for i in train} & {families[i] for i in test}
    train, test = fixed_evaluation_split(docs, data["from_corpus"])
    assert len(test) > 0 and not {docs[i] for i in train} & {docs[i] for i in test}
