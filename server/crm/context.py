"""What an operation handler receives: the process state, its connection, parameters and caller."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from server.crm.access import Access
from server.crm.catalog import Catalog
from server.crm.db import Database
from server.crm.faults import Fault, FaultInjected, Faults
from server.crm.params import Params
from server.crm.settings import Settings
from server.crm.switches import Switches


@dataclass
class AppState:
    settings: Settings
    db: Database
    catalog: Catalog
    faults: Faults = field(default_factory=lambda: Faults(enabled=False))
    switches: Switches = field(default_factory=Switches)  # changed only through /_test/mode
    # test mode only: the OPTIONS requests seen (a browser's CORS preflights among them), /_test/preflights
    preflights: list[dict[str, str | None]] = field(default_factory=list)

    # test mode only: each operation's arrival and handling time, /_test/timings (the bench's CRM-side view)
    timings: list[dict[str, str | float]] = field(default_factory=list)

    def saw_options(self, path: str, query: str, requested_method: str | None) -> None:
        if self.faults.enabled:
            self.preflights.append({"path": path, "query": query, "requested_method": requested_method})

    def handled(self, operation: str, query: str, arrived: float, started: float, ended: float) -> None:
        """`arrived`: the wall clock (ms since the epoch) when the operation's handler began, comparable
        with a browser's `performance.timeOrigin + performance.now()` on the same machine; `started` and
        `ended`: a monotonic clock (s), for the handling time."""
        if self.faults.enabled:
            ms = (ended - started) * 1000
            self.timings.append({"operation": operation, "query": query, "arrived_ms": arrived, "ms": ms})


@dataclass
class Call:
    state: AppState
    conn: sqlite3.Connection
    operation: str
    params: Params
    base_url: str  # e.g. http://127.0.0.1:8000 (no trailing slash)
    access_: Access | None = None
    token_id: int | None = None
    fault: Fault | None = None

    def fail_midway(self) -> None:
        """Called by an operation half way through its transaction; raises when a test armed it."""
        if self.fault is not None and self.fault.fault == "fail_midway":
            raise FaultInjected(f"fault injected in {self.operation}")

    @property
    def access(self) -> Access:
        if self.access_ is None:  # only prelogin operations run without a caller
            raise RuntimeError("operation needs an authenticated caller")
        return self.access_

    @property
    def settings(self) -> Settings:
        return self.state.settings
