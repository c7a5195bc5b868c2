"""The device token in this browser's localStorage, and nowhere else (never in Office's roaming
settings, which follow the user to other machines).

localStorage (through PyScript's `window`), not `pyscript.storage`: Office documents localStorage for an
add-in's own state (partitioned by the host), and it reads synchronously while the first screen is
chosen; `pyscript.storage` is IndexedDB behind an await."""

from __future__ import annotations

import contextlib
import json

from mailconnector.browser import window
from mailconnector.core.ports import StoredSession

TOKEN_KEY = "mailconnector.session"  # noqa: S105 - a storage key, not a secret


def _text(value: object) -> str:
    if value is None or type(value).__name__ in ("JsNull", "JsUndefined"):
        return ""
    return str(value)


class LocalTokenStore:
    """The device token in this browser's localStorage: nowhere else (not in roaming settings)."""

    def load(self) -> StoredSession | None:
        try:
            raw = _text(window.localStorage.getItem(TOKEN_KEY))
            data = json.loads(raw) if raw else None
            if not isinstance(data, dict):
                return None
            return StoredSession(url=str(data["url"]), username=str(data["username"]), token=str(data["token"]))
        except Exception:
            return None

    def save(self, session: StoredSession) -> None:
        # storage disabled: the session lasts as long as the pane
        with contextlib.suppress(Exception):
            window.localStorage.setItem(
                TOKEN_KEY, json.dumps({"url": session.url, "username": session.username, "token": session.token})
            )

    def clear(self) -> None:
        with contextlib.suppress(Exception):
            window.localStorage.removeItem(TOKEN_KEY)
