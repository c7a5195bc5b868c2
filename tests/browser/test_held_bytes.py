"""The bytes of a mail stay in the browser (addin/bytes.mjs behind mailconnector.crm.held): Office's
base64 decoded and hashed in JavaScript, chunks sent as Blob slices in FormData bodies, and the CRM
holding exactly the bytes of the mail."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest

from tests.conftest import RunningCrm
from tests.support.browser import PyodideHarness

pytestmark = pytest.mark.browser

SLICE = 192 * 1024  # bytes.mjs decodes this much per task: sizes around it cross slice boundaries
PART = 8 * SLICE  # and gathers this much into one Blob part


def pattern(size: int) -> bytes:
    block = bytes((i * 7919 + (i >> 8)) & 0xFF for i in range(min(size, 65_521)))  # a prime-sized block
    return (block * (size // 65_521 + 1))[:size]


@pytest.mark.parametrize(
    "size", [0, 1, 2, 3, 64, SLICE - 1, SLICE, SLICE + 1, 2 * SLICE + 5, PART - 1, PART, PART + 1, 2 * PART + 7]
)
def test_base64_decoded_and_hashed_in_slices(harness: PyodideHarness, size: int) -> None:
    data = pattern(size)
    text = base64.b64encode(data).decode()
    wrapped = "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))  # MIME-style lines
    results = harness.page.evaluate(
        """async ({ text, wrapped }) => {
          const out = [];
          for (const [source, options] of [[text, {}], [wrapped, {}], [text, { portable: true }],
                                           [wrapped, { portable: true }]]) {
            const held = await MailConnectorBytes.fromBase64({ content: source }, "content", options);
            const check = await crypto.subtle.digest("SHA-256", await held.blob.arrayBuffer());
            out.push([held.size, held.sha256,
                      [...new Uint8Array(check)].map((b) => b.toString(16).padStart(2, "0")).join("")]);
          }
          return out;
        }""",
        {"text": text, "wrapped": wrapped},
    )
    digest = hashlib.sha256(data).hexdigest()
    # native decoder and the portable one (older webviews), with and without line breaks
    assert results == [[size, digest, digest]] * 4


def test_text_and_bad_base64(harness: PyodideHarness) -> None:
    text = "Oggetto: è così 😀\r\n" * 80_000  # ~1.9 MB of UTF-8 (two Blob parts), a surrogate pair per line
    result = harness.page.evaluate(
        """async (text) => {
          const held = await MailConnectorBytes.fromText({ content: text }, "content");
          let bad = null;
          try { await MailConnectorBytes.fromBase64({ content: "QUJD$$$$" }, "content"); }
          catch (error) { bad = error.name; }
          return [held.size, held.sha256, bad];
        }""",
        text,
    )
    encoded = text.encode()
    assert result == [len(encoded), hashlib.sha256(encoded).hexdigest(), "SyntaxError"]


def test_bridge_holds_attachment_and_eml_and_the_crm_gets_them_exactly(
    harness: PyodideHarness, crm: RunningCrm
) -> None:
    """Through the Office bridge and the CRM client in Pyodide: chunks leave as FormData with a Blob,
    never as bytes built by Python, and the CRM stores exactly the attachment and the .eml."""
    harness.page.evaluate(
        "() => OfficeSim.configure({maxMailbox: '1.14', staleItemCalls: 'host', failures: {}, delays: {}})"
    )
    payload = pattern(1_300_000)
    harness.page.evaluate(
        "d => OfficeSim.loadJson(d)",
        {
            "subject": "Held bytes",
            "from": {"name": "Mario Rossi", "address": "mario.rossi@example.it"},
            "to": [{"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}],
            "date": "2024-11-12T10:15:00+01:00",
            "internetMessageId": "<held-bytes@example.it>",
            "bodyText": "ciao",
            "attachments": [
                {"name": "dati.bin", "contentType": "application/octet-stream",
                 "base64": base64.b64encode(payload).decode()}
            ],
        },
    )
    result = harness.run(
        """
import hashlib
import js
from mailconnector.crm import held
from mailconnector.crm.client import CrmClient
from mailconnector.crm.transport import FetchTransport
from mailconnector.office.bridge import OfficeBridge

async def main():
    bridge = OfficeBridge(hold=held)
    assert await bridge.ready()
    mail = await bridge.snapshot()
    attachment = (await bridge.attachment(mail, mail.attachments[0])).source
    eml = await bridge.eml(mail)
    eml_in_python = hashlib.sha256(await bridge.eml_file(mail)).hexdigest()  # the old path, to compare
    js.eval('''window.__bodies = []; if (!window.__plainFetch) { window.__plainFetch = window.fetch;
      window.fetch = (url, init) => { if (String(url).endsWith("/mcupload")) window.__bodies.push(
        init.body instanceof FormData ? "FormData:" + (init.body.get("data") instanceof Blob) : typeof init.body);
        return window.__plainFetch(url, init); }; }''')
    c = CrmClient(CRM, transport=FetchTransport())
    await c.login("anna", "anna123", device="held bytes test")
    seen = []
    states = [await c.upload(source, name, kind, progress=lambda done, total: seen.append(done))
              for source, name, kind in ((attachment, "dati.bin", "application/octet-stream"),
                                         (eml, "held.eml", "message/rfc822"))]
    js.eval("window.fetch = window.__plainFetch; delete window.__plainFetch")
    return {"types": [type(attachment).__name__, type(eml).__name__],
            "states": [[s.size, s.sha256] for s in states], "eml_in_python": eml_in_python,
            "bodies": sorted(set(str(b) for b in js.window.__bodies.to_py())), "last": seen[-1],
            "uploads": [s.upload for s in states]}
""",
        CRM=crm.url,
    )
    assert result["types"] == ["HeldBytes", "HeldBytes"]
    attachment, eml = result["states"]
    assert attachment == [len(payload), hashlib.sha256(payload).hexdigest()]
    assert eml[1] == result["eml_in_python"]  # the same bytes Python would have decoded
    # start and status are small form posts; every chunk is a FormData holding a Blob slice
    assert "FormData:true" in result["bodies"] and "FormData:false" not in result["bodies"]
    assert result["last"] == eml[0]

    stored = {u["id"]: u for u in httpx.get(f"{crm.url}/_test/uploads", timeout=10).json()}
    for upload_id, (size, digest) in zip(result["uploads"], result["states"], strict=True):
        # complete: the CRM checked size and SHA-256 of the bytes it received when the last chunk came
        upload = stored[upload_id]
        found = (upload["complete"], upload["size"], upload["sha256"], upload["bytes_on_disk"])
        assert found == (1, size, digest, size)


def test_other_tasks_run_between_the_slices_of_a_decode(harness: PyodideHarness) -> None:
    """While one file is decoded, the answers of the one being uploaded (fetch's tasks) are not held back:
    a task queued before the decode starts runs before it ends (scheduler.yield's continuations would
    run ahead of it, leaving the upload waiting for the whole decode)."""
    text = base64.b64encode(pattern(12 * SLICE)).decode()
    order = harness.page.evaluate(
        """async (text) => {
          await MailConnectorBytes.fromBase64({ content: "QUJD" }, "content");  // the hash library loaded
          const order = [];
          const other = new MessageChannel();
          other.port1.onmessage = () => order.push("other task");
          other.port2.postMessage(0);  // queued now, before the decode's first slice
          const held = await MailConnectorBytes.fromBase64({ content: text }, "content");
          order.push(`decoded ${held.size}`);
          return order;
        }""",
        text,
    )
    assert order == ["other task", f"decoded {12 * SLICE}"]
