"""Linking one mail: read each attachment from the host and upload it with progress, upload the
original .eml, store everything with one `mclink`, then read the receipt back.

Works on the snapshot it is given and nothing else: a pinned pane may switch mail meanwhile, and
this mail must still be stored whole, under the record the user chose for it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace

from mailconnector.core.decisions import outcome
from mailconnector.core.ports import CrmSession, HostRefused, MailHost
from mailconnector.core.receipt_check import SentContent
from mailconnector.core.state import (
    ItemProgress,
    LinkOutcome,
    LinkPhase,
    LinkProgress,
    PreflightItem,
    StoredFile,
    Target,
)
from mailconnector.crm.errors import TooLarge
from mailconnector.crm.uploads import UploadSource
from mailconnector.models import (
    AttachmentInfo,
    CloudLink,
    LinkAttachment,
    LinkMessage,
    MailSnapshot,
    UploadState,
)

ProgressSink = Callable[[LinkProgress], None]
# Files of one mail uploaded at the same time, at most (see `LinkRun._upload_each`). Three stays well
# within a browser's six connections per host, leaving room for the pane's other calls.
UPLOADS_AT_ONCE = 3
EML_CONTENT_TYPE = "message/rfc822"


@dataclass
class UploadCache:
    """Finished uploads of the current mail, so that "Try again" after a failure resends nothing
    the CRM already holds (the CRM keeps unlinked uploads for a day)."""

    mail_key: str = ""
    done: dict[str, UploadState] = field(default_factory=dict)

    def for_mail(self, mail_key: str) -> dict[str, UploadState]:
        if mail_key != self.mail_key:
            self.mail_key, self.done = mail_key, {}
        return self.done

    def clear(self) -> None:
        self.mail_key, self.done = "", {}


ICS_CONTENT_TYPE = "text/calendar"


def attachment_filename(att: AttachmentInfo, form: str | None = None) -> str:
    """An attached mail is filed as a .eml document named after it; an attached calendar item, which Outlook
    hands over as iCalendar text (learn.microsoft.com "Office.AttachmentContentFormat"), as a .ics."""
    if form == "iCalendar":
        return att.name if att.name.lower().endswith(".ics") else f"{att.name or 'event'}.ics"
    if att.kind == "item" and not att.name.lower().endswith(".eml"):
        return f"{att.name or 'message'}.eml"
    return att.name or "attachment"


def attachment_content_type(att: AttachmentInfo, form: str | None = None) -> str:
    if form == "iCalendar":
        return ICS_CONTENT_TYPE
    return EML_CONTENT_TYPE if att.kind == "item" else att.content_type


class LinkRun:
    """One link of one mail to one record (create, call `run`, read progress via the sink)."""

    def __init__(
        self,
        client: CrmSession,
        host: MailHost,
        mail: MailSnapshot,
        target: Target,
        plan: tuple[PreflightItem, ...],
        *,
        base: str,
        on_progress: ProgressSink,
        cache: UploadCache,
        already_stored: bool = False,
        limits: tuple[int, int] | None = None,
        chunk_bytes: int | None = None,
    ) -> None:
        self.client = client
        self.host = host
        self.mail = mail
        self.target = target
        self.plan = plan
        self.base = base
        self.on_progress = on_progress
        self.cache = cache
        # The CRM already holds this mail under this very record: nothing would be stored, so
        # nothing is uploaded (mclink still decides, and says so).
        self.already_stored = already_stored
        self.limits = limits  # (largest file, largest message) the CRM accepts, when known
        self.chunk_bytes = chunk_bytes  # the CRM's upload chunk (mcstatus limits), when known
        self.message_id = ""  # the Message-ID the link used, once known
        self._attachments = {a.id: a for a in mail.attachments}
        self._formats: dict[str, str | None] = {}  # attachment id -> the format the host handed it over in
        copied = [i for i in plan if i.plan == "copy" and i.kind in ("file", "item", "eml")]
        if already_stored:
            copied = []
        self._copied = copied
        self.progress = LinkProgress(
            phase="uploading",
            items=tuple(
                ItemProgress(name=self._display_name(i), size=i.size) for i in copied
            ),
        )

    def _display_name(self, item: PreflightItem) -> str:
        if item.kind == "eml":
            return ""
        att = self._attachments.get(item.attachment_id)
        return attachment_filename(att, self._formats.get(item.attachment_id)) if att else item.name

    # --- progress ---------------------------------------------------------------------------------------
    def _update(self, index: int, **changes: object) -> None:
        items = list(self.progress.items)
        items[index] = replace(items[index], **changes)  # type: ignore[arg-type]
        self.progress = replace(self.progress, items=tuple(items))
        self.on_progress(self.progress)

    def _phase(self, phase: LinkPhase) -> None:
        self.progress = replace(self.progress, phase=phase)
        self.on_progress(self.progress)

    # --- the run ------------------------------------------------------------------------------------------
    async def run(self) -> LinkOutcome:
        """Read everything from the host as early as possible (it serves only the mail selected now: a
        pinned pane that switches mail mid-upload must not cut this mail short), uploading each file as
        soon as it is read while the next one is read, then link and verify."""
        done = self.cache.for_mail(_snapshot_key(self.mail))
        self.on_progress(self.progress)

        ready: asyncio.Queue[tuple[int, UploadSource | bytes] | None] = asyncio.Queue()
        uploads = asyncio.ensure_future(self._upload_each(ready, done))
        try:
            skipped, eml_skipped = await self._read_each(done, ready, uploads)
            links: list[CloudLink] = []
            for item in self.plan:
                if item.plan == "link":
                    link = await self._cloud_link(item)
                    if link is None:
                        skipped.append(item.name)
                    else:
                        links.append(link)
            ready.put_nowait(None)
            await uploads
        except BaseException:
            uploads.cancel()  # the host or the CRM failed, or the link was cancelled: stop sending
            with suppress(asyncio.CancelledError, Exception):
                await uploads
            raise

        files: list[LinkAttachment | CloudLink] = []
        sent: list[StoredFile] = []
        digests: dict[str, tuple[int, str]] = {}
        eml: UploadState | None = None
        for item in self._copied:
            state = done.get(_cache_key(item))
            if state is None:
                continue  # skipped
            if item.kind == "eml":
                eml = state
                continue
            att = self._attachments[item.attachment_id]
            files.append(LinkAttachment.from_upload(state, inline=att.is_inline, content_id=att.content_id))
            sent.append(StoredFile(state.filename, state.size, state.sha256))
            digests[item.attachment_id] = (state.size, state.sha256)
        files.extend(links)
        # a mail without a Message-ID is told apart by its files' bytes too (known only now)
        self.message_id = self.mail.effective_message_id(digests)
        message = LinkMessage.from_snapshot(self.mail, message_id=self.message_id)

        self._phase("saving")
        try:
            result = await self.client.link(self.target.id, message, files, eml)
        except TooLarge:
            if eml is None:
                raise
            # the optional original is what tipped the mail over the limit: store the mail without it
            eml_skipped = "link.skipped.TOO_LARGE"
            result = await self.client.link(self.target.id, message, files, None)
        self.cache.clear()
        self._phase("verifying")
        receipt = await self.client.receipt(result.message)
        self._phase("done")
        eml_sent = None if eml is None or eml_skipped else StoredFile(eml.filename, eml.size, eml.sha256)
        content = SentContent(files=tuple(sent), eml=eml_sent, body_html=self.mail.body_html or "",
                              body_text=self.mail.body_text or "")
        return replace(
            outcome(self.target, result, receipt, sent=content, skipped=tuple(skipped), base=self.base),
            eml_skipped=eml_skipped if receipt.eml is None else "",
            message_id=self.message_id,
        )

    async def _read_each(
        self,
        done: dict[str, UploadState],
        ready: asyncio.Queue[tuple[int, UploadSource | bytes] | None],
        uploads: asyncio.Future[None],
    ) -> tuple[list[str], str]:
        """Read the files from the host in order, handing each to the uploads as soon as it is read; the
        original .eml last, once every size is known (it may be left out, see `_drop_oversized_eml`).
        Returns the names of attachments the host refused, and why the .eml was left out ("" if not)."""
        sizes: dict[int, int] = {}
        skipped: list[str] = []
        eml: tuple[int, UploadSource | bytes] | None = None
        for index, item in enumerate(self._copied):
            if uploads.done():
                break  # an upload failed: `run` reports it
            key = _cache_key(item)
            if key in done:
                state = done[key]
                sizes[index] = state.size
                self._update(index, size=state.size, sent=state.size, status="done")
                continue
            self._update(index, status="reading")
            try:
                source = await self._read(item)
            except HostRefused as refused:
                if refused.reason == "ITEM_CHANGED":
                    raise
                self._update(index, status="skipped", reason=f"link.skipped.{refused.reason}")
                if item.kind != "eml":
                    skipped.append(self._display_name(item))
                continue
            sizes[index] = _size(source)
            self._update(index, name=self._display_name(item), size=sizes[index], status="waiting")
            if item.kind == "eml":
                eml = (index, source)
            else:
                ready.put_nowait((index, source))
        eml_skipped = self._drop_oversized_eml(sizes)
        if eml is not None and not eml_skipped:
            ready.put_nowait(eml)
        return skipped, eml_skipped

    async def _upload_each(
        self, ready: asyncio.Queue[tuple[int, UploadSource | bytes] | None], done: dict[str, UploadState]
    ) -> None:
        """Upload the files as they are read (until `None`), side by side while they are small.

        Each chunk waits for the CRM's answer before the next (the protocol refuses gaps), so one file at a
        time leaves the line idle for a round trip per chunk, and two per small file. Files go up together,
        UPLOADS_AT_ONCE at most, while the chunks they have out at once (`min(chunk, size)` bytes each) stay
        within one chunk: a chunk's deadline (`OPERATION_TIMEOUTS["mcupload"]`) is set for one chunk on the
        line, and a slow uplink shared by three large chunks would time every one of them out. So small files,
        where the round trips are most of the time, go together; a file of a chunk or more goes alone; with
        the chunk size unknown, one file at a time.

        The first failure cancels the others' uploads and is raised as it is (not as a group): what finished
        stays in `done`, so that "Try again" does not send it again. The files that go together are under a
        chunk each, so a cancelled one loses no more than a chunk's worth, as a failed chunk does."""
        budget = self.chunk_bytes or 0
        out: dict[asyncio.Task[None], int] = {}  # uploads in flight, with their chunk's bytes
        changed = asyncio.Event()

        def fits(weight: int) -> bool:
            return not out or (len(out) < UPLOADS_AT_ONCE and sum(out.values()) + weight <= budget)

        def finished(task: asyncio.Task[None]) -> None:
            del out[task]
            changed.set()

        async def one(index: int, source: UploadSource | bytes) -> None:
            item = self._copied[index]
            done[_cache_key(item)] = await self._upload(index, item, source)

        started: list[asyncio.Task[None]] = []
        try:
            async with asyncio.TaskGroup() as group:
                while (next_file := await ready.get()) is not None:
                    weight = min(_size(next_file[1]), budget) if budget else 1
                    while not fits(weight):
                        changed.clear()
                        await changed.wait()
                    task = group.create_task(one(*next_file))
                    out[task] = weight
                    task.add_done_callback(finished)
                    started.append(task)
                    del next_file  # the task holds the bytes until they are in the CRM
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        if any(task.cancelled() for task in started):
            # an upload that stopped without an error and without its file: never link the mail without it
            raise asyncio.CancelledError

    def _drop_oversized_eml(self, sizes: dict[int, int]) -> str:
        """The original .eml is kept "where it can be": not when the CRM would refuse it (it holds
        every attachment again, so it is the first thing to exceed a limit). Returns why, or ""."""
        eml_index = next((i for i, item in enumerate(self._copied) if item.kind == "eml"), None)
        if self.limits is None or eml_index is None or eml_index not in sizes:
            return ""
        if _cache_key(self._copied[eml_index]) in self.cache.done:
            return ""  # already uploaded by an earlier try
        max_file, max_message = self.limits
        body = len((self.mail.body_html or "").encode()) + len((self.mail.body_text or "").encode())
        total = body + sum(size for index, size in sizes.items() if index != eml_index)
        eml_size = sizes[eml_index]
        if eml_size <= max_file and total + eml_size <= max_message:
            return ""
        self._update(eml_index, status="skipped", reason="link.skipped.TOO_LARGE")
        return "link.skipped.TOO_LARGE"

    async def _read(self, item: PreflightItem) -> UploadSource | bytes:
        if item.kind == "eml":
            return await self.host.eml(self.mail)
        content = await self.host.attachment(self.mail, self._attachments[item.attachment_id])
        self._formats[item.attachment_id] = content.format
        if content.source is None:
            raise HostRefused("no content", reason="UNSUPPORTED")
        return content.source

    async def _upload(self, index: int, item: PreflightItem, source: UploadSource | bytes) -> UploadState:
        if item.kind == "eml":
            filename, content_type = _eml_name(self.mail), EML_CONTENT_TYPE
        else:
            att = self._attachments[item.attachment_id]
            form = self._formats.get(item.attachment_id)
            filename = attachment_filename(att, form)
            content_type = attachment_content_type(att, form)
        self._update(index, status="uploading")

        def progress(received: int, total: int) -> None:
            self._update(index, sent=received, size=total)

        state = await self.client.upload(source, filename, content_type, progress=progress)
        self._update(index, sent=state.size, size=state.size, status="done")
        return state

    async def _cloud_link(self, item: PreflightItem) -> CloudLink | None:
        att = self._attachments.get(item.attachment_id)
        if att is None:
            return None
        try:
            content = await self.host.attachment(self.mail, att)
        except HostRefused as refused:
            if refused.reason == "ITEM_CHANGED":
                raise
            return None
        return CloudLink(name=att.name, url=content.url) if content.url else None


def _size(source: UploadSource | bytes) -> int:
    return len(source) if isinstance(source, bytes) else source.size


def _snapshot_key(mail: MailSnapshot) -> str:
    """Which mail the upload cache belongs to: the whole snapshot (its Message-ID may not exist yet)."""
    return hashlib.sha256(mail.model_dump_json().encode()).hexdigest()


def _cache_key(item: PreflightItem) -> str:
    return "\0eml" if item.kind == "eml" else item.attachment_id


def _eml_name(mail: MailSnapshot) -> str:
    safe = "".join(ch for ch in mail.subject if ch not in '\\/:*?"<>|\r\n\t').strip()[:120]
    return f"{safe or 'message'}.eml"
