"""The Office bridge under CPython, against a fake Office namespace that behaves like Outlook where
it matters: callbacks run later (never inside the call), item methods reach the mail selected when
they run, a call in flight across a switch fails with 9030, methods above the Mailbox version are
missing."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from mailconnector.core.ports import HostRefused, Remembered
from mailconnector.models import MailSnapshot
from mailconnector.office.answers import AttachmentPayload, MailBody, RequirementReport
from mailconnector.office.bridge import OfficeBridge
from mailconnector.office.errors import (
    AttachmentTypeNotSupportedError,
    AttachmentUnavailableError,
    InternalError,
    InvalidAttachmentIdError,
    ItemChangedError,
    NetworkError,
    NotSupportedError,
    OfficeError,
    RequirementNotMetError,
    SettingsError,
    office_error,
)
from mailconnector.office.roaming import RoamingPreferences


class JsNull:
    """What Pyodide may hand over for JS null."""


@dataclass
class FakeDate:
    millis: float

    def getTime(self) -> float:
        return self.millis


def result(value: Any = None, error: tuple[int, str, str] | None = None) -> SimpleNamespace:
    if error:
        code, name, message = error
        return SimpleNamespace(
            status="failed", value=None, error=SimpleNamespace(code=code, name=name, message=message)
        )
    return SimpleNamespace(status="succeeded", value=value, error=None)


@dataclass
class FakeMail:
    item_id: str
    subject: str
    html: str = "<p>hi</p>"
    text: str = "hi"
    attachments: list[dict[str, Any]] = field(default_factory=list)
    contents: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (format, content)
    failures: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    eml: bytes = b"From: a@b\r\n\r\nhi\r\n"


class FakeHost:
    def __init__(self, max_mailbox: str = "1.14") -> None:
        self.max_mailbox = max_mailbox
        self.generation = 0
        self.current: FakeMail | None = None
        self.item_object: Any = None
        self.calls: list[tuple[str, str | None]] = []  # (method, item id the call reached)
        self.handlers: dict[str, list[Callable[..., None]]] = {}
        self.saved_settings: dict[str, Any] = {}
        self.settings: dict[str, Any] = {}
        self.theme = {
            "bodyBackgroundColor": "#FFFFFF",
            "bodyForegroundColor": "#242424",
            "controlBackgroundColor": "#FFFFFF",
            "controlForegroundColor": "#242424",
        }
        self.office = self._office()

    # --- driving the fake
    def select(self, mail: FakeMail | None) -> None:
        self.current = mail
        self.generation += 1
        self.item_object = self._item(mail) if mail else None
        for handler in self.handlers.get("olkItemSelectedChanged", []):
            asyncio.get_event_loop().call_soon(handler, SimpleNamespace(type="olkItemSelectedChanged"))

    def _at_least(self, version: str) -> bool:
        return tuple(map(int, self.max_mailbox.split("."))) >= tuple(map(int, version.split(".")))

    def _later(self, callback: Callable[[Any], None], produce: Callable[[], SimpleNamespace]) -> None:
        issued = self.generation

        def run() -> None:
            if self.generation != issued:
                callback(result(error=(9030, "APICallFailedDueToItemChange", "The selected item has been changed.")))
            else:
                callback(produce())

        asyncio.get_event_loop().call_soon(run)

    # --- the Office.js surface
    def _item(self, mail: FakeMail) -> Any:
        host = self

        def get_body(coercion: str, callback: Callable[[Any], None]) -> None:
            target = host.current
            host.calls.append((f"body.getAsync:{coercion}", target.item_id if target else None))
            host._later(
                callback,
                lambda: (
                    result(target.html if coercion == "html" else target.text)
                    if target
                    else result(error=(9049, "ItemNotFound", ""))
                ),
            )

        def get_attachment(attachment_id: str, callback: Callable[[Any], None]) -> None:
            target = host.current
            host.calls.append(("getAttachmentContentAsync", target.item_id if target else None))

            def produce() -> SimpleNamespace:
                if target is None or attachment_id not in target.contents:
                    return result(error=(9003, "InvalidAttachmentId", "The attachment ID was invalid."))
                if attachment_id in target.failures:
                    return result(error=target.failures[attachment_id])
                form, content = target.contents[attachment_id]
                return result(SimpleNamespace(format=form, content=content))

            host._later(callback, produce)

        def get_file(callback: Callable[[Any], None]) -> None:
            target = host.current
            host.calls.append(("getAsFileAsync", target.item_id if target else None))
            host._later(callback, lambda: result(base64.b64encode(target.eml).decode() if target else None))

        item = SimpleNamespace(
            itemId=mail.item_id,
            itemType="message",
            subject=mail.subject,
            **{"from": SimpleNamespace(displayName="Mario Rossi", emailAddress="mario.rossi@example.it")},
            sender=SimpleNamespace(displayName="Mario Rossi", emailAddress="mario.rossi@example.it"),
            to=[SimpleNamespace(displayName="Anna Rossi", emailAddress="anna.rossi@acme-crm.example")],
            cc=[],
            dateTimeCreated=FakeDate(1731402900000.0),
            internetMessageId=f"<{mail.item_id}@example.it>",
            conversationId="conv-" + mail.item_id,
            attachments=[SimpleNamespace(**a) for a in mail.attachments],
            body=SimpleNamespace(getAsync=get_body),
        )
        if self._at_least("1.8"):
            item.getAttachmentContentAsync = get_attachment
        if self._at_least("1.14"):
            item.getAsFileAsync = get_file
        return item

    def _office(self) -> Any:
        host = self

        async def on_ready() -> Any:
            return SimpleNamespace(host="Outlook", platform="OfficeOnline")

        def add_handler(event: str, handler: Callable[..., None], callback: Callable[[Any], None]) -> None:
            host.handlers.setdefault(event, []).append(handler)
            asyncio.get_event_loop().call_soon(callback, result())

        def save_settings(callback: Callable[[Any], None]) -> None:
            host.saved_settings = dict(host.settings)
            asyncio.get_event_loop().call_soon(callback, result())

        class Mailbox:
            @property
            def item(self) -> Any:
                return host.item_object

            userProfile = SimpleNamespace(
                displayName="Anna Rossi", emailAddress="anna.rossi@acme-crm.example", timeZone="W. Europe Standard Time"
            )
            addHandlerAsync = staticmethod(add_handler)

        class Context:
            displayLanguage = "it-IT"
            mailbox = Mailbox()
            requirements = SimpleNamespace(
                isSetSupported=lambda name, version: name == "Mailbox" and host._at_least(version)
            )
            roamingSettings = SimpleNamespace(
                get=lambda name: host.settings.get(name, JsNull()),
                set=lambda name, value: host.settings.__setitem__(name, value),
                remove=lambda name: host.settings.pop(name, None),
                saveAsync=save_settings,
            )

            @property
            def officeTheme(self) -> Any:
                return SimpleNamespace(**host.theme)

        return SimpleNamespace(
            onReady=on_ready,
            context=Context(),
            EventType=SimpleNamespace(ItemChanged="olkItemSelectedChanged", OfficeThemeChanged="officeThemeChanged"),
        )


# ---------------------------------------------------------------------------------------- tests


def run(coro: Any) -> Any:
    """In a thread of its own: Playwright's sync API (browser tests in the same run) leaves the
    main thread marked as running an event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def attachment(att_id: str, name: str, kind: str = "file", size: int = 3) -> dict[str, Any]:
    return {
        "id": att_id,
        "name": name,
        "contentType": "application/pdf",
        "size": size,
        "attachmentType": kind,
        "isInline": False,
    }


