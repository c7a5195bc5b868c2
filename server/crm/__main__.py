"""`python -m server.crm serve ...` runs the local CRM; `python -m server.crm admin ...` manages it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server.crm import admin
from server.crm.settings import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_TOKEN_TTL_SECONDS,
    Settings,
)

DEFAULT_DB = Path("var/crm.sqlite3")


def positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.crm.app import build_app

    if args.db is None and args.test_mode:
        print("--test-mode needs an explicit --db", file=sys.stderr)
        return 2
    settings = Settings(
        db_path=Path(args.db or DEFAULT_DB).resolve(), test_mode=args.test_mode,
        max_file_bytes=args.max_file_bytes, max_message_bytes=args.max_message_bytes,
        chunk_bytes=args.chunk_bytes, token_ttl_seconds=args.token_ttl_seconds,
    )
    app = build_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info" if args.verbose else "warning",
                proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips,
                date_header=False)  # the app sets Date itself (test mode can skew it)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.crm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the CRM (creates and seeds the database on first start)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8090)
    s.add_argument("--db", help=f"SQLite file (default {DEFAULT_DB})")
    s.add_argument("--test-mode", action="store_true", help="enable /_test/* inspection and fault injection")
    s.add_argument("--max-file-bytes", type=positive, default=DEFAULT_MAX_FILE_BYTES)
    s.add_argument("--max-message-bytes", type=positive, default=DEFAULT_MAX_MESSAGE_BYTES)
    s.add_argument("--chunk-bytes", type=positive, default=DEFAULT_CHUNK_BYTES)
    s.add_argument("--token-ttl-seconds", type=int, default=DEFAULT_TOKEN_TTL_SECONDS,
                   help="lifetime of device tokens; 0 = until revoked")
    s.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                   help="proxies trusted for X-Forwarded-Proto/For (the URLs mclink returns)")
    s.add_argument("--verbose", action="store_true", help="log every request")
    s.set_defaults(run=serve)
    admin.register(sub)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
