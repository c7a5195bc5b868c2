"""The only module that talks to Office.js (Outlook, or the simulated host in the demo and tests).

Why it is shaped this way:
- In a pinned pane Outlook swaps `Office.context.mailbox.item` when the user selects another
  mail, and the item's methods are not bound to the item object: a call made after the switch
  runs against the mail selected *now* (an old attachment id is invalid there; `body.getAsync`
  would return the new mail's body). A call in flight during the switch fails with 9030.
  So `capture()` reads every property synchronously AND issues both body reads before returning;
  later calls for a snapshot first check that its mail is still the selected one and otherwise
  raise `ItemChangedError` instead of asking the host (which would answer for another mail).
- Callback APIs become awaitables through an asyncio Future and a once-callable JS function.
- Attachments are fetched one at a time (`attachment_contents`), so only one is in memory.
- For uploads (`attachment`, `eml`: the core's MailHost port) the pane passes a `ContentHolder`
  (`mailconnector.crm.held`): Office's base64 text then stays in JavaScript and is decoded into
  the browser's own buffers; Python never holds the bytes of a mail (issue #13).

`OfficeBridge(office=..., once=..., keep=...)` takes the Office namespace and the two callback
helpers as arguments so that CPython tests can drive it with fake objects; in the browser the
defaults come from mailconnector.browser: PyScript's `window.Office`, Pyodide's
`create_once_callable` (PyScript has none) and `pyscript.ffi.create_proxy`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any

from mailconnector.core.ports import AttachmentContent, Capability
from mailconnector.crm.uploads import UploadSource
from mailconnector.models import AttachmentInfo, MailSnapshot
from mailconnector.office.answers import (
    AttachmentPayload,
    ContentHolder,
    HostStart,
    ItemHandle,
    MailBody,
    RequirementReport,
)
from mailconnector.office.errors import (
    InternalError,
    OfficeError,
    SettingsError,
    item_changed,
    no_item,
    office_error,
    requirement_not_met,
)
from mailconnector.office.item_data import (
    DecodedContent,
    Theme,
    attr,
    build_snapshot,
    decode_content,
    item_to_dict,
    text,
    theme_from,
    user_dict,
)
from mailconnector.office.roaming import SETTINGS_KEY, SETTINGS_LIMIT, refuse_secrets, settings_size

ATTACHMENT_CONTENT_SET = "1.8"
EML_FILE_SET = "1.14"
# Mailbox 1.1 up to 1.15 are published today (learn.microsoft.com "Outlook JavaScript API requirement sets"); the
# probe climbs past them until the host says no (sets are cumulative), so a newer Outlook is reported as it is.
KNOWN_MAILBOX_SETS = tuple(f"1.{minor}" for minor in range(1, 16))
PROBE_LIMIT = 99
_CAPABILITY_SET: dict[Capability, str] = {"attachments": ATTACHMENT_CONTENT_SET, "eml": EML_FILE_SET}

Wrap = Callable[[Callable[..., None]], Any]


class OfficeBridge:
    def __init__(
        self,
        office: Any = None,
        *,
        once: Wrap | None = None,
        keep: Wrap | None = None,
        hold: ContentHolder | None = None,
        started: Any = None,
    ) -> None:
        if office is None or once is None or keep is None:
            from mailconnector.browser import create_once_callable, create_proxy, window

            office = getattr(window, "Office", None) if office is None else office
            started = getattr(window, "mcOffice", None) if started is None else started
            once = create_once_callable if once is None else once
            keep = create_proxy if keep is None else keep
        self._office = office
        # index.html's office-ready.js: {ready, late} promises of the onReady call made at load (None in tests
        # that drive a fake Office directly: then onReady is called here).
        self._started = started
        self._once: Wrap = once
        self._keep: Wrap = keep
        self._hold = hold
        self._listeners: list[Callable[[ItemHandle | None], None]] = []
        self._theme_listeners: list[Callable[[Theme | None], None]] = []
        self._proxies: list[Any] = []  # JS handlers kept alive for the pane's lifetime
        self._registered: set[str] = set()
        self._setting_names: set[str] = {SETTINGS_KEY}  # every roaming setting the pane writes

    # ------------------------------------------------------------------ start-up and context

    async def start(self, on_late: Callable[[], None] | None = None) -> HostStart:
        """Waits for Office.onReady (captured at load). `on_late` runs once if Office has not answered within
        office-ready.js's bound; the wait goes on, so a slow Outlook still gets a working pane."""
        if self._started is None:
            if self._office is None:
                return HostStart("missing")
            info = await self._office.onReady()
        else:
            ready = asyncio.ensure_future(_awaited(attr(self._started, "ready")))
            late = asyncio.ensure_future(_awaited(attr(self._started, "late")))
            done, _ = await asyncio.wait({ready, late}, return_when=asyncio.FIRST_COMPLETED)
            if ready not in done and on_late is not None:
                on_late()
            info = await ready
            late.cancel()
            if attr(info, "missing"):
                return HostStart("missing")
        host = text(attr(info, "host")) or None
        platform = text(attr(info, "platform")) or None
        if host in ("Outlook", None) and self._office is not None and self._mailbox() is not None:
            return HostStart("outlook", host or "Outlook", platform)
        return HostStart("outside", host, platform)

    async def ready(self) -> bool:
        """Waits for Office.onReady; False when not running inside Outlook (no mailbox)."""
        return (await self.start()).state == "outlook"

    def _context(self) -> Any:
        return attr(self._office, "context")

    def _mailbox(self) -> Any:
        return attr(self._context(), "mailbox")

    def _current_item(self) -> Any:
        return attr(self._mailbox(), "item")

    def open_browser_window(self, url: str) -> bool:
        """Opens `url` in the user's default browser through `Office.context.ui.openBrowserWindow` where the host
        has it (requirement set OpenBrowserWindowApi 1.1: desktop Outlook; learn.microsoft.com "Open browser
        window API requirement sets"). In new Outlook a target=_blank link opens an Outlook pop-up without the
        CRM's session (OfficeDev/office-js issue 3602). False where it is missing: the link opens it then."""
        requirements = attr(self._context(), "requirements")
        ui = attr(self._context(), "ui")
        if ui is None or attr(ui, "openBrowserWindow") is None or requirements is None:
            return False
        try:
            if not requirements.isSetSupported("OpenBrowserWindowApi", "1.1"):
                return False
            ui.openBrowserWindow(url)
        except Exception:
            return False
        return True

    def partition_key(self) -> str:
        """`Office.context.partitionKey`: the documented prefix of localStorage keys where the host partitions
        storage (learn.microsoft.com "Persist add-in state and settings"); empty where it is undefined."""
        return text(attr(self._context(), "partitionKey"))

    def mailbox_address(self) -> str:
        return text(attr(attr(self._mailbox(), "userProfile"), "emailAddress"))

    def display_language(self) -> str:
        return text(attr(self._context(), "displayLanguage"))

    def theme(self) -> Theme | None:
        return theme_from(attr(self._context(), "officeTheme"))

    def dark_theme(self) -> bool | None:
        theme = self.theme()
        return theme.is_dark if theme else None

    def requirements(self) -> RequirementReport:
        highest = None
        for minor in range(1, PROBE_LIMIT + 1):
            if not self._supports_set(f"1.{minor}"):
                break
            highest = f"1.{minor}"
        return RequirementReport(
            highest_mailbox=highest,
            attachment_contents=self._supports_set(ATTACHMENT_CONTENT_SET),
            eml_file=self._supports_set(EML_FILE_SET),
        )

    def _supports_set(self, version: str) -> bool:
        requirements = attr(self._context(), "requirements")
        if requirements is None:
            return False
        try:
            return bool(requirements.isSetSupported("Mailbox", version))
        except Exception:
            return False

    def supports(self, capability: Capability) -> bool:
        return self._supports_set(_CAPABILITY_SET[capability])

    # ------------------------------------------------------------------ Office calls

    def _call(self, owner: Any, method: str, *args: Any, whole: bool = False) -> asyncio.Future[Any]:
        """`owner.method(*args, callback)` as a Future of the AsyncResult's value (or an OfficeError);
        `whole`: of the AsyncResult itself (its value, a large string, is then not read into Python)."""
        loop = asyncio.get_event_loop()
        future: asyncio.Future[Any] = loop.create_future()
        # Nobody may await a body read of a mail that was replaced: do not warn about it.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())

        def done(result: Any) -> None:
            if future.done():
                return
            if text(attr(result, "status")) == "succeeded":
                future.set_result(result if whole else attr(result, "value"))
                return
            error = attr(result, "error")
            code = attr(error, "code")
            future.set_exception(
                office_error(
                    int(code) if isinstance(code, int | float) else 0,
                    text(attr(error, "name")) or "Unknown",
                    text(attr(error, "message")),
                )
            )

        function = attr(owner, method)
        if function is None:
            future.set_exception(InternalError(5000, "Not Supported", f"{method} is not available"))
            return future
        try:
            getattr(owner, method)(*args, self._once(done))
        except Exception as error:  # the host rejected the arguments synchronously
            if not future.done():
                future.set_exception(InternalError(5001, "Internal Error", str(error)))
        return future

    # ------------------------------------------------------------------ the mail

    def capture(self, *, read_body: bool = True) -> ItemHandle | None:
        """The selected mail, read now: properties, and the two body reads already issued.

        Synchronous on purpose: nothing may run between reading the item and asking for its body.
        """
        item = self._current_item()
        if item is None:
            return None
        handle = ItemHandle(
            item=item, fields=item_to_dict(item), mailbox_user=user_dict(attr(self._mailbox(), "userProfile"))
        )
        body = attr(item, "body")
        if read_body and body is not None:
            handle._html = self._call(body, "getAsync", "html")
            handle._text = self._call(body, "getAsync", "text")
            if self._supports_set(ATTACHMENT_CONTENT_SET) and attr(item, "getAllInternetHeadersAsync") is not None:
                # Mailbox 1.8: In-Reply-To/References (the mail's thread) are only in the headers, and so are the
                # Date (dateTimeCreated is not it) and the full To/Cc (item.to/cc are truncated): office/headers.py
                handle._headers = self._call(item, "getAllInternetHeadersAsync")
        return handle

    async def read_headers(self, handle: ItemHandle) -> str | None:
        """The captured mail's internet headers, or None when the host cannot give them (the mail
        is then linked without its thread, as before)."""
        if handle._headers is None:
            return None
        try:
            value = await handle._headers
        except OfficeError:
            return None
        return None if value is None else str(value)

    async def read_body(self, handle: ItemHandle) -> MailBody:
        """The body of the captured mail (raises ItemChangedError if the mail was switched meanwhile)."""
        if handle._html is None or handle._text is None:
            self._ensure_current(handle.item_id)
            body = attr(handle.item, "body")
            handle._html = self._call(body, "getAsync", "html")
            handle._text = self._call(body, "getAsync", "text")
        html, body_text = await asyncio.gather(handle._html, handle._text)
        return MailBody(html=None if html is None else str(html), text=None if body_text is None else str(body_text))

    def snapshot(self) -> Awaitable[MailSnapshot | None]:
        """Capture now (synchronously), then await the body: `mail = await bridge.snapshot()`."""
        handle = self.capture()
        return self.complete(handle)

    async def complete(self, handle: ItemHandle | None) -> MailSnapshot | None:
        """The captured mail's snapshot: its body and headers awaited (reads issued at capture)."""
        if handle is None:
            return None
        body = await self.read_body(handle)
        headers = await self.read_headers(handle)
        return build_snapshot(handle.fields, body_html=body.html, body_text=body.text, mailbox_user=handle.mailbox_user,
                              headers=headers)

    async def read_mail(self) -> MailSnapshot | None:
        """The selected mail with its body; None when none is selected or it changed while reading."""
        try:
            return await self.snapshot()
        except OfficeError as error:
            if error.reason == "ITEM_CHANGED":
                return None  # its ItemChanged event follows
            raise

    def is_current(self, mail: ItemHandle | MailSnapshot) -> bool:
        """Whether the host still has this mail selected (so calls would reach it)."""
        item_id = mail.item_id
        current = self._current_item()
        return current is not None and item_id is not None and text(attr(current, "itemId")) == item_id

    def _ensure_current(self, item_id: str | None) -> Any:
        current = self._current_item()
        if current is None:
            raise no_item()
        if item_id is None or text(attr(current, "itemId")) != item_id:
            raise item_changed()
        return current

    # ------------------------------------------------------------------ attachments and .eml

    async def attachment_content(self, mail: ItemHandle | MailSnapshot, attachment: AttachmentInfo) -> DecodedContent:
        """One attachment's content (raises an OfficeError subclass)."""
        item = self._ensure_current(mail.item_id)
        if attr(item, "getAttachmentContentAsync") is None:
            raise requirement_not_met(ATTACHMENT_CONTENT_SET)
        value = await self._call(item, "getAttachmentContentAsync", attachment.id)
        return decode_content(text(attr(value, "format")), text(attr(value, "content")))

    async def attachment_contents(
        self, mail: ItemHandle | MailSnapshot, attachments: Iterable[AttachmentInfo] | None = None
    ) -> AsyncIterator[AttachmentPayload]:
        """The attachments one by one (the next is fetched only when the caller asks for it).

        A refused attachment is yielded with its `error`; a mail switch ends the stream with
        ItemChangedError, since every later call would reach another mail.
        """
        wanted = tuple(attachments) if attachments is not None else self._infos(mail)
        for info in wanted:
            try:
                content = await self.attachment_content(mail, info)
            except OfficeError as error:
                if error.reason in ("ITEM_CHANGED", "OLD_HOST"):
                    raise
                yield AttachmentPayload(info=info, error=error)
                continue
            yield AttachmentPayload(info=info, data=content.data, url=content.url, format=content.format)
            del content

    @staticmethod
    def _infos(mail: ItemHandle | MailSnapshot) -> tuple[AttachmentInfo, ...]:
        if isinstance(mail, ItemHandle):
            return mail.header_snapshot().attachments
        return mail.attachments

    async def eml_file(self, mail: ItemHandle | MailSnapshot) -> bytes:
        """The whole message as .eml bytes (Mailbox 1.14 getAsFileAsync)."""
        value = await self._eml_call(mail, whole=False)
        try:
            return base64.b64decode(text(value))
        except (binascii.Error, ValueError) as error:
            raise InternalError(9002, "InternalFormatError", f".eml is not base64: {error}") from None

    def _eml_call(self, mail: ItemHandle | MailSnapshot, *, whole: bool) -> asyncio.Future[Any]:
        item = self._ensure_current(mail.item_id)
        if not self._supports_set(EML_FILE_SET) or attr(item, "getAsFileAsync") is None:
            raise requirement_not_met(EML_FILE_SET)
        return self._call(item, "getAsFileAsync", whole=whole)

    # The core's MailHost port.
    async def attachment(self, mail: MailSnapshot, attachment: AttachmentInfo) -> AttachmentContent:
        if self._hold is None:
            content = await self.attachment_content(mail, attachment)
            return AttachmentContent(source=content.data, url=content.url, format=content.format)
        item = self._ensure_current(mail.item_id)
        if attr(item, "getAttachmentContentAsync") is None:
            raise requirement_not_met(ATTACHMENT_CONTENT_SET)
        value = await self._call(item, "getAttachmentContentAsync", attachment.id)
        form = text(attr(value, "format"))
        if form == "url":
            return AttachmentContent(url=text(attr(value, "content")))
        try:
            if form == "base64":
                return AttachmentContent(source=await self._hold.from_base64(value, "content"), format=form)
            if form in ("eml", "iCalendar"):  # text, stored as UTF-8 (as decode_content does)
                return AttachmentContent(source=await self._hold.from_text(value, "content"), format=form)
        except ValueError as error:
            raise InternalError(9002, "InternalFormatError", f"attachment content is not base64: {error}") from None
        raise InternalError(9002, "InternalFormatError", f"unknown attachment content format {form!r}")

    async def eml(self, mail: MailSnapshot) -> UploadSource | bytes:
        if self._hold is None:
            return await self.eml_file(mail)
        result = await self._eml_call(mail, whole=True)
        try:
            return await self._hold.from_base64(result, "value")
        except ValueError as error:
            raise InternalError(9002, "InternalFormatError", f".eml is not base64: {error}") from None

    # ------------------------------------------------------------------ events

    def on_item_changed(self, callback: Callable[[ItemHandle | None], None]) -> Awaitable[None]:
        """`callback(handle)` after each switch, with the new mail captured at once (None: no mail)."""
        self._listeners.append(callback)
        return self._register("ItemChanged", self._item_changed)

    def on_theme_changed(self, callback: Callable[[Theme | None], None]) -> Awaitable[None]:
        """Hosts without the event keep the theme they started with (the registration fails quietly)."""
        self._theme_listeners.append(callback)
        return self._register("OfficeThemeChanged", self._theme_changed)

    def _item_changed(self, *_: Any) -> None:
        handle = self.capture()
        for listener in list(self._listeners):
            listener(handle)

    def _theme_changed(self, *_: Any) -> None:
        theme = self.theme()
        for listener in list(self._theme_listeners):
            listener(theme)

    def _register(self, event: str, handler: Callable[..., None]) -> Awaitable[None]:
        loop = asyncio.get_event_loop()
        if event in self._registered:
            done: asyncio.Future[None] = loop.create_future()
            done.set_result(None)
            return done
        event_type = attr(attr(self._office, "EventType"), event)
        mailbox = self._mailbox()
        if event_type is None or mailbox is None:
            missing: asyncio.Future[None] = loop.create_future()
            missing.set_result(None)
            return missing
        self._registered.add(event)
        proxy = self._keep(handler)
        self._proxies.append(proxy)
        return self._registration(mailbox, event_type, proxy, event)

    async def _registration(self, mailbox: Any, event_type: Any, proxy: Any, event: str) -> None:
        try:
            await self._call(mailbox, "addHandlerAsync", event_type, proxy)
        except OfficeError:
            self._registered.discard(event)
            if event == "ItemChanged":
                raise

    # ------------------------------------------------------------------ roaming settings

    def _settings(self) -> Any:
        return attr(self._context(), "roamingSettings")

    def setting(self, name: str) -> Any:
        settings = self._settings()
        return None if settings is None else _setting_value(settings, name)

    async def save_settings(self, values: Mapping[str, str | None]) -> None:
        """Sets (or, for None, removes) small values and saves them; never secrets."""
        settings = self._settings()
        if settings is None:
            raise SettingsError(5000, "Not Supported", "no roaming settings on this host")
        refuse_secrets(values)
        # The limit is for all settings together: ours after this change, as office.js serializes them.
        after = {name: self.setting(name) for name in {*self._setting_names, *values}}
        after.update(values)
        total = settings_size({k: str(v) for k, v in after.items() if v is not None})
        if total > SETTINGS_LIMIT:
            raise ValueError(f"roaming settings would take {total} bytes, over Outlook's {SETTINGS_LIMIT}")
        self._setting_names.update(values)
        for name, value in values.items():
            if value is None:
                settings.remove(name)
            else:
                settings.set(name, value)
        await self._call(settings, "saveAsync")


async def _awaited(value: Any) -> Any:
    return await value


def _setting_value(settings: Any, name: str) -> Any:
    value = settings.get(name)
    return None if value is None or type(value).__name__ in ("JsNull", "JsUndefined") else value