def mail_a() -> FakeMail:
    return FakeMail(
        item_id="AAMk+A/1=",
        subject="Offerta",
        html="<p>A</p>",
        text="A",
        attachments=[attachment("a1", "one.pdf"), attachment("a2", "two.pdf"), attachment("a3", "link", "cloud")],
        contents={
            "a1": ("base64", base64.b64encode(b"%PDF-1").decode()),
            "a2": ("base64", base64.b64encode(b"%PDF-2").decode()),
            "a3": ("url", "https://files.example/x"),
        },
    )


def mail_b() -> FakeMail:
    return FakeMail(item_id="AAMk+B/2=", subject="Altro", html="<p>B</p>", text="B")


def bridge_on(host: FakeHost) -> OfficeBridge:
    return OfficeBridge(host.office, once=lambda f: f, keep=lambda f: f)


def test_ready_and_context() -> None:
    host = FakeHost()
    host.select(mail_a())
    bridge = bridge_on(host)
    assert run(bridge.ready()) is True
    assert bridge.display_language() == "it-IT"
    assert bridge.dark_theme() is False
    host.theme["bodyBackgroundColor"] = "#292929"
    assert bridge.dark_theme() is True


def test_snapshot_captures_the_item_and_issues_both_body_reads_before_any_await() -> None:
    host = FakeHost()
    host.select(mail_a())
    bridge = bridge_on(host)

    async def scenario() -> Any:
        pending = bridge.snapshot()
        # Nothing has been awaited yet, and both body reads already reached mail A.
        assert host.calls == [("body.getAsync:html", "AAMk+A/1="), ("body.getAsync:text", "AAMk+A/1=")]
        return await pending

    mail = run(scenario())
    assert isinstance(mail, MailSnapshot)
    assert mail.subject == "Offerta"
    assert mail.body_html == "<p>A</p>" and mail.body_text == "A"
    assert mail.from_ is not None and mail.from_.address == "mario.rossi@example.it"
    assert mail.mailbox_user is not None and mail.mailbox_user.address == "anna.rossi@acme-crm.example"
    assert mail.date_sent == datetime(2024, 11, 12, 9, 15, tzinfo=UTC)
    assert [a.kind for a in mail.attachments] == ["file", "file", "cloud"]


