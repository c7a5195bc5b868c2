"""The DOM side of the pane: turns each new state into the page, and page events into intents.

`screens` describes what to show (a `vdom` tree); this module compares it with the last one and has
the page patched to match, position by position, so that fields keep their focus and caret while the
user types. Strings only ever become text nodes. Events are delegated: five listeners on `#app` for
the whole life of the pane, whatever is rendered, so no JS callback is ever leaked by re-rendering.

The page is reached through PyScript's `document` and `pyscript.ffi.create_proxy` (mailconnector.browser);
the changes of a render are applied by `addin/page.mjs` in one call, sent as JSON.
`pyscript.web` is not used: it has no patcher (re-rendering through it would replace the fields the user
is typing in, losing focus and caret; patching through it is these same DOM calls plus a wrapper per
node), its element constructors insert strings as HTML, and its import would be on every start
(measured in mailconnector/browser.py). `pyscript.when` is not used for the listeners for the same
import, and because it binds to the elements present when it runs while this view replaces them.
"""

from __future__ import annotations

import asyncio
import json
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from mailconnector.browser import create_proxy, document, page_module, window
from mailconnector.core.app import App
from mailconnector.core.state import AppState
from mailconnector.ui import clipboard, screens
from mailconnector.ui.i18n import Translator
from mailconnector.ui.vdom import AttrValue, El, Node

# Trees are built fresh by `screens` (no cycles to look for) and only page.mjs reads the text: no spaces.
_encode = json.JSONEncoder(check_circular=False, separators=(",", ":")).encode


def _js(value: Any) -> Any:
    """JS null (a JsNull object in Pyodide) and undefined as None."""
    return None if value is None or type(value).__name__ in ("JsNull", "JsUndefined") else value


Path = tuple[int, ...]
# One change, as page.mjs's `patch` applies it (positions from the patched parent).
Change = (
    tuple[Literal["append", "replace"], Path, Node]
    | tuple[Literal["text"], Path, str]
    | tuple[Literal["set"], Path, str, AttrValue]
    | tuple[Literal["unset"], Path, str]
    | tuple[Literal["trim"], Path, int]
)


def patch_children(parent: Any, old: tuple[Node, ...], new: tuple[Node, ...]) -> None:
    """Makes `parent`'s children, which are `old`'s in order (the view alone writes below `#app`), those
    of `new`: elements are patched in place (fields keep their focus and caret), in one call."""
    changes: list[Change] = []
    changes_of_children((), old, new, changes)
    if changes:
        # One call into JavaScript: walking the page from here cost a crossing per element read or
        # written, and a proxy per element read (25 hits: 3.0 ms a DOM call at a time, 1.0-2.8 ms with
        # bound DOM functions, before page.mjs).
        page_module("MailConnectorPage", "addin/page.mjs").patch(parent, _encode(changes))


def changes_of_children(path: Path, old: tuple[Node, ...], new: tuple[Node, ...], changes: list[Change]) -> None:
    """What turns the children `old` of the node at `path` into `new`, in the order page.mjs applies it:
    each path is valid when its change is applied (replacing keeps positions, appends and the final trim
    only touch positions past those patched)."""
    for index, wanted in enumerate(new):
        if index >= len(old):
            changes.append(("append", path, wanted))
            continue
        before = old[index]
        if before is wanted or before == wanted:
            continue
        at = (*path, index)
        if isinstance(wanted, str) and isinstance(before, str):
            changes.append(("text", at, wanted))
        elif isinstance(wanted, str) or isinstance(before, str) or before.tag != wanted.tag or before.key != wanted.key:
            changes.append(("replace", at, wanted))
        else:
            changes_of_element(at, before, wanted, changes)
    if len(old) > len(new):
        changes.append(("trim", path, len(new)))


def changes_of_element(path: Path, old: El, new: El, changes: list[Change]) -> None:
    if old.attrs != new.attrs:
        before = dict(old.attrs)
        after = dict(new.attrs)
        changes.extend(("unset", path, name) for name in before.keys() - after.keys())
        changes.extend(("set", path, name, value) for name, value in after.items() if before.get(name) != value)
    if old.children is not new.children and old.children != new.children:
        changes_of_children(path, old.children, new.children, changes)


# --- focus: where the keyboard lands when the screen changes ------------------------------------------------------
_FOCUS = {
    "password": ("#mc-password",),
    "otp": ("#mc-code",),
    "gate": ("#mc-gate-title",),
    "preflight": ("[data-action='link']:not([disabled])", ".title"),
    "linking": (".title",),
    "receipt": (".receipt-title .title",),
    "record": ("#mc-query:not([disabled])",),
    "unlink": ("[data-action='unlink-confirm']:not([disabled])", ".title"),
    "doctor": (".title",),
    "create": ("[data-create-field]:not([disabled])", ".title"),
}


