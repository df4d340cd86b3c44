"""`claimrisk classify`, `claimrisk train` and `claimrisk evaluate`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from model.errors import InputError

FORMATS = ("auto", "text", "html", "markdown")


def add_commands(commands: argparse._SubParsersAction) -> None:
    classify = commands.add_parser("classify", help="classify one document and print the prediction as JSON")
    classify.add_argument("file", nargs="?", default="-", help="a text, HTML or Markdown file, or - for stdin")
    classify.add_argument("--model", type=Path, help="model artifact folder (default: models/current)")
    classify.add_argument(
        "--format", choices=FORMATS, default="auto", help="input format (default: by extension, else sniffed)"
    )
    classify.add_argument("--all-sentences", action="store_true", help="list every sentence, not only the flagged ones")
    classify.set_defaults(handler=run_classify)

    train = commands.add_parser("train", help="retrain on data/ plus extra labeled files; write models/<version>/")
    train.add_argument(
        "--data", type=Path, action="append", default=[], help="extra labeled JSONL/CSV/Parquet (repeatable)"
    )
    train.add_argument("--out", type=Path, help="models folder (default: CLAIMRISK_MODELS_DIR or ./models)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--force", action="store_true", help="point models/current at the new version even if worse")
    train.set_defaults(handler=run_train)

    evaluate = commands.add_parser("evaluate", help="score a labeled file and print precision, recall, F1")
    evaluate.add_argument("file", type=Path, help="labeled JSONL, CSV or Parquet in the labeling guide's format")
    evaluate.add_argument("--model", type=Path, help="model artifact folder (default: models/current)")
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")
    evaluate.set_defaults(handler=run_evaluate)


def read_input(file: str) -> str:
    """The document to classify, from a file or stdin, as UTF-8."""
    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{file}: no such file") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def input_format(file: str, requested: str, text: str) -> str:
    """The format to parse with: as asked, else by file extension, else sniffed from the text."""
    from model.text import sniff_format

    if requested != "auto":
        return requested
    suffix = Path(file).suffix.lower()
    by_suffix = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}
    return by_suffix.get(suffix) or sniff_format(text)


def run_classify(args: argparse.Namespace) -> int:
    from service.cli import load_or_train, print_json

    text = read_input(args.file)
    model = load_or_train(args.model)
    prediction = model.classify(text, input_format(args.file, args.format, text), args.all_sentences)
    print_json(prediction.to_dict())
    return 0


def run_train(args: argparse.Namespace) -> int:
    from service.cli import get_settings
    from training.run import run_training
    from training.train import TrainConfig

    out = args.out or get_settings().models_dir
    started = time.perf_counter()
    with _progress_display() as progress:
        outcome = run_training(TrainConfig(seed=args.seed), out, tuple(args.data), args.force, progress=progress)
    print(_train_summary(outcome, time.perf_counter() - started))
    return 0


class _progress_display:
    """A live spinner with the current step on a terminal; plain lines on stderr otherwise."""

    def __enter__(self):
        self.started = time.perf_counter()
        self.steps = 0
        if sys.stderr.isatty():
            from rich.console import Console

            self.status = Console(stderr=True).status("training")
            self.status.start()
        else:
            self.status = None
        return self

    def __call__(self, step: str) -> None:
        self.steps += 1
        line = f"[{self.steps:>2}] {time.perf_counter() - self.started:6.1f}s  {step}"
        if self.status:
            self.status.update(line)
        else:
            print(line, file=sys.stderr, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self.status:
            self.status.stop()


def _train_summary(outcome: Any, seconds: float) -> str:
    m = outcome.manifest["metrics"]
    data = outcome.manifest["data"]
    return "\n".join(
        [
            f"model {outcome.manifest['version']} written to {outcome.folder} in {seconds:.0f}s",
            f"data: {data['sentences']} sentences, {data['documents']} documents, {data['products']} products "
            f"({data['duplicates_dropped']} duplicates dropped)",
            f"held-out product families: macro-F1 {m['leave_family_out_macro_f1']:.3f}, "
            f"high precision {m['leave_family_out_high_precision']:.3f}, "
            f"high recall {m['leave_family_out_high_recall']:.3f}",
            f"grouped 5-fold by document: macro-F1 {m['grouped_kfold_macro_f1']:.3f}",
            f"fixed evaluation split: macro-F1 {m['fixed_split_macro_f1']:.3f}",
            f"{'promoted to current' if outcome.promoted else 'NOT promoted'}: {outcome.reason}",
            f"model card: {outcome.folder / 'model_card.md'}",
        ]
    )


def run_evaluate(args: argparse.Namespace) -> int:
    from service.cli import load_or_train, print_json
    from training.dataset import load_records, to_dataset
    from training.train import predictions, scored

    model = load_or_train(args.model)
    figures = scored(predictions(model.classifier, to_dataset(load_records([args.file]))))
    if args.json:
        print_json(figures)
    else:
        print(_figures_table(figures))
    return 0


def _figures_table(figures: dict[str, Any]) -> str:
    lines = [f"{'level':<8} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for level, c in figures["per_class"].items():
        lines.append(f"{level:<8} {c['precision']:>9.3f} {c['recall']:>7.3f} {c['f1']:>6.3f} {c['support']:>8}")
    lines.append(f"macro-F1 {figures['macro_f1']:.3f}   accuracy {figures['accuracy']:.3f}")
    calibration = figures["calibration"]
    lines.append(f"P(high) calibration: ECE {calibration['high_ece']:.3f}, Brier {calibration['high_brier']:.3f}")
    labels = figures["confusion"]["labels"]
    lines.append("confusion (rows true, columns predicted): " + " ".join(f"{lb:>7}" for lb in labels))
    for label, row in zip(labels, figures["confusion"]["matrix"], strict=True):
        lines.append(f"  {label:<8}" + " ".join(f"{n:>7}" for n in row))
    return "\n".join(lines)