def test_a_switch_during_the_body_read_never_mixes_two_mails() -> None:
    host = FakeHost()
    host.select(mail_a())
    bridge = bridge_on(host)

    async def scenario() -> tuple[Any, Any]:
        handle = bridge.capture()
        assert handle is not None
        host.select(mail_b())  # the user clicks another mail while the body is in flight
        with pytest.raises(ItemChangedError):
            await bridge.read_body(handle)
        return handle.header_snapshot(), await bridge.read_mail()

    header, current = run(scenario())
    assert header.subject == "Offerta"  # the captured data is still mail A's
    assert current is not None and current.subject == "Altro" and current.body_text == "B"


def test_read_mail_gives_none_when_the_mail_changed_meanwhile_and_when_none_is_selected() -> None:
    host = FakeHost()
    bridge = bridge_on(host)
    host.select(None)
    assert run(bridge.read_mail()) is None

    host.select(mail_a())

    async def scenario() -> Any:
        pending = bridge.read_mail()
        task = asyncio.ensure_future(pending)
        await asyncio.sleep(0)
        host.select(mail_b())
        return await task

    assert run(scenario()) is None


def test_attachments_stream_one_at_a_time_and_refusals_are_named() -> None:
    host = FakeHost()
    mail = mail_a()
    mail.failures["a2"] = (9054, "AttachmentDownloadFailed", "Downloading the attachment failed.")
    host.select(mail)
    bridge = bridge_on(host)

    async def scenario() -> list[Any]:
        snapshot = await bridge.snapshot()
        assert snapshot is not None
        host.calls.clear()
        seen: list[AttachmentPayload] = []
        async for payload in bridge.attachment_contents(snapshot):
            # the next attachment is asked for only after this one was consumed
            assert len(host.calls) == len(seen) + 1
            seen.append(payload)
        return seen

    payloads = run(scenario())
    assert [p.info.name for p in payloads] == ["one.pdf", "two.pdf", "link"]
    assert payloads[0].data == b"%PDF-1" and payloads[0].format == "base64"
    assert isinstance(payloads[1].error, AttachmentUnavailableError)
    assert payloads[1].error.code == 9054 and payloads[1].error.reason == "UNAVAILABLE"
    assert payloads[2].url == "https://files.example/x" and payloads[2].data is None


def test_after_a_switch_no_call_is_made_for_the_old_mail() -> None:
    host = FakeHost()
    host.select(mail_a())
    bridge = bridge_on(host)

    async def scenario() -> None:
        snapshot = await bridge.snapshot()
        assert snapshot is not None
        host.select(mail_b())
        host.calls.clear()
        with pytest.raises(ItemChangedError) as caught:
            async for _ in bridge.attachment_contents(snapshot):
                pass
        assert caught.value.reason == "ITEM_CHANGED"
        with pytest.raises(ItemChangedError):
            await bridge.eml_file(snapshot)
        assert host.calls == []  # the host would have answered for mail B
        assert not bridge.is_current(snapshot)
        host.select(mail_a())  # selected again: calls reach it again
        assert bridge.is_current(snapshot)
        assert (await bridge.attachment(snapshot, snapshot.attachments[0])).source == b"%PDF-1"

    run(scenario())


