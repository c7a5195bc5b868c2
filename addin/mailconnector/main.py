"""Browser entry point of the task pane (runs under Pyodide only; index.html calls `start()`).

Wires Office (the mail host), the CRM client (fetch transport), the core `App` and the DOM `View`.
Importing this module imports everything the pane runs, and has no effect on the page: no module
of the package holds a JS object at import time, so that a memory snapshot can be taken after the
imports. JS objects are created in `start()` and later.
"""

from __future__ import annotations

import asyncio
import sys
import traceback
from typing import Any

import js  # the browser's global scope, provided by Pyodide

from mailconnector.core.app import App
from mailconnector.crm import CrmClient
from mailconnector.crm.transport import FetchTransport
from mailconnector.crm.urls import CrmUrl
from mailconnector.ui.i18n import Translator
from mailconnector.ui.office_host import LocalTokenStore, OfficeHost, RoamingPreferences
from mailconnector.ui.view import View
from mailconnector.version import VERSION

_running: dict[str, Any] = {}  # keeps the pane's objects alive (and reachable when debugging)


def make_client(url: CrmUrl) -> CrmClient:
    return CrmClient(url, transport=FetchTransport())


def start() -> None:
    """Called once by index.html: boot in the background, return at once."""
    _running["boot"] = asyncio.ensure_future(_boot())


async def _boot() -> None:
    root = js.document.getElementById("app")
    try:
        host = OfficeHost()
        in_outlook = await host.ready()
        translator = Translator(host.display_language() if in_outlook else str(js.navigator.language))
        _apply_theme(host)
        app = App(
            host=host,
            make_client=make_client,
            preferences=RoamingPreferences(host),
            tokens=LocalTokenStore(),
        )
        view = View(app, translator, VERSION)
        _running.update(host=host, app=app, view=view)
        view.mount()
        mail = await host.read_mail() if in_outlook else None
        app.start(mail)
        root.setAttribute("data-state", "ready")
        root.setAttribute("aria-busy", "false")
        js.performance.mark("mc:ready")
        if in_outlook:
            host.on_item_changed(lambda: _spawn(_item_changed(host, app)))
            host.on_theme_changed(lambda: _apply_theme(host))
    except Exception:
        traceback.print_exc(file=sys.stderr)
        root.setAttribute("data-state", "failed")
        root.setAttribute("aria-busy", "false")


def _spawn(coro: Any) -> None:
    task = asyncio.ensure_future(coro)
    _running.setdefault("tasks", set()).add(task)
    task.add_done_callback(_running["tasks"].discard)


async def _item_changed(host: OfficeHost, app: App) -> None:
    """A pinned pane switched mail. Only the newest switch counts (a burst of clicks shows the last)."""
    generation = _running["item_generation"] = _running.get("item_generation", 0) + 1
    mail = await host.read_mail()
    if generation == _running["item_generation"]:
        app.item_changed(mail)


def _apply_theme(host: OfficeHost) -> None:
    dark = host.dark_theme()
    html = js.document.documentElement
    if dark is None:
        html.removeAttribute("data-theme")
    else:
        html.setAttribute("data-theme", "dark" if dark else "light")
