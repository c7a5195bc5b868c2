"""The Office bridge in the pane's real runtime (Pyodide, dev build's /test-harness.html) against the
simulated host: real JS proxies, JS null/undefined, Date objects and once-callables."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.sim.conftest import EML_DIR
from tests.sim.expected import ExpectedAttachment, expected_mail
from tests.support.browser import PyodideHarness

pytestmark = pytest.mark.browser


@pytest.fixture
def harness(harness: PyodideHarness) -> PyodideHarness:
    """The run's Pyodide harness (tests/support/browser.py), with the simulated host set back to defaults."""
    harness.page.evaluate(
        "() => OfficeSim.configure({maxMailbox: '1.14', staleItemCalls: 'host', failures: {}, delays: {}})"
    )
    return harness


FIXTURES = sorted(p.name for p in EML_DIR.glob("*.eml"))


@pytest.mark.parametrize("fixture", FIXTURES)
def test_snapshot_and_attachments_of_every_fixture(harness: PyodideHarness, fixture: str) -> None:
    """What the bridge reads in Pyodide is what Python's email package reads from the same file."""
    harness.page.evaluate("name => OfficeSim.loadEmlUrl('/dev/fixtures/' + name)", fixture)
    result = harness.run(
        """
        import hashlib
        from email import message_from_bytes, policy
        from mailconnector.office.bridge import OfficeBridge

        async def main():
            bridge = OfficeBridge()
            assert await bridge.ready()
            mail = await bridge.snapshot()
            files = []
            async for payload in bridge.attachment_contents(mail):
                if payload.format == "eml":
                    inner = message_from_bytes(payload.data, policy=policy.default)
                    files.append([payload.info.name, payload.info.kind, "subject:" + str(inner["subject"])])
                else:
                    files.append([payload.info.name, payload.info.kind, hashlib.sha256(payload.data).hexdigest()])
            eml = await bridge.eml_file(mail)
            return {
                "mail": mail.model_dump(mode="json", by_alias=True),
                "date_ms": int(mail.date_sent.timestamp() * 1000),
                "files": files,
                "eml": hashlib.sha256(eml).hexdigest(),
                "report": [bridge.requirements().highest_mailbox, bridge.display_language(), bridge.dark_theme()],
            }
        """
    )
    expected = expected_mail(EML_DIR / fixture)
    mail = result["mail"]

    def pairs(addresses: list[dict[str, str]]) -> list[tuple[str, str]]:
        return [(a["name"], a["address"]) for a in addresses]

    def named(addresses: list[tuple[str, str]]) -> list[tuple[str, str]]:
        # Outlook shows a bare address as its own display name; the bridge gives such names back empty.
        return [("" if name == address else name, address) for name, address in addresses]

    assert mail["subject"] == expected.subject
    assert expected.from_ is not None
    assert [(mail["from"]["name"], mail["from"]["address"])] == named([expected.from_])
    assert pairs(mail["to"]) == named(expected.to)
    assert pairs(mail["cc"]) == named(expected.cc)
    assert result["date_ms"] == expected.date_ms
    assert mail["internet_message_id"] == expected.message_id
    assert mail["body_text"] == expected.text
    if expected.html is not None:
        assert mail["body_html"] == expected.html
    else:  # a text-only mail: Outlook hands over an HTML rendering of the text, as the real host does
        assert expected.text is not None and mail["body_html"].startswith("<html>")
        assert expected.text.splitlines()[0].replace("'", "&#39;") in mail["body_html"]
    def content(a: ExpectedAttachment) -> str:
        if a.text is not None:  # an attached calendar item: its iCalendar text, as UTF-8 bytes
            return hashlib.sha256(a.text.encode("utf-8")).hexdigest()
        return f"subject:{a.message['subject']}" if a.message is not None else hashlib.sha256(a.data).hexdigest()

    assert result["files"] == [[a.name, a.kind, content(a)] for a in expected.attachments]
    assert result["eml"] == hashlib.sha256((EML_DIR / fixture).read_bytes()).hexdigest()
    assert result["report"] == ["1.14", "en-US", False]