def test_a_switch_while_an_attachment_is_in_flight_ends_the_stream() -> None:
    host = FakeHost()
    host.select(mail_a())
    bridge = bridge_on(host)

    async def scenario() -> list[str]:
        snapshot = await bridge.snapshot()
        assert snapshot is not None
        names = []
        with pytest.raises(ItemChangedError):
            async for payload in bridge.attachment_contents(snapshot):
                names.append(payload.info.name)
                host.select(mail_b())
        return names

    assert run(scenario()) == ["one.pdf"]


def test_old_hosts_report_missing_requirement_sets() -> None:
    host = FakeHost(max_mailbox="1.5")
    host.select(mail_a())
    bridge = bridge_on(host)
    assert bridge.requirements() == RequirementReport(highest_mailbox="1.5", attachment_contents=False, eml_file=False)
    assert not bridge.supports("attachments") and not bridge.supports("eml")

    async def scenario() -> None:
        snapshot = await bridge.snapshot()
        assert snapshot is not None
        with pytest.raises(RequirementNotMetError) as caught:
            await bridge.attachment(snapshot, snapshot.attachments[0])
        assert caught.value.reason == "OLD_HOST"
        with pytest.raises(RequirementNotMetError):
            await bridge.eml(snapshot)

    run(scenario())
    newer = FakeHost(max_mailbox="1.14")
    assert bridge_on(newer).requirements() == RequirementReport("1.14", True, True)


def test_eml_file_is_the_decoded_bytes() -> None:
    host = FakeHost()
    mail = mail_a()
    mail.eml = b"From: x@y\r\nSubject: \xc3\xa8\r\n\r\nbody\r\n"
    host.select(mail)
    bridge = bridge_on(host)

    async def scenario() -> bytes:
        handle = bridge.capture(read_body=False)
        assert handle is not None
        return await bridge.eml_file(handle)

    assert run(scenario()) == mail.eml


def test_item_changed_hands_over_the_new_mail_captured_at_once() -> None:
    host = FakeHost()
    host.select(mail_a())
    bridge = bridge_on(host)
    seen: list[Any] = []

    async def scenario() -> None:
        await bridge.on_item_changed(seen.append)
        await bridge.on_item_changed(seen.append)  # one JS handler, two listeners
        assert len(host.handlers["olkItemSelectedChanged"]) == 1
        host.select(mail_b())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert [h.fields["subject"] for h in seen] == ["Altro", "Altro"]
        body = await bridge.read_body(seen[0])
        assert body == MailBody(html="<p>B</p>", text="B")
        host.select(None)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert seen[-1] is None

    run(scenario())


def test_settings_are_saved_and_secrets_refused() -> None:
    host = FakeHost()
    host.select(mail_a())
    bridge = bridge_on(host)
    preferences = RoamingPreferences(bridge)
    assert preferences.load() == Remembered()

    async def scenario() -> None:
        await preferences.save(Remembered(url="https://crm.example.com", username="anna", module="Contacts"))
        await bridge.save_settings({"crmUrl": "https://crm.example.com", "gone": None})
        with pytest.raises(ValueError, match="secrets"):
            await bridge.save_settings({"sessionToken": "abc"})
        with pytest.raises(ValueError, match="secrets"):
            await bridge.save_settings({"password": "x"})

    run(scenario())
    assert preferences.load() == Remembered(url="https://crm.example.com", username="anna", module="Contacts")
    assert host.saved_settings["crmUrl"] == "https://crm.example.com"
    assert "sessionToken" not in host.settings and "password" not in host.settings
    assert bridge.setting("missing") is None  # JS null is nothing


def test_office_failures_become_typed_errors() -> None:
    cases = {
        9003: (InvalidAttachmentIdError, "UNAVAILABLE"),
        9030: (ItemChangedError, "ITEM_CHANGED"),
        9043: (AttachmentTypeNotSupportedError, "UNSUPPORTED"),
        9054: (AttachmentUnavailableError, "UNAVAILABLE"),
        9041: (NetworkError, "UNAVAILABLE"),
        5000: (NotSupportedError, "UNSUPPORTED"),
        9057: (SettingsError, "UNAVAILABLE"),
        5001: (InternalError, "UNAVAILABLE"),
        12345: (InternalError, "UNAVAILABLE"),
    }
    for code, (kind, reason) in cases.items():
        error = office_error(code, "Name", "message")
        assert type(error) is kind, code
        assert isinstance(error, OfficeError) and isinstance(error, HostRefused)
        assert (error.code, error.name, error.message, error.reason) == (code, "Name", "message", reason)
