"""Helpers of the reliability suite: a CRM process that can be killed and restarted on the same port
and database, the CRM's test-mode views and faults, the pane's linking run driven from CPython, and
checks of what the CRM ends up holding."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

from mailconnector.core.decisions import preflight
from mailconnector.core.linking import LinkRun, UploadCache
from mailconnector.core.ports import AttachmentContent, Capability
from mailconnector.core.state import LinkOutcome, LinkProgress, Target
from mailconnector.crm import CrmClient, RetryPolicy
from mailconnector.models import AttachmentInfo, MailSnapshot
from server.crm.otp import totp
from tests.support.faults import FaultsControl
from tests.support.processes import ROOT, ServerProcess, free_port, python_module

T = TypeVar("T")
PASSWORDS = {name: f"{name}123" for name in ("admin", "anna", "marco", "sara", "luca", "giulia")}
GIULIA_SECRET = "JBSWY3DPEHPK3PXP"
FAST_RETRY = RetryPolicy(attempts=3, first_delay=0.05)
ARTIFACTS = ROOT / "test-artifacts" / "reliability"


class Crm(Protocol):
    """What the helpers need of a running CRM (the shared `crm` fixture or a RestartableCrm)."""

    @property
    def url(self) -> str: ...

    @property
    def db_path(self) -> Path: ...

    def endpoint(self, operation: str) -> str: ...

    def admin(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]: ...


# --- a CRM process this suite owns ------------------------------------------------------------------------------
@dataclass
class RestartableCrm:
    """`python -m server.crm serve --test-mode` on a fixed port and database, killable with SIGKILL."""

    tmp: Path
    extra: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    process: ServerProcess | None = None
    kills: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.tmp / "crm.sqlite3"

    def endpoint(self, operation: str) -> str:
        return f"{self.url}/restapi/v1/vtews/{operation}"

    def admin(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            python_module("server.crm", "admin", "--db", str(self.db_path), *args),
            cwd=ROOT, capture_output=True, text=True, check=check, timeout=60,
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.proc.poll() is None

    def start(self) -> None:
        args = python_module("server.crm", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                             "--db", str(self.db_path), "--test-mode", *self.extra)
        process = ServerProcess(args, self.tmp / "crm.log")
        try:
            process.wait_ready(
                lambda: httpx.post(self.endpoint("mcstatus"), timeout=2).status_code == 200, timeout=120
            )
        except Exception:
            process.stop()
            raise
        self.process = process

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, connections in flight are cut, the port is freed."""
        assert self.process is not None and self.alive()
        os.kill(self.process.proc.pid, signal.SIGKILL)
        self.process.proc.wait(10)
        self.process.stop()  # closes the log
        self.kills += 1
        FIGURES["crm_kills"] += 1

    def restart_in_background(self, after: float) -> threading.Thread:
        """Start again (same port, same database) `after` seconds from now, in a thread."""

        def later() -> None:
            threading.Event().wait(after)
            self.start()

        thread = threading.Thread(target=later, name="crm-restart", daemon=True)
        thread.start()
        return thread

    def ensure_running(self) -> None:
        if not self.alive():
            self.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


# --- the CRM's test mode ----------------------------------------------------------------------------------------
_http: httpx.Client | None = None


def http() -> httpx.Client:
    """One client for the test-mode calls (a new httpx client per call costs ~0.1 s of TLS set-up)."""
    global _http
    if _http is None:
        _http = httpx.Client(timeout=30, trust_env=False)
    return _http


def inspect(crm: Crm, what: str, **query: str) -> Any:
    """GET /_test/messages|links|documents|uploads (test mode only)."""
    response = http().get(f"{crm.url}/_test/{what}", params=query)
    response.raise_for_status()
    return response.json()


FAULTS_INJECTED: list[str] = []  # every fault armed by this suite (reported at the end)
FIGURES: Counter[str] = Counter()  # kills, cases generated, duplicates found...


def arm(crm: Crm, operation: str, fault: str, **options: Any) -> None:
    """Arms a fault and checks that the CRM took it."""
    faults(crm).arm(operation, fault, **options)
    FAULTS_INJECTED.append(f"{operation}:{fault}")


def clear_faults(crm: Crm) -> None:
    http().delete(f"{crm.url}/_test/faults").raise_for_status()


