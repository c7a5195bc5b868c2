"""Driving the CRM's fault injection (server.crm.faults, test mode) by events, never by timers: arm a
fault and check it is armed, wait until the CRM reports a call held or a fault fired and finished,
release a held call. The waits poll the CRM's own report; their deadline only turns a hang into a
failure (it is not a guess of how fast anything is)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

DEADLINE_SECONDS = 120.0
Report = dict[str, Any]


class FaultsControl:
    def __init__(self, base_url: str, client: httpx.Client | None = None) -> None:
        self.url = f"{base_url}/_test/faults"
        self.http = client or httpx.Client(timeout=30, trust_env=False)

    def report(self) -> Report:
        response = self.http.get(self.url)
        response.raise_for_status()
        report: Report = response.json()
        return report

    def arm(self, operation: str, fault: str, **options: Any) -> Report:
        """Arms a fault and checks the CRM took it (a fault that silently failed to arm proves nothing)."""
        before = sum(1 for f in self.report()["faults"] if (f["operation"], f["fault"]) == (operation, fault))
        response = self.http.post(self.url, json={"operation": operation, "fault": fault, **options})
        response.raise_for_status()
        report: Report = response.json()
        now = sum(1 for f in report["faults"] if (f["operation"], f["fault"]) == (operation, fault))
        assert now == before + 1, f"the CRM did not arm {operation}:{fault}: {report}"
        return report

    def clear(self) -> None:
        self.http.delete(self.url).raise_for_status()

    def wait(self, what: str, condition: Callable[[Report], bool]) -> Report:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            report = self.report()
            if condition(report):
                return report
            assert time.monotonic() < deadline, f"the CRM never reported {what}: {report}"
            time.sleep(0.02)

    def fired(self, operation: str, fault: str) -> list[dict[str, Any]]:
        return [e for e in self.report()["fired"] if (e["operation"], e["fault"]) == (operation, fault)]

    def wait_holding(self, operation: str) -> Report:
        """Until a call of `operation` is held by the CRM (it is in flight, the operation not run yet)."""
        return self.wait(f"{operation} held", lambda r: any(h["operation"] == operation for h in r["holding"]))

    def release(self, operation: str, *, abort: bool = False) -> int:
        response = self.http.post(f"{self.url}/release", json={"operation": operation, "abort": abort})
        response.raise_for_status()
        released: int = response.json()["released"]
        return released

    def wait_finished(self, operation: str, fault: str, count: int = 1) -> list[dict[str, Any]]:
        """Until `count` calls hit by this fault have answered (or been cut off); returns their entries."""

        def done(report: Report) -> bool:
            hits = [e for e in report["fired"] if (e["operation"], e["fault"]) == (operation, fault)]
            return len(hits) >= count and all(e["finished"] for e in hits)

        report = self.wait(f"{count} × {operation}:{fault} finished", done)
        return [e for e in report["fired"] if (e["operation"], e["fault"]) == (operation, fault)]
