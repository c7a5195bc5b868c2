"""`python -m server demo` as a user runs it (`make demo`): it prints where to go, serves the pane, and when
stopped, by Ctrl-C or by SIGTERM (`kill`, a service manager), stops the CRM it started too, so that the
next start finds its ports free."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.processes import ServerProcess, free_port

START_S = 240.0  # a first build takes the snapshot (~30 s here); later ones reuse it


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(condition: Callable[[], bool], what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.1)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_demo_serves_the_pane_and_stopping_it_stops_its_crm(tmp_path: Path, stop: signal.Signals) -> None:
    pane_port, crm_port = free_port(), free_port()
    demo = ServerProcess(
        [sys.executable, "-m", "server", "demo", "--port", str(pane_port), "--crm-port", str(crm_port),
         "--db", str(tmp_path / "crm.sqlite3"), "--out", str(tmp_path / "dist")],
        tmp_path / "demo.log",
    )
    started: list[int] = []
    try:
        demo.wait_ready(lambda: "Demo logins" in demo.log_tail(), timeout=START_S)
        started += children(demo.proc.pid)  # the CRM
        entry = f"http://127.0.0.1:{pane_port}/dev/outlook.html?crm=http://127.0.0.1:{crm_port}"
        assert f"Open in Chromium:  {entry}" in demo.log_tail()
        assert httpx.get(entry).status_code == 200
        assert httpx.post(f"http://127.0.0.1:{crm_port}/restapi/v1/vtews/mcstatus").status_code == 200

        demo.proc.send_signal(stop)
        demo.proc.wait(30)
        wait_for(lambda: not listening(crm_port), "the CRM stopping with the demo", 30)
        assert not listening(pane_port)
    finally:
        demo.stop()
        for pid in started:  # a CRM the demo failed to stop must not outlive the test
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
