"""Demo data for thread memory: the original offer of the mini Outlook's "Re: Offerta 2024-117 con
allegati", already filed in the CRM by a colleague.

What a demo user expects from a team CRM: Marco (Anna's sales rep) filed Laura Bianchi's offer
under her Lead when it arrived; Anna opens her reply to it and the pane suggests that Lead first
("Earlier mails of this conversation are linked here: 1, last by Marco Bianchi ..."), while the
offer itself shows as already in the CRM. `python -m server demo` files it once, through the
CRM's own REST API exactly as the add-in stores a mail (each attachment and the .eml uploaded,
one `mclink`), so the stored copy is whole: linking the offer elsewhere later reuses it.

The mail is read with Python's `email` package the way Outlook presents it (the rules of
tests/sim/expected.py, which the simulated host is tested against): the body parts are
`get_body()`'s choices, every other leaf is an attachment.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
OFFER = ROOT / "tests" / "fixtures" / "eml" / "several-attachments.eml"
FILED_BY = ("marco", "marco123")
LEAD = "2x5"  # Laura Bianchi, Marco's Lead (seed.py)


def _leaves(part: EmailMessage) -> list[EmailMessage]:
    if part.get_content_maintype() == "multipart":
        return [leaf for child in part.iter_parts() if isinstance(child, EmailMessage) for leaf in _leaves(child)]
    return [part]


def _people(message: EmailMessage, header: str) -> list[dict[str, str]]:
    value: Any = message[header]
    return [{"name": a.display_name, "address": a.addr_spec} for a in value.addresses] if value else []


def _files(message: EmailMessage, bodies: tuple[object, ...]) -> list[tuple[dict[str, Any], bytes]]:
    files = []
    for part in _leaves(message):
        if part in bodies:
            continue
        content_type = part.get_content_type()
        content_id = str(part["content-id"]).strip().strip("<>") if part["content-id"] else ""
        if content_type == "text/calendar":  # Outlook hands calendar items over as text
            data = str(part.get_content()).encode("utf-8")
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        files.append(({"filename": part.get_filename() or "attachment", "content_type": content_type,
                       "inline": bool(content_id) and part.get_content_disposition() != "attachment",
                       "content_id": content_id}, data))
    return files


class _Crm:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.auth: tuple[str, str] | None = None

    def call(self, operation: str, **params: str) -> Any:
        r = httpx.post(f"{self.url}/restapi/v1/vtews/{operation}", data=params, auth=self.auth, timeout=60)
        body = r.json()
        if r.status_code != 200 or body.get("status") != 200:
            raise RuntimeError(f"{operation}: {body.get('message') or r.text[:200]}")
        return body["data"]

    def upload(self, data: bytes, filename: str, content_type: str) -> str:
        start = self.call("mcupload", action="start", filename=filename, content_type=content_type,
                          size=str(len(data)), sha256=hashlib.sha256(data).hexdigest())
        upload, step = str(start["upload"]), int(start["chunk_bytes"])
        for offset in range(0, len(data), step):
            r = httpx.post(f"{self.url}/restapi/v1/vtews/mcupload", auth=self.auth, timeout=60,
                           data={"action": "chunk", "upload": upload, "offset": str(offset)},
                           files={"data": ("chunk", data[offset:offset + step], "application/octet-stream")})
            r.raise_for_status()
        return upload


def file_original_offer(crm_url: str, path: Path = OFFER) -> bool:
    """File the offer under Laura Bianchi's Lead as Marco, unless it is stored already. True when filed now."""
    raw = path.read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    messageid = str(message["message-id"]).strip()
    crm = _Crm(crm_url)
    login = crm.call("mclogin", username=FILED_BY[0], password=FILED_BY[1], device="demo data")
    crm.auth = (FILED_BY[0], login["token"])
    try:
        if crm.call("mclookup", messageid=messageid)["links"]:
            return False
        html, text = message.get_body(preferencelist=("html",)), message.get_body(preferencelist=("plain",))
        attachments = []
        for meta, data in _files(message, (html, text)):
            upload = crm.upload(data, meta["filename"], meta["content_type"])
            attachments.append({**meta, "upload": upload, "size": len(data),
                                "sha256": hashlib.sha256(data).hexdigest()})
        sender = _people(message, "from")
        date: Any = message["date"]
        stored = {
            "subject": str(message["subject"]), "from": sender[0] if sender else {"name": "", "address": ""},
            "to": _people(message, "to"), "cc": _people(message, "cc"),
            "body_html": str(html.get_content()) if html is not None else "",
            "body_text": str(text.get_content()) if text is not None else "",
            "date": date.datetime.isoformat(), "messageid": messageid,
        }
        eml = crm.upload(raw, f"{stored['subject']}.eml", "message/rfc822")
        crm.call("mclink", target=LEAD, message=json.dumps(stored), attachments=json.dumps(attachments), eml=eml)
        return True
    finally:
        crm.call("mclogout")
