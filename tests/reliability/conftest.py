"""Fixtures of the reliability suite: a CRM of its own that tests may kill, restart and arm with faults
(the shared `crm` stays untouched by faults)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from tests.reliability import support
from tests.reliability.support import CHUNK_BYTES, RestartableCrm, clear_faults


@pytest.fixture(scope="session")
def restartable_crm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableCrm]:
    crm = RestartableCrm(tmp_path_factory.mktemp("reliability-crm"), extra=("--chunk-bytes", str(CHUNK_BYTES)))
    crm.start()
    yield crm
    crm.stop()


@pytest.fixture
def own_crm(restartable_crm: RestartableCrm) -> Iterator[RestartableCrm]:
    """This suite's CRM, running (restarted if an earlier test left it killed), faults cleared after."""
    restartable_crm.ensure_running()
    yield restartable_crm
    restartable_crm.ensure_running()
    clear_faults(restartable_crm)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The figures issue #7 asks for, whenever this folder ran: test-artifacts/reliability/figures.json."""
    if not support.FAULTS_INJECTED and not support.FIGURES:
        return
    kinds = Counter(support.FAULTS_INJECTED)
    support.write_artifact("figures.json", {
        "faults_injected": len(support.FAULTS_INJECTED) + support.FIGURES["crm_kills"],
        "faults_by_operation_and_kind": dict(sorted(kinds.items())),
        **dict(sorted(support.FIGURES.items())),
    })
