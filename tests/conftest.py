"""Fixtures shared by every test folder: the real local CRM process, started once per run."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.processes import ROOT, ServerProcess, free_port, python_module

pytest_plugins = ["tests.support.browser"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last. Playwright's sync API keeps an asyncio loop running in the main
    thread once the browser starts, after which `asyncio.run` in CPython tests would fail."""
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ())
               or item.get_closest_marker("browser") is not None)


@dataclass
class RunningCrm:
    """The local vtenext CRM, started as `python -m server.crm serve --test-mode` on a free port."""

    url: str  # base URL, e.g. http://127.0.0.1:PORT (endpoint: <url>/restapi/v1/vtews/<op>)
    db_path: Path
    process: ServerProcess

    def endpoint(self, operation: str) -> str:
        return f"{self.url}/restapi/v1/vtews/{operation}"

    def admin(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the admin CLI against the same database the running CRM uses."""
        return subprocess.run(
            python_module("server.crm", "admin", "--db", str(self.db_path), *args),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=check,
            timeout=60,
        )


def start_crm(tmp: Path, *extra: str) -> RunningCrm:
    port = free_port()
    db = tmp / "crm.sqlite3"
    proc = ServerProcess(
        python_module(
            "server.crm", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db),
            "--test-mode", *extra,
        ),
        tmp / "crm.log",
    )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        return httpx.post(f"{url}/restapi/v1/vtews/mcstatus", timeout=2).status_code == 200

    try:
        proc.wait_ready(ready, timeout=120)
    except Exception:
        proc.stop()
        raise
    return RunningCrm(url=url, db_path=db, process=proc)


@pytest.fixture(scope="session")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCrm]:
    """One seeded CRM for the whole run. Tests that change state use their own Message-IDs/records."""
    running = start_crm(tmp_path_factory.mktemp("crm"))
    yield running
    running.process.stop()


# --- the add-in's static site and the browser -------------------------------------------------



@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    """pytest-playwright launches Debian's Chromium (Playwright's own download does not work here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def build_site(out: Path, *, dev: bool = True, base_url: str | None = None) -> None:
    """`python -m server build` in its own process, as a user runs it (the build drives a headless
    Chromium for the boot snapshot, which cannot share this process with Playwright's sync API)."""
    args = ["build", "--out", str(out)] + (["--dev"] if dev else []) + (["--base-url", base_url] if base_url else [])
    subprocess.run(python_module("server", *args), cwd=ROOT, check=True, timeout=600)


@dataclass
class RunningSite:
    """The built add-in (dev build: simulated Office host, sample mails) served by `python -m server serve`."""

    url: str  # e.g. http://127.0.0.1:PORT
    root: Path
    process: ServerProcess


def start_site(tmp: Path, *, dev: bool = True) -> RunningSite:
    out = tmp / "dist"
    build_site(out, dev=dev)
    port = free_port()
    proc = ServerProcess(
        python_module("server", "serve", "--no-build", "--root", str(out), "--port", str(port)),
        tmp / "site.log",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_ready(lambda: httpx.get(f"{url}/index.html", timeout=2).status_code == 200, timeout=60)
    except Exception:
        proc.stop()
        raise
    return RunningSite(url=url, root=out, process=proc)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSite]:
    running = start_site(tmp_path_factory.mktemp("site"))
    yield running
    running.process.stop()
