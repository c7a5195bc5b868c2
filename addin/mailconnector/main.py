"""Browser entry point of the task pane (runs under PyScript only: index.html's <script type="py"> calls
`start()`, and PyScript has imported its `pyscript` package by then).

Wires Office (the bridge), the CRM client (fetch transport), the core `App` and the DOM `View`.
Importing this module imports everything the pane runs, and has no effect on the page: no module
of the package holds a JS object at import time, so that a memory snapshot can be taken after the
imports. JS objects are created in `start()` and later.
"""

from __future__ import annotations

import asyncio
import sys
import traceback
from typing import Any

from mailconnector.browser import document, window
from mailconnector.core.app import App
from mailconnector.crm import CrmClient, held
from mailconnector.crm.probe import FetchProbe
from mailconnector.crm.transport import FetchTransport
from mailconnector.crm.urls import CrmUrl
from mailconnector.office.answers import ItemHandle
from mailconnector.office.bridge import OfficeBridge
from mailconnector.office.errors import OfficeError
from mailconnector.office.roaming import RoamingPreferences
from mailconnector.ui.host_screens import HostProblem, host_screen
from mailconnector.ui.i18n import Translator
from mailconnector.ui.token_store import LocalTokenStore
from mailconnector.ui.view import View, patch_children
from mailconnector.version import VERSION

_running: dict[str, Any] = {}  # keeps the pane's objects and tasks alive (and reachable when debugging)


def make_client(url: CrmUrl) -> CrmClient:
    return CrmClient(url, transport=FetchTransport())


def start() -> None:
    """Called once by index.html: boot in the background, return at once."""
    _spawn(_boot())


async def _boot() -> None:
    root = document.getElementById("app")
    try:
        bridge = OfficeBridge(hold=held)  # the bytes of a mail stay in the browser (crm/held.py)
        started = await bridge.start(on_late=lambda: _show_host_problem("late"))
        if started.state != "outlook":
            _show_host_problem(started.state)
            return
        translator = Translator(bridge.display_language())
        _apply_theme(bridge)
        app = App(host=bridge, make_client=make_client, preferences=RoamingPreferences(bridge),
                  tokens=LocalTokenStore(partition=bridge.partition_key(), mailbox=bridge.mailbox_address()),
                  probe=FetchProbe(), origin=str(window.location.origin))
        view = View(app, translator, VERSION)
        view.open_external = bridge.open_browser_window
        _running.update(bridge=bridge, app=app, view=view)
        view.mount()
        mail = await bridge.read_mail()
        app.start(mail)
        root.setAttribute("data-state", "ready")
        root.setAttribute("aria-busy", "false")
        window.performance.mark("mc:ready")
        await _follow_host(bridge, app, mail)
    except Exception:
        traceback.print_exc(file=sys.stderr)
        root.setAttribute("data-state", "failed")
        root.setAttribute("aria-busy", "false")


async def _follow_host(bridge: OfficeBridge, app: App, shown: Any) -> None:
    """Pinned pane and theme events. A switch made while the pane was starting is caught up with."""
    try:
        await bridge.on_item_changed(lambda handle: _spawn(_item_changed(bridge, app, handle)))
        await bridge.on_theme_changed(lambda _theme: _apply_theme(bridge))
    except OfficeError:
        traceback.print_exc(file=sys.stderr)  # the pane still works for the mail it opened with
    current = bridge.capture(read_body=False)
    if (current is None) != (shown is None) or (current is not None and not bridge.is_current(shown)):
        _spawn(_item_changed(bridge, app, bridge.capture()))


def _show_host_problem(problem: HostProblem) -> None:
    """Outside Outlook, without office.js, or while Outlook is slow: a readable screen, not a skeleton."""
    root = document.getElementById("app")
    translator = Translator(str(window.navigator.language))
    document.documentElement.setAttribute("lang", translator.locale.tag)
    root.replaceChildren()
    patch_children(root, (), tuple(host_screen(problem, translator, VERSION)))
    root.setAttribute("data-screen", f"host-{problem}")
    root.setAttribute("data-state", "host")
    root.setAttribute("aria-busy", "false")


def _spawn(coro: Any) -> None:
    tasks: set[asyncio.Task[Any]] = _running.setdefault("tasks", set())
    task = asyncio.ensure_future(coro)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _item_changed(bridge: OfficeBridge, app: App, handle: ItemHandle | None) -> None:
    """A pinned pane switched mail (captured by the bridge at the event). Only the newest counts."""
    generation = _running["item_generation"] = _running.get("item_generation", 0) + 1
    if handle is None:
        app.item_changed(None)
        return
    try:
        mail = await bridge.complete(handle)
    except OfficeError as error:
        if error.reason == "ITEM_CHANGED":
            return  # yet another mail was selected: its own event follows
        raise
    if generation == _running["item_generation"]:
        app.item_changed(mail)


def _apply_theme(bridge: OfficeBridge) -> None:
    dark = bridge.dark_theme()
    html = document.documentElement
    if dark is None:
        html.removeAttribute("data-theme")
    else:
        html.setAttribute("data-theme", "dark" if dark else "light")
