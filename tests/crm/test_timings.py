"""The CRM's test-mode timings (/_test/timings): each operation it handled, with the text of a query,
when it arrived by the wall clock and how long it took. The bench compares the CRM's own time for the
pane's search with the same request replayed, and when each reached the CRM (bench/flows.py)."""

from __future__ import annotations

import time

import httpx

from tests.conftest import RunningCrm
from tests.crm.support import login


def test_each_operation_is_listed_with_its_query_its_arrival_and_its_time(crm: RunningCrm) -> None:
    anna = login(crm, "anna")
    httpx.delete(f"{crm.url}/_test/timings")
    before = time.time() * 1000
    anna.query("SELECT * FROM Contacts WHERE lastname = 'Rossi';")
    anna.data("mcstatus")
    after = time.time() * 1000
    seen = httpx.get(f"{crm.url}/_test/timings").json()
    assert [t["operation"] for t in seen] == ["query", "mcstatus"]
    assert seen[0]["query"] == "SELECT * FROM Contacts WHERE lastname = 'Rossi';" and seen[1]["query"] == ""
    assert all(before <= t["arrived_ms"] <= after and 0 < t["ms"] < after - before for t in seen)
    assert seen[0]["arrived_ms"] <= seen[1]["arrived_ms"]
    assert httpx.delete(f"{crm.url}/_test/timings").json() == []
    assert httpx.get(f"{crm.url}/_test/timings").json() == []
