"""`claimrisk serve` and `claimrisk feedback export`."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path


def add_commands(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the HTTP API for CMS tools under uvicorn")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes; each loads the model once")
    serve.add_argument("--model", type=Path, help="model artifact folder (default: models/current)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(handler=run_serve)

    feedback = commands.add_parser("feedback", help="editors' corrections stored by the API")
    actions = feedback.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write stored corrections as corpus JSONL for `claimrisk train --data`")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(handler=run_feedback_export)


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

    settings = get_settings()
    model = load_or_train(args.model)  # fail here, with one clear line, rather than in every worker
    folder = settings.resolved_model_dir(args.model)
    os.environ["CLAIMRISK_MODEL_DIR"] = str(folder.resolve() if args.model else folder)
    get_settings.cache_clear()  # the app (in this process when workers == 1) must see the model chosen here
    if not settings.auth_enabled:
        where = "loopback only" if _is_loopback(args.host) else f"{args.host}, WITHOUT authentication"
        print(f"claimrisk: no API keys set (CLAIMRISK_API_KEYS); listening on {where}", file=sys.stderr)
    print(f"claimrisk: serving model {model.version} on http://{args.host}:{args.port} with {args.workers} worker(s)",
          file=sys.stderr)
    del model
    uvicorn.run("service.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, access_log=False)
    return 0


def run_feedback_export(args: argparse.Namespace) -> int:
    from service.feedback import FeedbackStore, export_feedback
    from service.settings import get_settings

    count = export_feedback(FeedbackStore(get_settings().data_dir), args.output)
    print(f"wrote {count} corrections to {args.output}")
    return 0
