"""Copying text for the user (the connection check's report): the asynchronous Clipboard API, and,
where the host's frame does not grant it (an Outlook frame may not delegate `clipboard-write`), the
older copy command on the selected report."""

from __future__ import annotations

from typing import Any

from mailconnector.browser import JsException, document, window


async def copy_text(text: str, fallback_field: Any = None) -> bool:
    try:
        await window.navigator.clipboard.writeText(text)
        return True
    except (JsException, AttributeError):
        pass
    if fallback_field is None:
        return False
    fallback_field.focus()
    fallback_field.select()
    try:
        return bool(document.execCommand("copy"))
    except JsException:
        return False
