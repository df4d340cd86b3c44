"""`claimrisk score`: batch scoring of article archives (files, globs, folders, WordPress exports).

Exit status: 0 every row scored, 3 some rows went to OUTPUT.errors.jsonl,
2 bad usage or unreadable input (one line on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_ROW_ERRORS = 3
FORMATS = ("auto", "text", "html", "markdown")


def add_commands(commands: argparse._SubParsersAction) -> None:
    score = commands.add_parser(
        "score", help="score archives of articles into one row per article, with a summary",
        description="Score every article of JSONL/JSON/CSV/Parquet files (maybe .gz), folders of HTML/Markdown/text "
                    "files and WordPress exports (.xml). Exit 0: all scored; 3: some rows in OUTPUT.errors.jsonl; "
                    "2: bad usage or unreadable input.",
    )
    score.add_argument("inputs", nargs="+", metavar="INPUT", help="files, globs (quoted) or folders")
    score.add_argument("-o", "--output", type=Path, required=True, help="output file: .jsonl, .csv or .parquet")
    score.add_argument("--text-field", default="text", help="field holding the article (default: text)")
    score.add_argument("--id-field", default="id", help="field holding the article id (default: id)")
    score.add_argument("--format", choices=FORMATS, default="auto",
                       help="article format (default: extension, else sniffed)")
    score.add_argument("--workers", type=_count, default=_cpus(), help="worker processes; 0 scores in this process "
                       "(default: one per CPU)")
    score.add_argument("--resume", action="store_true", help="continue an interrupted job from its committed shards")
    score.add_argument("--all-sentences", action="store_true", help="keep every sentence, not only the flagged ones")
    score.add_argument("--model", type=Path, help="model artifact folder (default: models/current)")
    score.add_argument("--diff", type=Path, metavar="PREVIOUS_OUTPUT",
                       help="report label changes since an earlier output")
    score.add_argument("--engine", choices=("local", "dask"), default="local", help="where to score (default: local)")
    score.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                       "(default with --engine dask: a local cluster of --workers processes)")
    score.add_argument("--shard-size", type=_positive, help="rows per committed shard (default: 500)")
    score.set_defaults(handler=run_score)


def run_score(args: argparse.Namespace) -> int:
    from service.batch.diff import format_diff
    from service.batch.job import DEFAULT_SHARD_ROWS, JobSpec, check_spec, score_archive
    from service.batch.summary import format_summary
    from service.cli import load_or_train

    spec = JobSpec(tuple(args.inputs), args.output, args.text_field, args.id_field, args.format,
                   args.all_sentences, args.shard_size or DEFAULT_SHARD_ROWS, args.resume, args.diff)
    check_spec(spec)  # fail on bad usage before loading (or training) a model
    with _engine(args) as engine:  # local workers start loading the model now, alongside this process
        model = load_or_train(args.model)
        report = score_archive(spec, model, engine, show_progress=sys.stderr.isatty())
    if report.resumed_rows:
        print(f"resumed: {report.resumed_rows} rows had been scored by the interrupted run")
    print(format_summary(report.summary))
    if report.diff:
        print(format_diff(report.diff))
    print(f"output: {report.output}  summary: {report.summary_file}  errors: {report.errors_file}")
    return EXIT_ROW_ERRORS if report.has_errors else 0


def _engine(args: argparse.Namespace):
    from service.batch.errors import UsageError

    if args.scheduler and args.engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    if args.engine == "dask":
        from service.batch.engine_dask import DaskEngine

        return DaskEngine(args.scheduler, max(1, args.workers))
    from service.batch.engine_local import InProcessEngine, LocalEngine
    from service.settings import get_settings

    if args.workers == 0:
        return InProcessEngine()
    return LocalEngine(get_settings().resolved_model_dir(args.model), args.workers)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected a whole number >= 1, got 0")
    return value


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
