"""Helpers for the client's tests against the running local CRM (fixture `crm`)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator
from typing import Any, ClassVar, Protocol, TypeVar

import httpx
import pyotp
import pytest

from mailconnector.crm import CrmClient, RetryPolicy
from tests.conftest import RunningCrm

T = TypeVar("T")
PASSWORDS = {name: f"{name}123" for name in ("admin", "anna", "marco", "sara", "luca", "giulia")}
GIULIA_SECRET = "JBSWY3DPEHPK3PXP"


class _DemoTotp(pyotp.TOTP):
    # The demo secret is the classic 80-bit example; pyotp 2.12 wants 112 bits unless told otherwise.
    min_secret_length_bits: ClassVar[int] = 80


def giulia_code() -> str:
    return _DemoTotp(GIULIA_SECRET).now()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def unique_message_id(tag: str = "client") -> str:
    return f"<{tag}-{uuid.uuid4().hex}@client-tests.invalid>"


def device_name() -> str:
    return f"client-test-{uuid.uuid4().hex[:12]}"


async def signed_in(crm: RunningCrm, username: str, *, device: str | None = None, **kwargs: Any) -> CrmClient:
    """A client signed in as a demo user (giulia gets her current one-time code)."""
    kwargs.setdefault("retry", RetryPolicy(attempts=3, first_delay=0.05))
    client = CrmClient(crm.url, **kwargs)
    otp = giulia_code() if username == "giulia" else None
    await client.login(username, PASSWORDS[username], otp=otp, device=device or device_name())
    return client


def inspect(crm: RunningCrm, what: str, **query: str) -> Any:
    """The CRM's test-mode inspection view (/_test/messages, links, documents, uploads)."""
    response = httpx.get(f"{crm.url}/_test/{what}", params=query, timeout=10)
    response.raise_for_status()
    return response.json()


def armed_faults(crm: RunningCrm) -> list[dict[str, Any]]:
    """Faults still waiting to hit (a fault that hit its `times` is gone)."""
    response = httpx.get(f"{crm.url}/_test/faults", timeout=10)
    response.raise_for_status()
    faults: list[dict[str, Any]] = response.json()["faults"]
    return faults


class ArmFault(Protocol):
    def __call__(self, operation: str, fault: str, **options: Any) -> None: ...


@pytest.fixture
def arm_fault(crm: RunningCrm) -> Iterator[ArmFault]:
    """Arm a fault of the CRM's test mode (server.crm.faults); all are cleared afterwards."""

    def arm(operation: str, fault: str, **options: Any) -> None:
        response = httpx.post(f"{crm.url}/_test/faults", json={"operation": operation, "fault": fault, **options})
        response.raise_for_status()

    yield arm
    httpx.delete(f"{crm.url}/_test/faults").raise_for_status()
