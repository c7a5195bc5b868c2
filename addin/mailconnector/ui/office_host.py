"""Office.js for the pane: the mail snapshot, attachment contents, the .eml, item switches, the
display language and theme, roaming settings; and the device token in localStorage.

Interim adapter owned by the UI: it implements the core's ports (`MailHost`, `Preferences`,
`TokenStore`) directly on Office.js until `mailconnector.office.bridge` lands, and is the only UI
module that talks to Office. Everything a snapshot holds is read synchronously from the item
object (before any await), then the body is read for *that* item object.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import js  # the browser's global scope (Pyodide); imported only in the browser
from pyodide.ffi import create_once_callable, create_proxy

from mailconnector.core.ports import AttachmentContent, Capability, HostRefused, Remembered, StoredSession
from mailconnector.models import AttachmentInfo, EmailAddress, MailSnapshot

SETTINGS_KEY = "mailconnector"
TOKEN_KEY = "mailconnector.session"  # noqa: S105 - a storage key, not a secret
ITEM_CHANGED_CODE = 9030
_UNSUPPORTED_CODES = frozenset({9043, 5000})
_REQUIREMENT = {"attachments": "1.8", "eml": "1.14"}


class OfficeError(Exception):
    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(f"{name} ({code}): {message}")
        self.code = code
        self.name = name


def _py(value: Any) -> Any:
    """JS null and undefined are both "nothing" here."""
    if value is None or type(value).__name__ in ("JsNull", "JsUndefined"):
        return None
    return value


def _text(value: Any) -> str:
    value = _py(value)
    return "" if value is None else str(value)


def _attr(obj: Any, name: str) -> Any:
    try:
        return _py(getattr(obj, name))
    except AttributeError:
        return None


def office_call(owner: Any, method: str, *args: Any) -> asyncio.Future[Any]:
    """An Office `...Async(args, callback)` as an awaitable (result value, or OfficeError)."""
    future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()

    def done(result: Any) -> None:
        if future.done():
            return
        if _text(result.status) == "succeeded":
            future.set_result(_attr(result, "value"))
        else:
            error = result.error
            future.set_exception(OfficeError(int(_attr(error, "code") or 0), _text(error.name), _text(error.message)))

    getattr(owner, method)(*args, create_once_callable(done))
    return future


def _address(details: Any) -> EmailAddress | None:
    details = _py(details)
    if details is None:
        return None
    return EmailAddress(name=_text(_attr(details, "displayName")), address=_text(_attr(details, "emailAddress")))


def _addresses(items: Any) -> tuple[EmailAddress, ...]:
    items = _py(items)
    if items is None:
        return ()
    found = (_address(items[i]) for i in range(int(items.length)))
    return tuple(a for a in found if a is not None)


def _attachments(item: Any) -> tuple[AttachmentInfo, ...]:
    items = _attr(item, "attachments")
    if items is None:
        return ()
    result = []
    for i in range(int(items.length)):
        a = items[i]
        kind = _text(_attr(a, "attachmentType")) or "file"
        result.append(
            AttachmentInfo(
                id=_text(a.id),
                name=_text(a.name),
                content_type=_text(_attr(a, "contentType")) or "application/octet-stream",
                size=int(_attr(a, "size") or 0),
                is_inline=bool(_attr(a, "isInline")),
                content_id=_text(_attr(a, "contentId")) or None,
                kind=kind if kind in ("file", "item", "cloud") else "file",
            )
        )
    return tuple(result)


class OfficeHost:
    """The mail host (Outlook or the simulated one) as the core sees it."""

    def __init__(self) -> None:
        self._handlers: list[Any] = []  # JS callbacks kept alive for the life of the pane

    @property
    def office(self) -> Any:
        return _attr(js, "Office")

    @property
    def context(self) -> Any:
        office = self.office
        return _attr(office, "context") if office is not None else None

    @property
    def mailbox(self) -> Any:
        context = self.context
        return _attr(context, "mailbox") if context is not None else None

    async def ready(self) -> bool:
        """Office initialised; False outside Outlook (no mailbox)."""
        office = self.office
        if office is None:
            return False
        await office.onReady()
        return self.mailbox is not None

    # --- the mail --------------------------------------------------------------------------------------
    def selected_item(self) -> Any:
        mailbox = self.mailbox
        return _attr(mailbox, "item") if mailbox is not None else None

    def snapshot(self, item: Any) -> MailSnapshot:
        """Everything about the item but its body, read without awaiting anything."""
        mailbox = self.mailbox
        created = _attr(item, "dateTimeCreated")
        sent = datetime.fromtimestamp(float(created.getTime()) / 1000, UTC) if created else datetime.now(UTC)
        profile = _attr(mailbox, "userProfile") if mailbox is not None else None
        user = (
            EmailAddress(name=_text(_attr(profile, "displayName")), address=_text(_attr(profile, "emailAddress")))
            if profile is not None
            else None
        )
        return MailSnapshot(
            item_id=_text(_attr(item, "itemId")) or None,
            subject=_text(_attr(item, "subject")),
            sender=_address(_attr(item, "sender")),
            from_=_address(_attr(item, "from")),
            to=_addresses(_attr(item, "to")),
            cc=_addresses(_attr(item, "cc")),
            date_sent=sent,
            internet_message_id=_text(_attr(item, "internetMessageId")) or None,
            conversation_id=_text(_attr(item, "conversationId")) or None,
            attachments=_attachments(item),
            mailbox_user=user,
        )

    async def read_mail(self) -> MailSnapshot | None:
        """The snapshot, then the body of that same item object (HTML and text)."""
        item = self.selected_item()
        if item is None:
            return None
        mail = self.snapshot(item)
        body = _attr(item, "body")
        html = text = None
        if body is not None:
            try:
                html = _text(await office_call(body, "getAsync", "html"))
                text = _text(await office_call(body, "getAsync", "text"))
            except OfficeError as error:
                if error.code == ITEM_CHANGED_CODE:
                    return None  # another mail was selected meanwhile: its ItemChanged follows
        result: MailSnapshot = mail.model_copy(update={"body_html": html, "body_text": text})
        return result

    def on_item_changed(self, callback: Callable[[], None]) -> None:
        mailbox = self.mailbox
        office = self.office
        if mailbox is None or office is None:
            return
        handler = create_proxy(lambda *_: callback())
        self._handlers.append(handler)
        mailbox.addHandlerAsync(office.EventType.ItemChanged, handler)

    def _current(self, mail: MailSnapshot) -> Any:
        """The item object, if it is still the mail of the snapshot (else the host would answer for another)."""
        mailbox = self.mailbox
        item = _attr(mailbox, "item") if mailbox is not None else None
        if item is None or (mail.item_id and _text(_attr(item, "itemId")) != mail.item_id):
            raise HostRefused("another mail is selected", reason="ITEM_CHANGED")
        return item

    # --- MailHost -----------------------------------------------------------------------------------------
    def supports(self, capability: Capability) -> bool:
        context = self.context
        if context is None:
            return False
        try:
            return bool(context.requirements.isSetSupported("Mailbox", _REQUIREMENT[capability]))
        except Exception:
            return False

    async def attachment(self, mail: MailSnapshot, attachment: AttachmentInfo) -> AttachmentContent:
        item = self._current(mail)
        if _attr(item, "getAttachmentContentAsync") is None:
            raise HostRefused("Mailbox 1.8 is needed", reason="OLD_HOST")
        try:
            content = await office_call(item, "getAttachmentContentAsync", attachment.id)
        except OfficeError as error:
            raise _refusal(error) from None
        form = _text(_attr(content, "format"))
        data = _text(_attr(content, "content"))
        if form == "base64":
            return AttachmentContent(source=base64.b64decode(data))
        if form == "url":
            return AttachmentContent(url=data)
        if form in ("eml", "iCalendar"):
            return AttachmentContent(source=data.encode("utf-8"))
        raise HostRefused(f"unknown attachment format {form!r}", reason="UNSUPPORTED")

    async def eml(self, mail: MailSnapshot) -> bytes:
        item = self._current(mail)
        if _attr(item, "getAsFileAsync") is None:
            raise HostRefused("Mailbox 1.14 is needed", reason="OLD_HOST")
        try:
            data = await office_call(item, "getAsFileAsync")
        except OfficeError as error:
            raise _refusal(error) from None
        return base64.b64decode(_text(data))

    # --- language and theme ---------------------------------------------------------------------------------
    def display_language(self) -> str:
        context = self.context
        return _text(_attr(context, "displayLanguage")) if context is not None else ""

    def dark_theme(self) -> bool | None:
        """From Office's theme colours; None when the host does not say (the system setting applies)."""
        context = self.context
        theme = _attr(context, "officeTheme") if context is not None else None
        colour = _text(_attr(theme, "bodyBackgroundColor")) if theme is not None else ""
        if len(colour) != 7 or not colour.startswith("#"):
            return None
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 < 0.5

    def on_theme_changed(self, callback: Callable[[], None]) -> None:
        mailbox = self.mailbox
        office = self.office
        event = _attr(_attr(office, "EventType"), "OfficeThemeChanged") if office is not None else None
        if mailbox is None or event is None:
            return
        handler = create_proxy(lambda *_: callback())
        self._handlers.append(handler)
        # hosts without the event keep the theme they started with
        with contextlib.suppress(Exception):
            mailbox.addHandlerAsync(event, handler)


