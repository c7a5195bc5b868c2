"""Desktop details of issue #11 point 6 (CPython, fakes): openBrowserWindow where the host has it, the
requirement probe past today's Mailbox sets, roaming settings checked against the 32 KB total."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mailconnector.office.answers import RequirementReport
from mailconnector.office.bridge import OfficeBridge
from mailconnector.office.roaming import SETTINGS_LIMIT, settings_size
from tests.unit.test_office_bridge import FakeHost, bridge_on, mail_a, run


def office_with_ui(open_window: bool, supported: bool) -> tuple[Any, list[str]]:
    opened: list[str] = []
    ui = SimpleNamespace(openBrowserWindow=opened.append) if open_window else SimpleNamespace()
    requirements = SimpleNamespace(isSetSupported=lambda name, version: supported and name == "OpenBrowserWindowApi")
    office = SimpleNamespace(context=SimpleNamespace(ui=ui, requirements=requirements, mailbox=None))
    return office, opened


def test_open_record_in_the_users_browser_where_the_host_can() -> None:
    url = "https://crm.example.com/index.php?module=Contacts&action=DetailView&record=42"
    office, opened = office_with_ui(open_window=True, supported=True)
    assert OfficeBridge(office, once=lambda f: f, keep=lambda f: f).open_browser_window(url) is True
    assert opened == [url]
    # Outlook on the web (no OpenBrowserWindowApi) and hosts without the method: the link opens it itself.
    for open_window, supported in ((True, False), (False, True)):
        office, opened = office_with_ui(open_window, supported)
        assert OfficeBridge(office, once=lambda f: f, keep=lambda f: f).open_browser_window(url) is False
        assert opened == []


@pytest.mark.parametrize("highest", ["1.13", "1.15", "1.16", "1.21"])
def test_requirement_probe_reports_the_hosts_highest_mailbox_set(highest: str) -> None:
    report = bridge_on(FakeHost(max_mailbox=highest)).requirements()
    assert report == RequirementReport(highest, attachment_contents=True, eml_file=highest != "1.13")


def test_roaming_settings_are_checked_against_the_32_kb_total() -> None:
    host = FakeHost()
    host.select(mail_a())
    bridge = bridge_on(host)

    async def scenario() -> None:
        await bridge.save_settings({"mailconnector": "x" * 20_000})
        # each value alone fits, together they would not: refused before anything is sent to Outlook
        with pytest.raises(ValueError, match="32768"):
            await bridge.save_settings({"recent": "y" * 13_000})
        assert "recent" not in host.settings
        await bridge.save_settings({"recent": "y" * 12_000})

    run(scenario())
    assert settings_size({"mailconnector": "x" * 20_000, "recent": "y" * 12_000}) <= SETTINGS_LIMIT
    assert settings_size({"a": 'quote"'}) == len('{"a": "\\"quote\\\\\\"\\""}')