def faults(crm: Crm) -> FaultsControl:
    """The CRM's fault injection driven by events (a call held, a fault fired and finished)."""
    return FaultsControl(crm.url, http())


def armed(crm: Crm) -> list[dict[str, Any]]:
    faults: list[dict[str, Any]] = http().get(f"{crm.url}/_test/faults").json()["faults"]
    return faults


def read_db(crm: Crm, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """The CRM's SQLite file, opened read-only (the CRM keeps writing to it meanwhile)."""
    db = sqlite3.connect(f"file:{crm.db_path}?mode=ro", uri=True, timeout=30)
    try:
        return list(db.execute(sql, tuple(params)))
    finally:
        db.close()


# --- clients ---------------------------------------------------------------------------------------------------
def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class BackgroundLoop:
    """An event loop in a thread of its own, so that many hypothesis examples share one signed-in
    client (a sign-in costs a password hash, a new client a TLS context)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="reliability-loop", daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


def unique_message_id(tag: str) -> str:
    return f"<rel-{tag}-{uuid.uuid4().hex}@reliability.invalid>"


def device_name(tag: str = "rel") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}"


async def signed_in(crm: Crm, username: str, *, device: str | None = None, **kwargs: Any) -> CrmClient:
    """A client signed in as a demo user (giulia with her current one-time code)."""
    kwargs.setdefault("retry", FAST_RETRY)
    client = CrmClient(crm.url, **kwargs)
    otp = totp(GIULIA_SECRET).now() if username == "giulia" else None
    await client.login(username, PASSWORDS[username], otp=otp, device=device or device_name(username))
    return client


def revoke_device(crm: Crm, username: str, device: str) -> None:
    listed = json.loads(crm.admin("tokens", "list", "--user", username, "--json").stdout)
    (token,) = [t for t in listed if t["device"] == device and t["state"] == "active"]
    crm.admin("tokens", "revoke", str(token["id"]))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- a mail and the pane's linking run, without the browser -------------------------------------------------------
@dataclass(frozen=True)
class MailFiles:
    """A mail with its attachments' bytes and its original .eml, as Outlook would hand them over."""

    mail: MailSnapshot
    files: Mapping[str, bytes]  # attachment name -> content
    eml: bytes

    def expected_documents(self) -> set[tuple[str, int, str]]:
        """(filename, size, sha256) of every document the CRM must hold for this mail, .eml included."""
        return {(n, len(d), sha(d)) for n, d in self.files.items()} | {
            (eml_name(self.mail.subject), len(self.eml), sha(self.eml))
        }


def eml_name(subject: str) -> str:
    # what the pane names the original message (core.linking._eml_name)
    safe = "".join(ch for ch in subject if ch not in '\\/:*?"<>|\r\n\t').strip()[:120]
    return f"{safe or 'message'}.eml"


def make_mail(message_id: str, files: Mapping[str, bytes], *, subject: str = "Reliability test") -> MailFiles:
    attachments = tuple(
        AttachmentInfo(id=f"att-{i}", name=name, content_type="application/octet-stream", size=len(data))
        for i, (name, data) in enumerate(files.items())
    )
    mail = MailSnapshot.model_validate({
        "item_id": f"item-{uuid.uuid4().hex}",
        "subject": subject,
        "from": {"name": "Mario Rossi", "address": "mario.rossi@example.it"},
        "to": [{"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}],
        "date_sent": datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
        "internet_message_id": message_id,
        "body_html": "<p>Buongiorno, in allegato i file.</p>",
        "body_text": "Buongiorno, in allegato i file.",
        "attachments": attachments,
        "mailbox_user": {"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"},
    })
    eml = f"Message-ID: {message_id}\r\nSubject: {subject}\r\n\r\n".encode() + os.urandom(2048)
    return MailFiles(mail=mail, files=dict(files), eml=eml)


class FakeHost:
    """The core's MailHost port over bytes in memory (Outlook hands attachments over as bytes)."""

    def __init__(self, mail: MailFiles) -> None:
        self.mail = mail
        self._by_id = {a.id: mail.files[a.name] for a in mail.mail.attachments}

    def supports(self, capability: Capability) -> bool:
        return True

    async def attachment(self, mail: MailSnapshot, attachment: AttachmentInfo) -> AttachmentContent:
        return AttachmentContent(source=self._by_id[attachment.id])

    async def eml(self, mail: MailSnapshot) -> bytes:
        return self.mail.eml


# This suite's CRM sends small chunks: a 1 MB file is sixteen `mcupload` chunks, so "mid-upload" is a wide
# window (conftest.py); the link is told so, as the pane is by `mcstatus`.
CHUNK_BYTES = 64 * 1024


def linking_run(
    client: CrmClient,
    mail: MailFiles,
    target: Target,
    *,
    cache: UploadCache | None = None,
    on_progress: Callable[[LinkProgress], None] | None = None,
) -> LinkRun:
    """What the pane runs when the user clicks Link (core.linking.LinkRun), with its own plan."""
    plan = preflight(mail.mail, attachments_supported=True, eml_supported=True, crm=None)
    return LinkRun(
        client, FakeHost(mail), mail.mail, target, plan, base=client.url.base,
        on_progress=on_progress or (lambda _: None), cache=cache if cache is not None else UploadCache(),
        chunk_bytes=CHUNK_BYTES,
    )


MARIO = Target(module="Contacts", module_label="Contact", id="4x3", label="Mario Rossi")
TICKET = Target(module="HelpDesk", module_label="Ticket", id="9x6", label="Printer not working")


# --- what the CRM holds --------------------------------------------------------------------------------------------
def documents_of(crm: Crm, message_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = inspect(crm, "documents", messageid=message_id)
    return rows


def assert_stored_once(crm: Crm, mail: MailFiles, *, links: int = 1) -> dict[str, Any]:
    """Exactly one message for this Message-ID, related `links` times, with every document byte-equal."""
    message_id = mail.mail.effective_message_id()
    messages = inspect(crm, "messages", messageid=message_id)
    relations = inspect(crm, "links", messageid=message_id)
    documents = documents_of(crm, message_id)
    FIGURES["mails_checked_stored_once"] += 1
    FIGURES["duplicates_found"] += max(0, len(messages) - 1) + max(0, len(relations) - links) + max(
        0, len(documents) - len(mail.files) - 1)
    assert len(messages) == 1, messages
    assert len(relations) == links
    assert {(d["filename"], d["filesize"], d["file_sha256"]) for d in documents} == mail.expected_documents()
    assert len(documents) == len(mail.files) + 1, documents  # each once, the .eml included
    assert all(d["stored"] for d in documents)
    message: dict[str, Any] = messages[0]
    return message


def assert_nothing_half_stored(crm: Crm, mail: MailFiles) -> int:
    """Either nothing is visible for this mail, or the whole of it: never a part. Returns 0 or 1."""
    message_id = mail.mail.effective_message_id()
    messages = inspect(crm, "messages", messageid=message_id)
    if not messages:
        assert documents_of(crm, message_id) == [] and inspect(crm, "links", messageid=message_id) == []
        return 0
    assert_stored_once(crm, mail)
    return 1


def assert_receipt_matches(outcome: LinkOutcome, mail: MailFiles) -> None:
    """The pane's own verdict (read back from the CRM) agrees with what was sent."""
    assert outcome.verified, outcome
    assert sorted((f.name, f.size) for f in outcome.files) == sorted((n, len(d)) for n, d in mail.files.items())
    assert outcome.eml_size == len(mail.eml)


async def assert_receipt_byte_equal(client: CrmClient, mail: MailFiles) -> None:
    """mcreceipt, read back from the CRM's storage: every attachment and the .eml with their SHA-256."""
    links = await client.lookup(mail.mail.effective_message_id())
    assert len({link.message for link in links}) == 1, links
    receipt = await client.receipt(links[0].message)
    assert {(a.filename, a.size, a.sha256) for a in receipt.attachments} == {
        (n, len(d), sha(d)) for n, d in mail.files.items()
    }
    assert receipt.eml is not None and (receipt.eml.size, receipt.eml.sha256) == (len(mail.eml), sha(mail.eml))
    body = mail.mail.body_text or ""
    assert (receipt.body_text_bytes, receipt.body_text_sha256) == (len(body.encode()), sha(body.encode()))


def write_artifact(name: str, data: object) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path
