"""The CRM's "hold" fault, which the reliability tests use instead of timers: a held call waits,
provably in flight, until the test releases it (the operation then runs), aborts it (500, nothing
runs), or clears the faults; with after_commit the operation has committed and only its answer waits.
Every hit is reported as fired, and as finished once answered."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import RunningCrm
from tests.crm.support import Session, login, mail, new_messageid
from tests.support.faults import FaultsControl


@pytest.fixture
def faults(crm: RunningCrm) -> Iterator[FaultsControl]:
    control = FaultsControl(crm.url)
    control.clear()
    yield control
    control.clear()


@pytest.fixture(scope="module")
def anna(crm: RunningCrm) -> Session:
    return login(crm, "anna")


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as executor:
        yield executor


def messages(crm: RunningCrm, messageid: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = httpx.get(f"{crm.url}/_test/messages", params={"messageid": messageid}).json()
    return rows


def link_in_background(pool: ThreadPoolExecutor, anna: Session, messageid: str) -> Future[httpx.Response]:
    return pool.submit(anna.call, "mclink", target="4x3", message=mail(messageid), attachments=[])


def test_a_held_call_runs_when_released(crm: RunningCrm, anna: Session, faults: FaultsControl,
                                         pool: ThreadPoolExecutor) -> None:
    faults.arm("mclink", "hold")
    messageid = new_messageid()
    answer = link_in_background(pool, anna, messageid)
    faults.wait_holding("mclink")
    assert not answer.done() and messages(crm, messageid) == []  # in flight, nothing run yet
    assert faults.release("mclink") == 1
    assert answer.result(60).status_code == 200
    (entry,) = faults.wait_finished("mclink", "hold")
    assert (entry["hold"], entry["finished"]) == ("released", True)
    assert len(messages(crm, messageid)) == 1


def test_an_aborted_hold_answers_500_and_runs_nothing(crm: RunningCrm, anna: Session, faults: FaultsControl,
                                                     pool: ThreadPoolExecutor) -> None:
    faults.arm("mclink", "hold")
    messageid = new_messageid()
    answer = link_in_background(pool, anna, messageid)
    faults.wait_holding("mclink")
    assert faults.release("mclink", abort=True) == 1
    response = answer.result(60)
    assert response.status_code == 500 and response.json()["code"] == "INTERNAL_ERROR"
    assert faults.wait_finished("mclink", "hold")[0]["hold"] == "aborted"
    assert messages(crm, messageid) == []


def test_a_hold_after_commit_holds_only_the_answer(crm: RunningCrm, anna: Session, faults: FaultsControl,
                                                  pool: ThreadPoolExecutor) -> None:
    faults.arm("mclink", "hold", after_commit=True)
    messageid = new_messageid()
    answer = link_in_background(pool, anna, messageid)
    faults.wait_holding("mclink")
    assert not answer.done() and len(messages(crm, messageid)) == 1  # stored, the answer not sent yet
    faults.release("mclink")
    assert answer.result(60).json()["data"]["created"] is True


def test_clearing_the_faults_aborts_what_is_held(crm: RunningCrm, anna: Session, faults: FaultsControl,
                                                pool: ThreadPoolExecutor) -> None:
    faults.arm("mclink", "hold")
    answer = link_in_background(pool, anna, new_messageid())
    faults.wait_holding("mclink")
    faults.clear()
    assert answer.result(60).status_code == 500
    assert faults.report() == {"faults": [], "fired": [], "holding": []}


def test_arming_is_checked_and_a_bad_fault_is_refused(crm: RunningCrm, faults: FaultsControl) -> None:
    report = faults.arm("mcstatus", "hold", seconds=5, times=2)
    assert [(f["operation"], f["fault"], f["times"]) for f in report["faults"]] == [("mcstatus", "hold", 2)]
    refused = httpx.post(f"{crm.url}/_test/faults", json={"operation": "mcstatus", "fault": "hang"})
    assert refused.status_code == 400
    assert httpx.post(f"{crm.url}/_test/faults/release", json={}).status_code == 400