class View:
    """Renders an App into `#app` and forwards the user's actions to it."""

    def __init__(self, app: App, translator: Translator, version: str) -> None:
        self.app = app
        self.t = translator
        self.version = version
        self.root = document.getElementById("app")
        self._tree: tuple[Node, ...] | None = None
        self._screen: str | None = None  # what #app's data-screen says
        self._focus_key: tuple[str, bool] | None = None
        self._problem_key: object = None
        self._focus_pending = False
        self._proxies: list[Any] = []
        # Opens a link in the user's browser where the host can (desktop Outlook); False: the <a> opens it.
        self.open_external: Callable[[str], bool] | None = None
        self._copies: set[asyncio.Future[None]] = set()

    # --- rendering ----------------------------------------------------------------------------------------
    def mount(self) -> None:
        """Take over `#app`: drop the painted skeleton, listen to events, render the current state."""
        self._listen()
        document.documentElement.setAttribute("lang", self.t.locale.tag)
        self.root.replaceChildren()
        self._tree = ()
        self.app.subscribe(self.render)
        self.render(self.app.state)

    def render(self, state: AppState) -> None:
        try:
            tree = screens.pane(state, self.t, datetime.now().astimezone(), self.version)
            patch_children(self.root, self._tree or (), tree)
            self._tree = tree
            if state.screen != self._screen:
                # set again with the same value, it is still a crossing and a mutation for every observer
                self.root.setAttribute("data-screen", state.screen)
                self._screen = state.screen
            self._move_focus(state)
        except Exception:
            traceback.print_exc(file=sys.stderr)  # a rendering bug must show in the console, not kill the pane

    def _move_focus(self, state: AppState) -> None:
        key = (state.screen, state.reauth is not None)
        problem = (state.connect.problem, state.reauth.problem if state.reauth else None)
        if key != self._focus_key:
            self._focus_key = key
            self._problem_key = problem
            self._focus_pending = not self._focus_first(state)
            return
        if self._focus_pending:
            # the screen's first field may appear a moment later (modules still loading): keep trying
            # until it does, unless the user has put the focus somewhere themselves meanwhile
            active = _js(document.activeElement)
            if active is None or active.isSameNode(document.body) or not self.root.contains(active):
                self._focus_pending = not self._focus_first(state)
            else:
                self._focus_pending = False
            return
        if problem != self._problem_key:
            self._problem_key = problem
            # a refused password or code: clear it and put the caret back for the next attempt
            if any(p is not None for p in problem):
                for selector in ("#mc-password", "#mc-code", "#mc-reauth-password", "#mc-reauth-code"):
                    field = _js(self.root.querySelector(selector))
                    if field is not None:
                        field.value = ""
                        field.focus()
                        break

    def _focus_first(self, state: AppState) -> bool:
        if state.reauth is not None:
            return self._focus("#mc-reauth-password", "#mc-reauth-code")
        if state.screen == "connect":
            url = _js(document.getElementById("mc-url"))
            user = _js(document.getElementById("mc-username"))
            if url is not None and not url.value:
                url.focus()
                return True
            if user is not None and not user.value:
                user.focus()
                return True
            return self._focus("button[type='submit']")
        return self._focus(*_FOCUS.get(state.screen, ()))

    def _focus(self, *selectors: str) -> bool:
        for selector in selectors:
            target = _js(self.root.querySelector(selector))
            if target is not None:
                target.focus()
                return True
        return False

    # --- events -------------------------------------------------------------------------------------------------
    def _listen(self) -> None:
        handlers: dict[str, Callable[[Any], None]] = {
            "click": self._on_click,
            "submit": self._on_submit,
            "input": self._on_input,
            "change": self._on_change,
            "keydown": self._on_keydown,
        }
        for event, handler in handlers.items():
            proxy = create_proxy(_safely(handler))
            self._proxies.append(proxy)  # kept for the life of the pane
            self.root.addEventListener(event, proxy)

    def _on_click(self, event: Any) -> None:
        link = _js(event.target.closest("a[target='_blank'][href]"))
        if link is not None and self.open_external is not None and self.open_external(str(link.href)):
            event.preventDefault()  # the host opened it in the user's browser (Office's openBrowserWindow)
            return
        target = _js(event.target.closest("[data-action]"))
        if target is None or target.hasAttribute("disabled"):
            return
        action = str(target.getAttribute("data-action"))
        found = _js(target.getAttribute("data-id"))
        item = str(found) if found is not None else ""
        app = self.app
        simple: dict[str, Callable[[], None]] = {
            "back-to-address": app.signin.back_to_address,
            "retry-gate": app.retry_gate,
            "logout": app.signin.logout,
            "link": app.link,
            "back-to-record": app.back_to_record,
            "link-again": app.link_again,
            "cancel-reauth": app.reauth.cancel,
            "dismiss-problem": app.dismiss_problem,
            "unlink-receipt": app.unlink.from_receipt,
            "unlink-confirm": app.unlink.confirm,
            "unlink-cancel": app.unlink.cancel,
            "unlink-elsewhere": app.unlink.link_elsewhere,
            "doctor-open": app.doctor.open,
            "doctor-again": app.doctor.rerun,
            "doctor-back": app.doctor.close,
            "doctor-copy": self._copy_report,
            "create-cancel": app.creator.cancel,
            "create-use-existing": app.creator.use_existing,
        }
        if action in simple:
            simple[action]()
        elif action == "pick-suggestion":
            app.pick_suggestion(item)
        elif action == "pick-record":
            app.pick_record(item)
        elif action == "unlink-link":
            app.unlink.from_banner(item)
        elif action == "link-thread":
            app.link_to_thread(item)
        elif action == "create-record":
            app.creator.open(item)
        elif action == "dismiss-notice" and item.isdigit():
            app.dismiss_notice(int(item))

    def _copy_report(self) -> None:
        field = _js(self.root.querySelector("#mc-report"))
        if field is None:
            return

        async def copy() -> None:
            self.app.doctor.copied(await clipboard.copy_text(str(field.value), field))

        self._copies.add(task := asyncio.ensure_future(copy()))
        task.add_done_callback(self._copies.discard)

    def _on_submit(self, event: Any) -> None:
        event.preventDefault()  # nothing is ever posted by the browser (CSP form-action 'none')
        form = event.target
        name = str(_js(form.getAttribute("data-form")) or "")

        def value(field: str) -> str:
            element = _js(form.elements.namedItem(field))
            return str(element.value) if element is not None else ""

        if name == "connect":
            self.app.signin.submit_address(value("url"), value("username"))
        elif name == "password":
            self.app.signin.submit_password(value("password"))
        elif name == "otp":
            self.app.signin.submit_code(value("code"))
        elif name == "reauth":
            self.app.reauth.submit(value("password"), value("code"))
        elif name == "search" and not self.app.search_now():  # Enter: search at once, else to the hits
            self._focus("#mc-results .record")
        elif name == "create":
            self.app.creator.submit(_create_values(form))

    def _on_input(self, event: Any) -> None:
        target = event.target
        name = _js(target.getAttribute("data-input"))
        if name == "url":
            self.app.signin.edit_address(str(target.value))
        elif name == "username":
            self.app.signin.edit_username(str(target.value))
        elif name == "query":
            self.app.type_query(str(target.value), since_keystroke=_age_seconds(event))

    def _on_change(self, event: Any) -> None:
        target = event.target
        if _js(target.getAttribute("data-change")) == "module":
            self.app.choose_module(str(target.value))

    def _on_keydown(self, event: Any) -> None:
        """Arrow keys move between the search field and the records (one Tab stop per list)."""
        key = str(event.key)
        if key not in ("ArrowDown", "ArrowUp"):
            return
        active = _js(document.activeElement)
        records = list(self.root.querySelectorAll(".records .record"))
        if active is not None and str(active.id) == "mc-query" and key == "ArrowDown":
            results = list(self.root.querySelectorAll("#mc-results .record"))
            if results:
                event.preventDefault()
                results[0].focus()
            return
        for index, record in enumerate(records):
            if record.isSameNode(active):
                event.preventDefault()
                step = 1 if key == "ArrowDown" else -1
                if 0 <= index + step < len(records):
                    records[index + step].focus()
                elif step < 0:
                    self._focus("#mc-query")
                return


# A keystroke reaches Python within a few ms; an older timeStamp is not believed (it would cut the debounce).
_MOST_BELIEVED_AGE = 0.05


def _age_seconds(event: Any) -> float:
    """How long ago the browser made `event` (its `timeStamp` is on the clock of `performance.now()`):
    the search's debounce counts from the keystroke, not from when Python got to handle it."""
    age = (float(window.performance.now()) - float(event.timeStamp)) / 1000
    return min(max(0.0, age), _MOST_BELIEVED_AGE)


def _create_values(form: Any) -> dict[str, str]:
    """The "new record" form's fields by name (a checkbox is "1" or "0")."""
    values: dict[str, str] = {}
    for element in form.querySelectorAll("[data-create-field]"):
        name = str(element.getAttribute("data-create-field"))
        values[name] = ("1" if element.checked else "0") if str(element.type) == "checkbox" else str(element.value)
    return values


def _safely(handler: Callable[[Any], None]) -> Callable[[Any], None]:
    def run(event: Any) -> None:
        try:
            handler(event)
        except Exception:
            traceback.print_exc(file=sys.stderr)

    return run
