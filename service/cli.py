"""The `claimrisk` command: classify, train, evaluate (and, as they land, serve, score, feedback).

Thin by design: each command parses its arguments, calls one function and
prints the result. Core errors become one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from model.errors import ClaimRiskError
from service.settings import get_settings

EXIT_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ClaimRiskError, OSError) as exc:
        print(f"claimrisk: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("claimrisk: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claimrisk", description="Flag risky health claims in supplement marketing text."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    from service import cli_batch, cli_model, cli_service

    cli_model.add_commands(commands)
    cli_service.add_commands(commands)
    cli_batch.add_commands(commands)
    return parser


def load_or_train(model_dir: Path | None):
    """The model to use: --model, CLAIMRISK_MODEL_DIR or models/current; trains the default model when none exists."""
    from model.artifact import load_model

    settings = get_settings()
    folder = settings.resolved_model_dir(model_dir)
    if model_dir is None and settings.model_dir is None and not folder.exists():
        print(f"claimrisk: no model at {folder}; training the default model from data/ first", file=sys.stderr)
        from training.run import run_training
        from training.train import TrainConfig

        run_training(TrainConfig(), settings.models_dir, progress=_stderr_progress)
    return load_model(folder)


def _stderr_progress(step: str) -> None:
    print(f"  training: {step}", file=sys.stderr, flush=True)


def print_json(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    sys.exit(main())
