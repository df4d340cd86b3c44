"""`claimrisk serve` and `claimrisk feedback export`."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.settings import Settings


def add_commands(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the HTTP API for CMS tools under uvicorn")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes; each loads the model once")
    serve.add_argument("--model", type=Path, help="model artifact folder (default: models/current)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(handler=run_serve)

    feedback = commands.add_parser("feedback", help="editors' corrections stored by the API")
    actions = feedback.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write stored corrections as corpus JSONL for `claimrisk train --data`")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(handler=run_feedback_export)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number (0-65535), got {value}")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.cli import load_or_train
    from service.settings import get_settings

    settings = get_settings()  # a bad setting stops here with one line naming it (SettingsError, exit 2)
    model = load_or_train(args.model)  # fail here, with one clear line, rather than in every worker
    folder = settings.resolved_model_dir(args.model)
    # Absolute for the workers, but not resolved: a reload must follow a `current` link to its new target.
    os.environ["CLAIMRISK_MODEL_DIR"] = str(folder.absolute())
    get_settings.cache_clear()  # the app (in this process when workers == 1) must see the model chosen here
    for line in _security_notes(settings, args.host):
        print(f"claimrisk: {line}", file=sys.stderr)
    print(f"claimrisk: serving model {model.version} on http://{args.host}:{args.port} with {args.workers} worker(s)",
          file=sys.stderr)
    del model
    uvicorn.run("service.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, access_log=False)
    return 0


def _security_notes(settings: Settings, host: str) -> list[str]:
    """What start-up says about access: who can call the API (never the keys themselves)."""
    if not settings.auth_enabled:
        where = "loopback only" if _is_loopback(host) else f"{host}, WITHOUT authentication"
        return [f"no API keys set (CLAIMRISK_API_KEYS, CLAIMRISK_API_KEYS_FILE); listening on {where}"]
    notes = [f"API keys required on /v1/ ({len(settings.all_api_keys())} configured)"]
    if not settings.admin_keys:
        notes.append("no CLAIMRISK_ADMIN_KEYS: /v1/admin/reload answers 403 to every key")
    return notes


def run_feedback_export(args: argparse.Namespace) -> int:
    from service.feedback import FeedbackStore, export_feedback
    from service.settings import get_settings

    store = FeedbackStore(get_settings().data_dir)
    count = export_feedback(store, args.output)
    print(f"wrote {count} corrections from {store.path} to {args.output}")
    return 0
