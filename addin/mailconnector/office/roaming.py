"""Roaming settings: what the pane remembers in Outlook (the CRM's address, the username, the module) and
the limits Outlook sets on them. `office/bridge.py` reads and saves them through Office.js.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from mailconnector.core.ports import Remembered

# 32 KB for all of an add-in's settings together (learn.microsoft.com "Get and set add-in metadata for an
# Outlook add-in": "each add-in is limited to 32 KB"), measured as office.js stores them (JSON).
SETTINGS_LIMIT = 32 * 1024
SETTINGS_KEY = "mailconnector"
_SECRET_KEY = re.compile(r"pass|secret|token|otp|credential|cookie", re.IGNORECASE)


def settings_size(values: Mapping[str, str]) -> int:
    """Bytes of roaming settings as office.js saves them: {name: JSON text of the value}, as JSON."""
    return len(json.dumps({name: json.dumps(value) for name, value in values.items()}).encode("utf-8"))


def refuse_secrets(names: Iterable[str]) -> None:
    """Roaming settings travel with the mailbox and are readable by the add-in anywhere: never secrets."""
    for name in names:
        if _SECRET_KEY.search(name):
            raise ValueError(f"refusing to store {name!r} in roaming settings: they are not for secrets")


class SettingsStore(Protocol):
    """Where roaming settings are read and saved (`OfficeBridge`)."""

    def setting(self, name: str) -> Any: ...

    async def save_settings(self, values: Mapping[str, str | None]) -> None: ...


class RoamingPreferences:
    """The core's Preferences port: CRM address, username and module, as one JSON value."""

    def __init__(self, bridge: SettingsStore) -> None:
        self.bridge = bridge

    def load(self) -> Remembered:
        raw = self.bridge.setting(SETTINGS_KEY)
        try:
            data = json.loads(str(raw)) if raw else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return Remembered(
            url=str(data.get("url", "")), username=str(data.get("username", "")), module=str(data.get("module", ""))
        )

    async def save(self, remembered: Remembered) -> None:
        data = {"url": remembered.url, "username": remembered.username, "module": remembered.module}
        await self.bridge.save_settings({SETTINGS_KEY: json.dumps(data)})