def test_missing_message_id_and_item_attachments(harness: PyodideHarness) -> None:
    harness.page.evaluate("() => OfficeSim.loadEmlUrl('/dev/fixtures/missing-message-id.eml')")
    first = harness.run(
        """
        from mailconnector.office.bridge import OfficeBridge

        async def main():
            mail = await OfficeBridge().snapshot()
            return [mail.internet_message_id, mail.effective_message_id().endswith("@mailconnector.invalid>")]
        """
    )
    assert first == [None, True]
    harness.page.evaluate("() => OfficeSim.loadEmlUrl('/dev/fixtures/attached-message.eml')")
    second = harness.run(
        """
        from email import message_from_bytes, policy
        from mailconnector.office.bridge import OfficeBridge

        async def main():
            bridge = OfficeBridge()
            mail = await bridge.snapshot()
            out = []
            async for payload in bridge.attachment_contents(mail):
                inner = message_from_bytes(payload.data, policy=policy.default)
                out.append([payload.info.kind, payload.format, str(inner["subject"])])
            return out
        """
    )
    assert second == [["item", "eml", "Ordine 5521 confermato"]]


def test_a_switch_mid_read_keeps_the_old_snapshot_and_refuses_old_calls(harness: PyodideHarness) -> None:
    harness.page.evaluate("() => OfficeSim.loadEmlUrl('/dev/fixtures/several-attachments.eml')")
    result = harness.run(
        """
        import js
        from mailconnector.office.bridge import OfficeBridge
        from mailconnector.office.errors import ItemChangedError

        async def main():
            bridge = OfficeBridge()
            seen = []
            await bridge.on_item_changed(lambda handle: seen.append(handle.fields["subject"] if handle else None))
            other = await (await js.fetch("/dev/fixtures/plain-text.eml")).arrayBuffer()
            js.OfficeSim.configure(js.JSON.parse('{"delays": {"default": 30}}'))
            handle = bridge.capture()
            js.OfficeSim.loadEml(other)  # the user selects another mail while the body is in flight
            try:
                await bridge.read_body(handle)
                body = "read"
            except ItemChangedError as error:
                body = error.code
            try:
                async for _ in bridge.attachment_contents(handle):
                    pass
                stream = "read"
            except ItemChangedError as error:
                stream = error.name
            calls = [c.method for c in js.OfficeSim.calls if c.itemId == handle.item_id and c.stale]
            current = await bridge.snapshot()
            return {"subject": handle.header_snapshot().subject, "body": body, "stream": stream,
                    "stale_calls": list(calls), "current": current.subject, "seen": seen}
        """
    )
    assert result == {
        "subject": "Offerta 2024-117 con allegati",
        "body": 9030,
        "stream": "ItemChanged",
        "stale_calls": [],
        "current": "Riepilogo telefonata",
        "seen": ["Riepilogo telefonata"],
    }


def test_old_host_and_refused_attachment(harness: PyodideHarness) -> None:
    harness.page.evaluate(
        """async () => { await OfficeSim.loadEmlUrl('/dev/fixtures/several-attachments.eml');
                         OfficeSim.configure({failures: {'campione.png': 9054}}); }"""
    )
    refused = harness.run(
        """
        from mailconnector.office.bridge import OfficeBridge

        async def main():
            bridge = OfficeBridge()
            mail = await bridge.snapshot()
            out = []
            async for payload in bridge.attachment_contents(mail):
                out.append([payload.info.name, type(payload.error).__name__ if payload.error else None])
            return out
        """
    )
    assert refused == [
        ["Offerta-2024-117.pdf", None],
        ["Listino prezzi.xlsx", None],
        ["campione.png", "AttachmentUnavailableError"],
        ["invito.ics", None],
    ]
    harness.page.evaluate("() => OfficeSim.configure({maxMailbox: '1.5'})")
    old = harness.run(
        """
        from mailconnector.office.bridge import OfficeBridge
        from mailconnector.office.errors import RequirementNotMetError

        async def main():
            bridge = OfficeBridge()
            mail = await bridge.snapshot()
            try:
                await bridge.attachment(mail, mail.attachments[0])
            except RequirementNotMetError as error:
                return [bridge.requirements().highest_mailbox, error.reason, bridge.supports("eml")]
        """
    )
    assert old == ["1.5", "OLD_HOST", False]


def test_roaming_settings_round_trip(harness: PyodideHarness) -> None:
    result = harness.run(
        """
        from mailconnector.core.ports import Remembered
        from mailconnector.office.bridge import OfficeBridge
        from mailconnector.office.roaming import RoamingPreferences

        async def main():
            preferences = RoamingPreferences(OfficeBridge())
            await preferences.save(Remembered(url="https://crm.example.com", username="anna", module="Contacts"))
            loaded = preferences.load()
            return [loaded.url, loaded.username, loaded.module, OfficeBridge().setting("nothing-here")]
        """
    )
    assert result == ["https://crm.example.com", "anna", "Contacts", None]
    saved = harness.page.evaluate("() => OfficeSim.savedRoamingSettings()")
    assert json.loads(saved["mailconnector"]) == {
        "url": "https://crm.example.com",
        "username": "anna",
        "module": "Contacts",
    }
