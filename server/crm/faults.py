"""Fault injection for reliability tests (test mode only): POST /_test/faults arms a fault.

A fault: {"operation": "mclink", "fault": "fail_midway" | "http_500" | "malformed_json" | "delay"
| "drop_response", "seconds": 2.0, "drop_response_after_commit": true, "after_commit": false,
"times": 1}.
- fail_midway: raised inside the mclink transaction after rows were written (rollback, 500).
- http_500: answers 500 INTERNAL_ERROR; the operation does not run (unless after_commit).
- malformed_json: answers 200 with a truncated JSON body; the operation does not run (unless after_commit).
- delay: waits `seconds` before running the operation.
- drop_response_after_commit (flag, or fault "drop_response"): the operation runs and commits,
  then the connection is closed before the response is complete.
`times` is how many calls the fault hits (default 1; 0 = until cleared).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

FAULT_KINDS = ("fail_midway", "http_500", "malformed_json", "delay", "drop_response")


class FaultInjected(Exception):
    """Raised by an armed fail_midway fault."""


@dataclass
class Fault:
    operation: str
    fault: str
    seconds: float = 0.0
    drop_response_after_commit: bool = False
    after_commit: bool = False
    times: int = 1
    hits: int = 0

    def describe(self) -> dict[str, object]:
        return {"operation": self.operation, "fault": self.fault, "seconds": self.seconds,
                "drop_response_after_commit": self.drop_response_after_commit,
                "after_commit": self.after_commit, "times": self.times, "hits": self.hits}


class Faults:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._armed: list[Fault] = []

    def arm(self, fault: Fault) -> None:
        with self._lock:
            self._armed.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def list(self) -> list[dict[str, object]]:
        with self._lock:
            return [f.describe() for f in self._armed]

    def take(self, operation: str) -> Fault | None:
        """The first fault armed for this operation, counted as one hit (one call gets one fault)."""
        if not self.enabled:
            return None
        with self._lock:
            for fault in self._armed:
                if fault.operation == operation:
                    fault.hits += 1
                    if fault.times and fault.hits >= fault.times:
                        self._armed.remove(fault)
                    return fault
        return None
