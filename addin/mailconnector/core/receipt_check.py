"""The receipt, checked against what was sent: every SHA-256 the CRM reports (each attachment, the
original .eml, the HTML and plain-text bodies) with the digest of what the pane sent, and the link
the CRM gives for the record, shown only when it is a web address of the CRM itself.

Pure: digests of files arrive as hex strings (computed where the bytes are, in the browser or the
upload), the bodies are text the pane already holds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from mailconnector.core.state import StoredFile
from mailconnector.models import Receipt

PART_EML = "receipt.part.eml"
PART_BODY_HTML = "receipt.part.body_html"
PART_BODY_TEXT = "receipt.part.body_text"


@dataclass(frozen=True)
class SentContent:
    """What one link sent: each uploaded file (name, size, SHA-256), the .eml if any, the bodies."""

    files: tuple[StoredFile, ...] = ()
    eml: StoredFile | None = None
    body_html: str = ""
    body_text: str = ""


@dataclass(frozen=True)
class Verification:
    verified: bool  # every digest the receipt carries equals what was sent, none missing
    files: tuple[str, ...] = ()  # names of sent files the CRM does not hold byte for byte
    parts: tuple[str, ...] = ()  # translation keys of other parts that differ (the .eml, a body)


def text_digest(text: str) -> tuple[int, str]:
    data = text.encode("utf-8")
    return len(data), hashlib.sha256(data).hexdigest()


def verify(receipt: Receipt, sent: SentContent, *, created: bool) -> Verification:
    """A relink (`created` false) finds the message stored earlier: its files may be more than this
    run sent and its .eml was written by an earlier read, so only the files this run sent are compared."""
    files = _mismatched_files(sent.files, receipt)
    parts: list[str] = []
    complete = all(f.sha256 for f in sent.files) and all(a.sha256 for a in receipt.attachments)
    if created:
        if sent.eml is not None:
            eml = receipt.eml
            if eml is None or (eml.size, eml.sha256) != (sent.eml.size, sent.eml.sha256):
                parts.append(PART_EML)
        for key, text, size, digest in (
            (PART_BODY_HTML, sent.body_html, receipt.body_html_bytes, receipt.body_html_sha256),
            (PART_BODY_TEXT, sent.body_text, receipt.body_text_bytes, receipt.body_text_sha256),
        ):
            if not digest:
                complete = False  # a CRM that reports no digest has not been checked
                if size != len(text.encode("utf-8")):
                    parts.append(key)
            elif (size, digest) != text_digest(text):
                parts.append(key)
    return Verification(verified=complete and not files and not parts, files=files, parts=tuple(parts))


def _mismatched_files(sent: tuple[StoredFile, ...], receipt: Receipt) -> tuple[str, ...]:
    """Names of sent files the CRM does not hold with the same name, size and SHA-256."""
    remaining = [(a.filename, a.size, a.sha256) for a in receipt.attachments]
    missing = []
    for file in sent:
        key = (file.name, file.size, file.sha256)
        if key in remaining:
            remaining.remove(key)
        else:
            missing.append(file.name)
    return tuple(missing)


# --- the record's link --------------------------------------------------------------------------------------

LINK_SCHEME = "receipt.no_link.scheme"
LINK_ORIGIN = "receipt.no_link.origin"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def checked_record_url(url: str, base: str) -> tuple[str, str]:
    """(the URL to offer, "") when `url` is an http(s) address on the origin the CRM was reached at;
    ("", why not) otherwise. A CRM that is compromised or misconfigured must not be able to put a
    `javascript:` address or another site behind "Open record in CRM"."""
    if any(ch.isspace() or ord(ch) < 0x20 or ch in "\\\x7f" for ch in url):
        return "", LINK_SCHEME  # browsers repair these in ways urlsplit does not: never guess
    origin = _origin(url)
    if origin is None:
        return "", LINK_SCHEME
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None or origin != _origin(base):
        return "", LINK_ORIGIN
    return url, ""
