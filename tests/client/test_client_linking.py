"""Upload, link, receipt and lookup against the running local CRM: byte-equal and exactly once."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from mailconnector.crm import errors as e
from mailconnector.models import CloudLink, LinkAttachment, LinkMessage, MailSnapshot, UploadState
from tests.client.conftest import ArmFault, armed_faults, inspect, run, signed_in, unique_message_id
from tests.conftest import RunningCrm

BODY_HTML = '<html><body><p>Buongiorno, ecco l\'offerta — prezzi in €.</p><img src="cid:logo@acme"></body></html>'
BODY_TEXT = "Buongiorno, ecco l'offerta — prezzi in €.\r\n\r\nZoë"


def mail(message_id: str | None, **changes: Any) -> MailSnapshot:
    return MailSnapshot.model_validate(
        {
            "subject": "Offerta 2025 – è pronta",
            "from": {"name": "Mario Rossi", "address": "mario.rossi@example.it"},
            "to": [{"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}],
            "cc": [{"name": "Zoë Ünal", "address": "zoe.unal@example.de"}],
            "date_sent": "2025-03-04T09:30:00+01:00",
            "internet_message_id": message_id,
            "conversation_id": "conv-42",
            "body_html": BODY_HTML,
            "body_text": BODY_TEXT,
            "mailbox_user": {"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"},
            **changes,
        }
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


FILES = {
    "offerta è.pdf": ("application/pdf", os.urandom(5 * 1024 * 1024 + 123)),  # more than one chunk
    "note.txt": ("text/plain", "Zoë Ünal — 100% Bio\n".encode()),
    "logo.png": ("image/png", os.urandom(2048)),
}


def test_upload_link_and_receipt_are_byte_equal(crm: RunningCrm) -> None:
    message_id = unique_message_id("full")
    eml_bytes = b"From: mario.rossi@example.it\r\nSubject: test\r\n\r\n" + os.urandom(1000)

    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            chunk_bytes = (await client.status()).limits.chunk_bytes
            progress: dict[str, list[int]] = {}
            uploads: dict[str, UploadState] = {}
            for name, (content_type, data) in FILES.items():
                seen = progress.setdefault(name, [])
                uploads[name] = await client.upload(
                    data, name, content_type, progress=lambda got, _, s=seen: s.append(got)
                )
            eml = await client.upload(eml_bytes, "message.eml", "message/rfc822")
            big = FILES["offerta è.pdf"][1]
            assert progress["offerta è.pdf"] == sorted({0, *range(chunk_bytes, len(big), chunk_bytes), len(big)})
            attachments = [
                LinkAttachment.from_upload(uploads["offerta è.pdf"]),
                LinkAttachment.from_upload(uploads["note.txt"]),
                LinkAttachment.from_upload(uploads["logo.png"], inline=True, content_id="logo@acme"),
                CloudLink(name="Capitolato.docx", url="https://onedrive.example/s/abc?x=1&y=2"),
            ]
            message = LinkMessage.from_snapshot(mail(message_id))
            result = await client.link("4x3", message, attachments, eml)
            assert result.created and result.linked
            assert (result.target.module, result.target.id, result.target.label) == ("Contacts", "4x3", "Mario Rossi")
            assert result.target.url.startswith(crm.url)
            assert len(result.documents) == 3 and result.eml_document

            receipt = await client.receipt(result.message)
            assert receipt.messageid == message_id
            assert receipt.subject == "Offerta 2025 – è pronta"
            assert receipt.from_ is not None and receipt.from_.address == "mario.rossi@example.it"
            assert [c.name for c in receipt.cc] == ["Zoë Ünal"]
            assert receipt.body_html_bytes == len(BODY_HTML.encode()) and receipt.body_html_sha256 == sha(
                BODY_HTML.encode()
            )
            assert receipt.body_text_bytes == len(BODY_TEXT.encode()) and receipt.body_text_sha256 == sha(
                BODY_TEXT.encode()
            )
            stored = {(a.filename, a.content_type, a.size, a.sha256) for a in receipt.attachments}
            assert stored == {(n, t, len(d), sha(d)) for n, (t, d) in FILES.items()}
            assert [(x.name, x.url) for x in receipt.external_links] == [
                ("Capitolato.docx", "https://onedrive.example/s/abc?x=1&y=2")
            ]
            assert receipt.eml is not None and (receipt.eml.size, receipt.eml.sha256) == (
                len(eml_bytes),
                sha(eml_bytes),
            )
            assert [(link.module, link.id) for link in receipt.links] == [("Contacts", "4x3")]

    run(go())
    documents = inspect(crm, "documents", messageid=message_id)
    assert {d["file_sha256"] for d in documents} == {sha(d) for _, d in FILES.values()} | {sha(eml_bytes)}
    assert all(d["stored"] for d in documents)


def test_the_same_mail_twice_stores_nothing_new_and_a_second_record_reuses_it(crm: RunningCrm) -> None:
    message_id = unique_message_id("relink")

    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            data = os.urandom(3000)
            first_upload = await client.upload(data, "a.bin", "application/octet-stream")
            message = LinkMessage.from_snapshot(mail(message_id))
            first = await client.link("4x3", message, [LinkAttachment.from_upload(first_upload)])
            again_upload = await client.upload(data, "a.bin", "application/octet-stream")
            again = await client.link("4x3", message, [LinkAttachment.from_upload(again_upload)])
            assert (again.created, again.linked) == (False, False)
            assert again.message == first.message and again.documents == first.documents
            other = await client.link("3x1", message, [])
            assert (other.created, other.linked) == (False, True)
            assert other.message == first.message
            receipt = await client.receipt(first.message)
            assert {(link.module, link.id) for link in receipt.links} == {("Contacts", "4x3"), ("Accounts", "3x1")}
            assert len(receipt.attachments) == 1

    run(go())
    assert len(inspect(crm, "messages", messageid=message_id)) == 1


def test_a_mail_without_message_id_deduplicates_by_its_content(crm: RunningCrm) -> None:
    subject = f"No Message-ID {unique_message_id()}"

    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            snapshot = mail(None, subject=subject)
            first = await client.link("4x8", LinkMessage.from_snapshot(snapshot), [])
            again = await client.link("4x8", LinkMessage.from_snapshot(mail("", subject=subject)), [])
            assert first.created and not again.created and again.message == first.message
            receipt = await client.receipt(first.message)
            assert receipt.messageid == snapshot.effective_message_id()
            assert receipt.messageid.endswith("@mailconnector.invalid>")

    run(go())


def test_lookup_shows_where_a_mail_is_stored_to_other_users(crm: RunningCrm) -> None:
    message_id = unique_message_id("lookup")

    async def go() -> None:
        async with await signed_in(crm, "anna") as anna:
            assert await anna.lookup(message_id) == ()
            result = await anna.link("9x6", LinkMessage.from_snapshot(mail(message_id)), [])
        async with await signed_in(crm, "sara") as sara:  # the ticket is public read/write
            (link,) = await sara.lookup(message_id)
            assert (link.module, link.id, link.message) == ("HelpDesk", "9x6", result.message)
            assert link.linked_by == "Anna Rossi" and link.linked_at_datetime is not None

    run(go())


def test_linking_to_a_record_without_write_access_or_deleted_is_refused(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "sara") as sara:
            with pytest.raises(e.AccessDenied):  # Accounts are read-only for support
                await sara.link("3x1", LinkMessage.from_snapshot(mail(unique_message_id("ro"))), [])
        async with await signed_in(crm, "anna") as anna:
            with pytest.raises(e.RecordNotFound):
                await anna.link("4x14", LinkMessage.from_snapshot(mail(unique_message_id("del"))), [])

    run(go())


def test_an_upload_used_by_a_link_is_consumed(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            upload = await client.upload(b"x" * 10, "x.txt", "text/plain")
            await client.link(
                "4x3", LinkMessage.from_snapshot(mail(unique_message_id("c1"))), [LinkAttachment.from_upload(upload)]
            )
            with pytest.raises(e.UploadNotFound):
                await client.link(
                    "4x3",
                    LinkMessage.from_snapshot(mail(unique_message_id("c2"))),
                    [LinkAttachment.from_upload(upload)],
                )

    run(go())


def test_bytes_that_do_not_match_their_hash_are_refused(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            with pytest.raises(e.UploadCorrupt):
                await client.upload(b"actual bytes", "x.txt", "text/plain", sha256=sha(b"other bytes"))

    run(go())


def test_a_file_above_the_crm_limit_is_refused_at_start(crm: RunningCrm) -> None:
    class Huge:
        size = 0

        async def read(self, offset: int, length: int) -> bytes:
            raise AssertionError("nothing is read: the CRM refuses at start")

    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            huge = Huge()
            huge.size = (await client.status()).limits.max_file_bytes + 1
            with pytest.raises(e.TooLarge):
                await client.upload(huge, "huge.bin", "application/octet-stream", sha256="0" * 64)

    run(go())


def test_an_upload_resumes_after_the_connection_drops(crm: RunningCrm, arm_fault: ArmFault) -> None:
    data = os.urandom(3 * 1024 * 1024)
    message_id = unique_message_id("resume")

    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            armed = False

            def on_progress(received: int, total: int) -> None:
                nonlocal armed
                if not armed:  # after `start`: the first chunk is stored, its answer is lost
                    arm_fault("mcupload", "drop_response")
                    armed = True

            state = await client.upload(data, "resumed.bin", "application/octet-stream", progress=on_progress)
            assert armed and armed_faults(crm) == []  # the fault did hit
            assert state.complete
            result = await client.link(
                "4x3", LinkMessage.from_snapshot(mail(message_id)), [LinkAttachment.from_upload(state)]
            )
            (stored,) = (await client.receipt(result.message)).attachments
            assert (stored.size, stored.sha256) == (len(data), sha(data))

    run(go())


def test_a_link_whose_answer_is_lost_is_retried_and_stored_once(crm: RunningCrm, arm_fault: ArmFault) -> None:
    message_id = unique_message_id("lost")

    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            arm_fault("mclink", "drop_response")
            result = await client.link("4x3", LinkMessage.from_snapshot(mail(message_id)), [])
            assert armed_faults(crm) == []
            # the first attempt committed; the repeat found it (mclink is idempotent)
            assert result.message.startswith("40x") and not result.created

    run(go())
    assert len(inspect(crm, "messages", messageid=message_id)) == 1
    assert len(inspect(crm, "links", messageid=message_id)) == 1


def test_a_link_failing_half_way_leaves_nothing_and_the_retry_stores_it(crm: RunningCrm, arm_fault: ArmFault) -> None:
    message_id = unique_message_id("midway")

    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            upload = await client.upload(b"attachment", "a.txt", "text/plain")
            arm_fault("mclink", "fail_midway")
            with pytest.raises(e.ServerError):
                await client.link(
                    "4x3", LinkMessage.from_snapshot(mail(message_id)), [LinkAttachment.from_upload(upload)]
                )
            assert inspect(crm, "messages", messageid=message_id) == []
            result = await client.link(
                "4x3", LinkMessage.from_snapshot(mail(message_id)), [LinkAttachment.from_upload(upload)]
            )
            assert result.created and len(result.documents) == 1

    run(go())


def test_server_failures_and_timeouts(crm: RunningCrm, arm_fault: ArmFault) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna", timeouts={"mcmodules": 0.5}) as client:
            arm_fault("mcsuggest", "http_500")
            with pytest.raises(e.ServerError) as caught:
                await client.suggest(["mario.rossi@example.it"])
            assert caught.value.server_code == "INTERNAL_ERROR"
            arm_fault("mcmodules", "delay", seconds=3, times=3)
            with pytest.raises(e.Timeout):
                await client.modules()
            arm_fault("mclookup", "malformed_json")
            # The CRM was recognised at discovery: a broken answer later is the CRM failing, not a wrong address.
            with pytest.raises(e.CrmProtocolError):
                await client.lookup("<x@y>")

    run(go())


def test_a_crm_that_restarts_is_waited_for_briefly(crm: RunningCrm, arm_fault: ArmFault) -> None:
    # a transient failure (here: the connection dropped once) costs a retry, not an error
    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            arm_fault("mcmodules", "drop_response")
            assert [m.name for m in await client.modules()][:2] == ["Accounts", "Contacts"]
            assert armed_faults(crm) == []

    run(go())
