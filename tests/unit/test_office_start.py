"""Start-up against Office.onReady as index.html's office-ready.js captured it at load (CPython, fakes):
Outlook, outside Office, office.js missing, and Outlook answering only after the bounded wait."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from mailconnector.office.answers import HostStart
from mailconnector.office.bridge import OfficeBridge
from mailconnector.ui.host_screens import host_screen
from mailconnector.ui.i18n import Translator
from tests.unit.test_office_bridge import FakeHost, mail_a, run


def started(info: dict[str, Any] | None, *, late_first: bool = False) -> tuple[SimpleNamespace, asyncio.Event]:
    """{ready, late} like window.mcOffice; `ready` waits for the returned event when `late_first`."""
    gate = asyncio.Event()

    async def ready() -> SimpleNamespace:
        if late_first:
            await gate.wait()
        return SimpleNamespace(**(info or {}))

    async def late() -> str:
        if not late_first:
            await asyncio.Event().wait()  # never
        return "late"

    return SimpleNamespace(ready=ready(), late=late()), gate


def bridge_with(office: Any, info: dict[str, Any] | None, *, late_first: bool = False) -> tuple[OfficeBridge, Any]:
    promises, gate = started(info, late_first=late_first)
    return OfficeBridge(office, once=lambda f: f, keep=lambda f: f, started=promises), gate


def test_outlook_answers_in_time() -> None:
    host = FakeHost()
    host.select(mail_a())

    async def go() -> tuple[HostStart, list[str]]:
        bridge, _ = bridge_with(host.office, {"host": "Outlook", "platform": "OfficeOnline", "missing": False})
        calls: list[str] = []
        return await bridge.start(on_late=lambda: calls.append("late")), calls

    state, calls = run(go())
    assert state == HostStart("outlook", "Outlook", "OfficeOnline") and calls == []


def test_outside_office_and_missing_office_js() -> None:
    async def go(info: dict[str, Any], office: Any) -> HostStart:
        bridge, _ = bridge_with(office, info)
        return await bridge.start()

    host = FakeHost()
    assert run(go({"host": None, "platform": None, "missing": False}, SimpleNamespace(context=None))).state == "outside"
    assert run(go({"host": "Word", "platform": "PC", "missing": False}, host.office)).state == "outside"
    assert run(go({"host": None, "platform": None, "missing": True}, SimpleNamespace())).state == "missing"


def test_late_outlook_shows_the_wait_then_carries_on() -> None:
    host = FakeHost()
    host.select(mail_a())

    async def go() -> tuple[HostStart, list[str]]:
        bridge, gate = bridge_with(host.office, {"host": "Outlook", "platform": "OfficeOnline"}, late_first=True)
        calls: list[str] = []

        def on_late() -> None:
            calls.append("late")
            gate.set()  # Outlook answers after the pane said it was waiting

        return await bridge.start(on_late=on_late), calls

    state, calls = run(go())
    assert state.state == "outlook" and calls == ["late"]


def test_host_screens_in_both_languages() -> None:
    for problem in ("outside", "late", "missing"):
        for language in ("en-US", "it-IT"):
            t = Translator(language)
            section, footer = host_screen(problem, t, "1.2.3")  # type: ignore[arg-type]
            assert section.find("h1").text() == t.t(f"app.host.{problem}.title")
            assert t.t(f"app.host.{problem}.body") in section.text()
            assert "1.2.3" in footer.text()
    assert host_screen("missing", Translator("en"), "1")[0].find_all(role="alert")
    assert host_screen("late", Translator("en"), "1")[0].find_all(role="status")
