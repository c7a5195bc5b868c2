"""`python -m server serve`: build the add-in, then serve the build (HTTP, or HTTPS for sideloading)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import uvicorn

from server import build as build_module
from server.manifest import DEV_BASE_URL
from server.static import StaticSite

ROOT = Path(__file__).resolve().parents[1]


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stdout)


def uvicorn_config(app: StaticSite, host: str, port: int, ssl: tuple[Path, Path] | None = None) -> uvicorn.Config:
    kwargs: dict[str, object] = {}
    if ssl is not None:
        kwargs = {"ssl_certfile": str(ssl[0]), "ssl_keyfile": str(ssl[1])}
    return uvicorn.Config(
        app, host=host, port=port, access_log=False, log_level="warning", lifespan="off", **kwargs  # type: ignore[arg-type]
    )


def _run_command(args: argparse.Namespace) -> int:
    configure_logging()
    root = Path(args.root).resolve()
    if not args.no_build:
        # Office loads add-ins only over HTTPS: over plain HTTP the manifest keeps the default HTTPS base.
        base = f"https://localhost:{args.port}/" if args.https else DEV_BASE_URL
        build_module.build(root, dev=args.dev, base_url=base)
    if not (root / "index.html").exists():
        print(f"serve: {root} has no index.html; run `python -m server build` first", file=sys.stderr)
        return 1
    ssl = None
    scheme = "http"
    if args.https:
        from server.certs import ensure_dev_certificates

        certs = ensure_dev_certificates(Path(args.cert_dir))
        ssl = (certs.cert, certs.key)
        scheme = "https"
        print(f"serve: development CA to trust: {certs.ca_cert}")
    host_for_url = "localhost" if args.https else args.host
    print(f"serve: Mail Connector pane at {scheme}://{host_for_url}:{args.port}/index.html", flush=True)
    server = uvicorn.Server(uvicorn_config(StaticSite(root, https=args.https), args.host, args.port, ssl))
    server.run()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="build and serve the add-in")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--root", default=str(build_module.DIST), help="folder to serve (default: dist/)")
    p.add_argument("--dev", action="store_true", help="build with the simulated Office host and sample mails")
    p.add_argument("--no-build", action="store_true", help="serve --root as it is")
    p.add_argument("--https", action="store_true", help="HTTPS with a generated development certificate")
    p.add_argument("--cert-dir", default=str(ROOT / "var" / "certs"))
    p.set_defaults(run=_run_command)
