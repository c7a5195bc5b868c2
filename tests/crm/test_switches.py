"""Test-mode switches of the local CRM (/_test/mode), used to show the connection check's diagnoses
for real: no CORS headers, a skewed clock, no component, an older component. Plus the Date header
every answer carries once, exposed to scripts on component answers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import httpx
import pytest

from tests.conftest import RunningCrm
from tests.crm.support import post


@pytest.fixture
def switches(crm: RunningCrm) -> Iterator[RunningCrm]:
    yield crm
    httpx.delete(f"{crm.url}/_test/mode")


def test_date_is_sent_once_and_exposed_on_component_answers(crm: RunningCrm) -> None:
    r = post(crm, "mcstatus")
    assert len(r.headers.get_list("date")) == 1
    assert r.headers["access-control-expose-headers"] == "Date"
    stock = post(crm, "loginpwd", username="x", password="y")
    assert len(stock.headers.get_list("date")) == 1 and "access-control-expose-headers" not in stock.headers


def test_switches_change_the_answers_and_reset(switches: RunningCrm) -> None:
    crm = switches
    mode = httpx.post(f"{crm.url}/_test/mode", json={"cors": False, "clock_skew_seconds": -7200,
                                                      "component_version": "0.9.0"}).json()
    assert mode == {"cors": False, "clock_skew_seconds": -7200.0, "component": True, "component_version": "0.9.0",
                    "latency_ms": 0.0}
    r = post(crm, "mcstatus")
    assert "access-control-allow-origin" not in r.headers
    assert r.json()["data"]["version"] == "0.9.0"
    # two hours behind this machine's clock (a minute of slack for a slow machine)
    assert abs(parsedate_to_datetime(r.headers["date"]).timestamp() - (time.time() - 7200)) < 60

    httpx.post(f"{crm.url}/_test/mode", json={"component": False})
    missing = post(crm, "mcstatus")
    assert missing.status_code == 400 and missing.json()["error"] == "RouteNotFoundException"
    assert post(crm, "loginpwd", username="x", password="y").json()["error"] == "WebServiceException"

    assert httpx.post(f"{crm.url}/_test/mode", json={"colour": "red"}).status_code == 400
    httpx.delete(f"{crm.url}/_test/mode")
    r = post(crm, "mcstatus")
    assert r.headers["access-control-allow-origin"] == "*" and r.json()["data"]["version"] == "1.0.0"


def test_the_latency_switch_answers_every_call_later_as_over_a_network(switches: RunningCrm) -> None:
    """The bench's --crm-latency-ms: a lower bound only (a slow machine can only add to it)."""
    crm = switches
    assert httpx.post(f"{crm.url}/_test/mode", json={"latency_ms": 20_000}).status_code == 400
    assert httpx.post(f"{crm.url}/_test/mode", json={"latency_ms": 300}).json()["latency_ms"] == 300.0
    for call in (lambda: post(crm, "mcstatus"), lambda: httpx.options(f"{crm.url}/restapi/v1/vtews/query")):
        started = time.monotonic()
        assert call().status_code == 200
        assert time.monotonic() - started >= 0.3
