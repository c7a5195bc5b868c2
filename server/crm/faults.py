"""Fault injection for reliability tests (test mode only): POST /_test/faults arms a fault.

A fault: {"operation": "mclink", "fault": "fail_midway" | "http_500" | "malformed_json" | "delay"
| "drop_response" | "hold", "seconds": 2.0, "drop_response_after_commit": true, "after_commit": false,
"times": 1}.
- fail_midway: raised inside the mclink transaction after rows were written (rollback, 500).
- http_500: answers 500 INTERNAL_ERROR; the operation does not run (unless after_commit).
- malformed_json: answers 200 with a truncated JSON body; the operation does not run (unless after_commit).
- delay: waits `seconds` before running the operation.
- drop_response_after_commit (flag, or fault "drop_response"): the operation runs and commits,
  then the connection is closed before the response is complete.
- hold: the call waits, before the operation runs (or, with after_commit, after it committed and
  before the answer goes out), until a test releases it: POST /_test/faults/release
  {"operation": "mclink", "abort": false}; `abort` answers 500 without running the operation.
  `seconds` (default 60) bounds the wait, so a test that never releases cannot hang the CRM.
`times` is how many calls the fault hits (default 1; 0 = until cleared).

GET /_test/faults answers {"faults": [armed], "fired": [each hit, in order: operation, fault, and for
a hold its "hold" state holding|released|aborted|timed_out; "finished" once the call has answered],
"holding": [calls waiting now]}: tests wait on these events instead of timers.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

FAULT_KINDS = ("fail_midway", "http_500", "malformed_json", "delay", "drop_response", "hold")
HOLD_LIMIT_SECONDS = 60.0


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
    fired: dict[str, object] = field(default_factory=dict)  # this hit's entry in Faults.fired

    def describe(self) -> dict[str, object]:
        return {"operation": self.operation, "fault": self.fault, "seconds": self.seconds,
                "drop_response_after_commit": self.drop_response_after_commit,
                "after_commit": self.after_commit, "times": self.times, "hits": self.hits}


class Faults:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._armed: list[Fault] = []
        self._fired: list[dict[str, object]] = []
        self._holds: list[tuple[dict[str, object], asyncio.Event]] = []

    def arm(self, fault: Fault) -> None:
        with self._lock:
            self._armed.append(fault)

    def clear(self) -> None:
        """Disarms everything, forgets what fired, and aborts the calls still held."""
        with self._lock:
            self._armed.clear()
            self._fired.clear()
            holds, self._holds = self._holds, []
        for entry, event in holds:
            entry["hold"] = "aborted"
            event.set()

    def list(self) -> list[dict[str, object]]:
        with self._lock:
            return [f.describe() for f in self._armed]

    def report(self) -> dict[str, object]:
        with self._lock:
            return {"faults": [f.describe() for f in self._armed], "fired": [dict(e) for e in self._fired],
                    "holding": [dict(entry) for entry, _ in self._holds]}

    async def hold(self, fault: Fault) -> bool:
        """Waits until released; True to go on, False when the test aborted the call (or it timed out)."""
        entry, event = fault.fired, asyncio.Event()
        entry["hold"] = "holding"
        with self._lock:
            self._holds.append((entry, event))
        try:
            await asyncio.wait_for(event.wait(), fault.seconds or HOLD_LIMIT_SECONDS)
        except TimeoutError:
            entry["hold"] = "timed_out"
        finally:
            with self._lock:
                self._holds = [(e, ev) for e, ev in self._holds if ev is not event]
        return entry["hold"] == "released"

    def release(self, operation: str, *, abort: bool = False) -> int:
        """Lets every held call of `operation` go on (or answer 500 with `abort`); how many."""
        with self._lock:
            chosen = [(e, ev) for e, ev in self._holds if e["operation"] == operation and not ev.is_set()]
        for entry, event in chosen:
            entry["hold"] = "aborted" if abort else "released"
            event.set()
        return len(chosen)

    @staticmethod
    def finished(fault: Fault | None) -> None:
        if fault is not None:
            fault.fired["finished"] = True

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
                    entry: dict[str, object] = {"operation": operation, "fault": fault.fault,
                                                "after_commit": fault.after_commit, "finished": False}
                    self._fired.append(entry)
                    # one Fault may hit several calls: each call gets its own copy with its own entry
                    return Fault(fault.operation, fault.fault, fault.seconds, fault.drop_response_after_commit,
                                 fault.after_commit, fault.times, fault.hits, entry)
        return None
