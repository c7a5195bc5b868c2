"""The device token in this browser's localStorage, and nowhere else (never in Office's roaming
settings, which follow the user to other machines).

localStorage (through PyScript's `window`), not `pyscript.storage`: Office documents localStorage for an
add-in's own state (partitioned by the host), and it reads synchronously while the first screen is
chosen; `pyscript.storage` is IndexedDB behind an await."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from mailconnector.browser import window
from mailconnector.core.ports import StoredSession
from mailconnector.crm.errors import UrlError
from mailconnector.crm.urls import normalise_crm_url

TOKEN_PREFIX = "mailconnector.session|"  # noqa: S105 - a storage key, not a secret


def session_key(crm_url: str, *, partition: str = "", mailbox: str = "") -> str | None:
    """The localStorage key of one session: Office's partition key first (learn.microsoft.com "Persist add-in
    state and settings": prefix keys with `Office.context.partitionKey` where it is defined), then the
    mailbox and the CRM, so that two mailboxes of one Outlook profile (classic Outlook for Windows shares
    storage per origin across add-in instances) never share a session. None for an address that is no CRM."""
    try:
        base = normalise_crm_url(crm_url).base
    except UrlError:
        return None
    return f"{partition}{TOKEN_PREFIX}{mailbox.strip().lower()}|{base}"


def _text(value: object) -> str:
    if value is None or type(value).__name__ in ("JsNull", "JsUndefined"):
        return ""
    return str(value)


class LocalTokenStore:
    """The device token in this browser's localStorage: nowhere else (not in roaming settings). A token that
    is missing, unreadable or purged by the browser just means: sign in again."""

    def __init__(self, *, partition: str = "", mailbox: str = "", storage: Any = None) -> None:
        self.partition = partition
        self.mailbox = mailbox
        self._storage = storage
        self._key: str | None = None

    def _store(self) -> Any:
        return self._storage if self._storage is not None else window.localStorage

    def load(self, url: str) -> StoredSession | None:
        key = session_key(url, partition=self.partition, mailbox=self.mailbox)
        if key is None:
            return None
        self._key = key
        try:
            raw = _text(self._store().getItem(key))
            data = json.loads(raw) if raw else None
            if not isinstance(data, dict):
                return None
            return StoredSession(url=str(data["url"]), username=str(data["username"]), token=str(data["token"]))
        except Exception:
            return None

    def save(self, session: StoredSession) -> None:
        key = session_key(session.url, partition=self.partition, mailbox=self.mailbox)
        if key is None:
            return
        self._key = key
        # storage disabled: the session lasts as long as the pane
        with contextlib.suppress(Exception):
            self._store().setItem(
                key, json.dumps({"url": session.url, "username": session.username, "token": session.token})
            )

    def clear(self) -> None:
        if self._key is None:
            return
        with contextlib.suppress(Exception):
            self._store().removeItem(self._key)
