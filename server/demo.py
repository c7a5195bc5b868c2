"""`python -m server demo`: the whole product on this machine, for a newcomer.

Builds the add-in with the simulated Outlook host, starts the local CRM (seeded demo data, SQLite
in var/) and the pane's server, prints the URLs and the demo logins, and runs until Ctrl-C (or SIGTERM);
either stops the CRM too.
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import uvicorn

from server import build as build_module
from server.demo_offer import file_original_offer
from server.serve import configure_logging, uvicorn_config
from server.static import StaticSite

ROOT = Path(__file__).resolve().parents[1]


def start_crm(host: str, port: int, db: Path) -> subprocess.Popen[bytes]:
    db.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.crm", "serve", "--host", host, "--port", str(port), "--db", str(db)],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"demo: the local CRM exited with {proc.returncode}")
        try:
            if httpx.post(f"http://{host}:{port}/restapi/v1/vtews/mcstatus", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("demo: the local CRM did not start within 120 s")


def demo_logins(db: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "server.crm", "admin", "--db", str(db), "demo-logins"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    return proc.stdout.strip() or proc.stderr.strip()


def _run_command(args: argparse.Namespace) -> int:
    configure_logging()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the start-up polls are not news
    out = Path(args.out).resolve()
    t0 = time.monotonic()
    # The manifest in the build keeps its HTTPS sideloading URL: Office refuses plain HTTP add-ins.
    build_module.build(out, dev=True)
    print(f"demo: add-in built in {time.monotonic() - t0:.1f}s")
    db = Path(args.db).resolve()
    crm = start_crm(args.host, args.crm_port, db)
    crm_url = f"http://{args.host}:{args.crm_port}"
    try:  # thread memory's demo: the offer that "Re: Offerta 2024-117" answers, filed by Marco
        if file_original_offer(crm_url):
            print("demo: Marco filed 'Offerta 2024-117 con allegati' under the Lead Laura Bianchi")
    except (OSError, RuntimeError, httpx.HTTPError) as exc:
        print(f"demo: the demo offer could not be filed ({exc}); the rest of the demo works")
    pane = f"http://{args.host}:{args.port}"
    mini_outlook = out / "dev" / "outlook.html"
    # ?crm= pre-fills the pane's CRM address on a first visit: a newcomer types only a demo login.
    entry = f"{pane}/dev/outlook.html?crm={crm_url}" if mini_outlook.exists() else f"{pane}/index.html"
    print(
        "\n".join(
            [
                "",
                "Mail Connector demo is running (Ctrl-C stops it).",
                f"  Open in Chromium:  {entry}",
                f"  CRM URL to enter:  {crm_url}",
                f"  CRM web view:      {crm_url}/index.php",
                "  Demo logins:",
                *("    " + line for line in demo_logins(db).splitlines()),
                "",
            ]
        ),
        flush=True,
    )
    # uvicorn re-raises the signal that stopped it once it has shut down; SIGTERM's default action would end
    # this process there and then, leaving the CRM running on its port. As an exception, it unwinds.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        uvicorn.Server(uvicorn_config(StaticSite(out), args.host, args.port)).run()
    finally:
        crm.terminate()
        crm.wait(10)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="build, start the local CRM and the pane, print URLs and logins")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000, help="the pane's port")
    p.add_argument("--crm-port", type=int, default=8001)
    p.add_argument("--db", default=str(ROOT / "var" / "crm.sqlite3"))
    p.add_argument("--out", default=str(build_module.DIST))
    p.set_defaults(run=_run_command)