def _refusal(error: OfficeError) -> HostRefused:
    if error.code == ITEM_CHANGED_CODE:
        return HostRefused(str(error), reason="ITEM_CHANGED")
    if error.code in _UNSUPPORTED_CODES:
        return HostRefused(str(error), reason="UNSUPPORTED")
    return HostRefused(str(error), reason="UNAVAILABLE")


class RoamingPreferences:
    """CRM address, username and module in Office's roaming settings (follows the user)."""

    def __init__(self, host: OfficeHost) -> None:
        self.host = host

    def _settings(self) -> Any:
        context = self.host.context
        return _attr(context, "roamingSettings") if context is not None else None

    def load(self) -> Remembered:
        settings = self._settings()
        raw = _text(settings.get(SETTINGS_KEY)) if settings is not None else ""
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return Remembered(
            url=str(data.get("url", "")), username=str(data.get("username", "")), module=str(data.get("module", ""))
        )

    async def save(self, remembered: Remembered) -> None:
        settings = self._settings()
        if settings is None:
            return
        data = {"url": remembered.url, "username": remembered.username, "module": remembered.module}
        settings.set(SETTINGS_KEY, json.dumps(data))
        await office_call(settings, "saveAsync")


class LocalTokenStore:
    """The device token in this browser's localStorage: nowhere else (not in roaming settings)."""

    def load(self) -> StoredSession | None:
        try:
            raw = _text(js.localStorage.getItem(TOKEN_KEY))
            data = json.loads(raw) if raw else None
            if not isinstance(data, dict):
                return None
            return StoredSession(url=str(data["url"]), username=str(data["username"]), token=str(data["token"]))
        except Exception:
            return None

    def save(self, session: StoredSession) -> None:
        # storage disabled: the session lasts as long as the pane
        with contextlib.suppress(Exception):
            js.localStorage.setItem(
                TOKEN_KEY, json.dumps({"url": session.url, "username": session.username, "token": session.token})
            )

    def clear(self) -> None:
        with contextlib.suppress(Exception):
            js.localStorage.removeItem(TOKEN_KEY)
