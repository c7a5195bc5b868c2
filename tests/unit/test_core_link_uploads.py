"""A mail with several files: small ones go up side by side, a few at a time, a file of a chunk or more
alone (core.linking); one failure stops the others without storing anything."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from mailconnector.core.decisions import preflight
from mailconnector.core.linking import UPLOADS_AT_ONCE, LinkRun, UploadCache
from mailconnector.core.state import Target
from mailconnector.crm import errors as e
from mailconnector.crm.urls import normalise_crm_url
from mailconnector.models import LinkAttachment, UploadState
from tests.unit.core_fakes import STATUS, FakeClient, FakeHost, Pane, attachment, mail, make_pane, settle, sign_in

FILES = ("a.pdf", "b.pdf", "c.pdf", "d.pdf")
EML = "Richiesta di preventivo.eml"


class HeldUploads:
    """Each upload waits at the CRM until the test lets it finish, or fail."""

    def __init__(self, client: FakeClient) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.cancelled: list[str] = []
        self.failed: list[str] = []
        self._gates: dict[str, asyncio.Future[BaseException | None]] = {}
        self._upload = client.upload
        client.upload = self.upload  # type: ignore[method-assign]

    def _gate(self, filename: str) -> asyncio.Future[BaseException | None]:
        return self._gates.setdefault(filename, asyncio.get_running_loop().create_future())

    async def upload(self, source: Any, filename: str, content_type: str, **options: Any) -> UploadState:
        self.started.append(filename)
        try:
            failure = await self._gate(filename)
        except asyncio.CancelledError:
            self.cancelled.append(filename)
            raise
        if failure is not None:
            self.failed.append(filename)
            raise failure
        state = await self._upload(source, filename, content_type, **options)
        self.finished.append(filename)
        return state

    def finish(self, filename: str, failure: BaseException | None = None) -> None:
        self._gate(filename).set_result(failure)

    def renew(self) -> None:
        """A new try: every file waits again."""
        self._gates.clear()

    @property
    def in_flight(self) -> list[str]:
        """Started and not yet over, in the order they started (a file sent again counts again)."""
        over = Counter(self.finished) + Counter(self.cancelled) + Counter(self.failed)
        waiting = []
        for name in self.started:
            if over[name]:
                over[name] -= 1
            else:
                waiting.append(name)
        return waiting


CHUNK = STATUS.limits.chunk_bytes  # what the fake CRM's mcstatus says


SMALL_FILES = tuple((name, 10) for name in FILES)


async def start_linking(held: list[HeldUploads], files: tuple[tuple[str, int], ...] = SMALL_FILES) -> Pane:
    def script(client: FakeClient) -> None:
        held.append(HeldUploads(client))

    pane = make_pane(script=script)
    pane.app.start(mail(attachments=tuple(attachment(name, size) for name, size in files)))
    await sign_in(pane)
    pane.app.pick_suggestion("4x10")
    pane.app.link()
    await settle()
    return pane


def statuses(pane: Pane) -> list[str]:
    return [item.status for item in pane.state.progress.items]


def test_files_go_up_side_by_side_a_few_at_a_time_and_are_linked_in_the_mails_order() -> None:
    async def scenario() -> None:
        held: list[HeldUploads] = []
        pane = await start_linking(held)
        uploads = held[0]
        assert UPLOADS_AT_ONCE == 3
        assert uploads.in_flight == ["a.pdf", "b.pdf", "c.pdf"]
        assert statuses(pane) == ["uploading", "uploading", "uploading", "waiting", "waiting"]

        uploads.finish("b.pdf")  # the second file is in first: the next one takes its place at once
        await settle()
        assert uploads.in_flight == ["a.pdf", "c.pdf", "d.pdf"]
        assert statuses(pane) == ["uploading", "done", "uploading", "uploading", "waiting"]

        for name in ("d.pdf", "c.pdf", "a.pdf"):
            uploads.finish(name)
            await settle()
        assert uploads.in_flight == [EML]
        assert pane.client.linked == []  # nothing is stored before every file is in
        uploads.finish(EML)
        await settle()

        assert pane.state.screen == "receipt"
        ((_, _, files, eml),) = pane.client.linked
        assert [f.filename for f in files if isinstance(f, LinkAttachment)] == list(FILES)
        assert all(pane.client.uploads[f.upload] == b"x" * 10 for f in files if isinstance(f, LinkAttachment))
        assert eml is not None and pane.client.uploads[eml].startswith(b"From: x")

    asyncio.run(scenario())


def test_one_file_failing_stops_the_others_stores_nothing_and_try_again_sends_only_what_is_missing() -> None:
    async def scenario() -> None:
        held: list[HeldUploads] = []
        pane = await start_linking(held)
        uploads = held[0]
        uploads.finish("a.pdf")
        await settle()
        assert uploads.in_flight == ["b.pdf", "c.pdf", "d.pdf"]

        uploads.finish("c.pdf", e.NetworkError("the connection dropped"))
        await settle()
        assert sorted(uploads.cancelled) == ["b.pdf", "d.pdf"]  # no use sending them: the link has failed
        assert EML not in uploads.started
        assert pane.client.linked == []
        assert pane.state.screen == "preflight"
        assert pane.state.problem is not None and pane.state.problem.key == "error.NETWORK_ERROR"

        uploads.renew()
        pane.app.link()
        await settle()
        # a.pdf is in the CRM already; the others go up again
        assert uploads.in_flight == ["b.pdf", "c.pdf", "d.pdf"]
        for name in ("b.pdf", "c.pdf", "d.pdf"):
            uploads.finish(name)
        await settle()
        uploads.finish(EML)
        await settle()
        assert pane.state.screen == "receipt"
        assert uploads.started.count("a.pdf") == 1 and uploads.started.count("c.pdf") == 2
        assert len(pane.client.linked) == 1

    asyncio.run(scenario())


def test_a_file_of_a_chunk_or_more_goes_up_alone_so_a_slow_line_is_never_shared_by_big_chunks() -> None:
    """A chunk's deadline is set for one chunk on the line: three big chunks sharing a slow uplink would each
    take three times as long, and all time out."""

    async def scenario() -> None:
        held: list[HeldUploads] = []
        pane = await start_linking(held, (("a.pdf", 10), ("big.bin", CHUNK), ("b.pdf", 10)))
        uploads = held[0]
        assert uploads.in_flight == ["a.pdf"]  # the big file waits for the line to itself
        uploads.finish("a.pdf")
        await settle()
        assert uploads.in_flight == ["big.bin"]  # and the next small file waits for it, in the mail's order
        uploads.finish("big.bin")
        await settle()
        assert uploads.in_flight == ["b.pdf", EML]
        uploads.finish("b.pdf")
        uploads.finish(EML)
        await settle()
        assert pane.state.screen == "receipt"

    asyncio.run(scenario())


async def run_link(chunk_bytes: int | None) -> tuple[FakeClient, HeldUploads, asyncio.Future[Any]]:
    """A link of a mail with FILES, its uploads held, started and let run as far as it can."""
    client = FakeClient(normalise_crm_url("crm.example.com"))
    uploads = HeldUploads(client)
    snapshot = mail(attachments=tuple(attachment(name, 10) for name in FILES))
    plan = preflight(snapshot, attachments_supported=True, eml_supported=True, crm=None)
    target = Target(module="Contacts", module_label="Contact", id="4x10", label="Mario Rossi")
    run = LinkRun(client, FakeHost(), snapshot, target, plan, base="https://crm.example.com",
                  on_progress=lambda _: None, cache=UploadCache(), chunk_bytes=chunk_bytes)
    task = asyncio.ensure_future(run.run())
    await settle()
    return client, uploads, task


def test_with_the_chunk_size_unknown_files_go_up_one_at_a_time() -> None:
    async def scenario() -> None:
        client, uploads, task = await run_link(None)
        assert uploads.in_flight == ["a.pdf"]
        uploads.finish("a.pdf")
        await settle()
        assert uploads.in_flight == ["b.pdf"]
        for name in ("b.pdf", "c.pdf", "d.pdf", EML):
            uploads.finish(name)
            await settle()
        assert task.done() and len(client.linked) == 1

    asyncio.run(scenario())


def test_a_link_cancelled_stops_every_upload_in_flight() -> None:
    async def scenario() -> None:
        client, uploads, task = await run_link(CHUNK)
        assert uploads.in_flight == ["a.pdf", "b.pdf", "c.pdf"]
        task.cancel()  # the pane is closing
        await settle()
        assert task.cancelled()
        assert sorted(uploads.cancelled) == ["a.pdf", "b.pdf", "c.pdf"] and uploads.in_flight == []
        assert client.linked == []

    asyncio.run(scenario())


def test_an_upload_that_stops_without_an_error_never_lets_the_mail_be_linked_without_its_file() -> None:
    async def scenario() -> None:
        client, uploads, task = await run_link(CHUNK)
        uploads.finish("a.pdf")
        uploads.finish("b.pdf", asyncio.CancelledError())  # ended by something other than the link
        for name in ("c.pdf", "d.pdf", EML):
            uploads.finish(name)
            await settle()
        await settle()
        assert task.done() and client.linked == []
        with pytest.raises(asyncio.CancelledError):
            task.result()

    asyncio.run(scenario())
