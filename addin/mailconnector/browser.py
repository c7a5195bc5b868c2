"""The pane's one door to the browser: PyScript's API, and the two names it does not offer.

Every module that touches the page, Office.js or `fetch` takes its names from here:

- `window`, `document`: `pyscript.window` / `pyscript.document` (on the main thread PyScript gives
  Pyodide's `js` module and `js.document`);
- `create_proxy`, `to_js`: `pyscript.ffi` (its `to_js` turns dicts into plain JS objects by default);
- `create_once_callable`, `JsException`: Pyodide's own (`pyodide.ffi`): `pyscript.ffi` 0.7.31 has no
  one-shot callback (Office's async callbacks) and no exception type for a rejected JS promise.

Why not `from pyscript import document` at the top of each module: the build imports every module of
the package into Pyodide's memory snapshot (server/snapshot.py), where PyScript has not run yet (it
writes and imports its `pyscript` package on every start, after restoring the interpreter), and no
module may hold a JS object at snapshot time. So the names below are looked up in `pyscript` on first
use, which is always after PyScript started the page's script. Under CPython (unit tests) the module
imports too; only using a browser name there fails.

Without PyScript (the benchmark's previous route, bench/pages/own-loader.mjs, and README "Without
PyScript") there is no `pyscript` package: the same names then come from Pyodide itself (`js`,
`js.document`, `pyodide.ffi`), which is what PyScript gives on the main thread anyway.

Not used, and why: `pyscript.web` (and `pyscript.when`, whose first use imports it) would add its
import to every start: a fresh `import pyscript.web` right after PyScript's start measured 13-18 ms on
a quiet moment and 300 ms or more while the shared 2-core machine ran at load 10 (bench/FAST-BOOT.md);
it wraps elements but has no patcher (re-rendering through it replaces elements and loses the focus
and caret while the user types; patching through it is the same DOM calls plus a wrapper per node);
and its element constructors insert strings as HTML, which mail text must never be. ui/view.py keeps
its own small patcher and delegated listeners. `pyscript.storage` is IndexedDB behind an await before
the first screen, while Office documents `localStorage` for an add-in's own state: ui/token_store.py
keeps it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

IN_BROWSER = sys.platform == "emscripten"

if IN_BROWSER:
    from pyodide.ffi import JsException  # a Python class: fine in the snapshot
else:

    class JsException(Exception):  # type: ignore[no-redef]
        """Stand-in under CPython, where no JS promise can reject."""


class _Late:
    """`pyscript.<name>`, resolved on first use and kept (attribute reads and writes go to it)."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _target(self) -> Any:
        target = self.__dict__.get("_value")
        if target is None:
            target = getattr(_pyscript_or_pyodide(), self._name)
            object.__setattr__(self, "_value", target)
        return target

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._target(), attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        setattr(self._target(), attr, value)


def _pyscript_or_pyodide() -> Any:
    """`pyscript` as PyScript imported it before running the page's script, or without PyScript a
    stand-in with the same two names from Pyodide's `js`. (Looked up in sys.modules, not imported: the
    build ships PyScript's byte code under ./pyscript/__pycache__, which alone would import as an empty
    namespace package.)"""
    module = sys.modules.get("pyscript")
    if module is not None:
        return module
    js = importlib.import_module("js")
    return type("NoPyScript", (), {"window": js, "document": js.document})


def _ffi() -> Any:
    return sys.modules.get("pyscript.ffi") or importlib.import_module("pyodide.ffi")


window: Any = _Late("window")
document: Any = _Late("document")


def create_proxy(func: Callable[..., Any]) -> Any:
    """A JS function calling `func` until destroyed (event listeners kept for the pane's life)."""
    return _ffi().create_proxy(func)


def to_js(value: Any, **options: Any) -> Any:
    """Python → JS (bytes become a Uint8Array, dicts plain objects, as `pyscript.ffi.to_js` does)."""
    if "dict_converter" not in options:
        options["dict_converter"] = window.Object.fromEntries
    return _ffi().to_js(value, **options)


_page_modules: dict[str, Any] = {}  # filled on first use: no JS object may exist at snapshot time


def page_module(name: str, source: str) -> Any:
    """The global a page module of the pane defines (`MailConnectorPage` from addin/page.mjs, ...),
    looked up once, with a clear error where the page did not load it (index.html and the test
    harness do)."""
    module = _page_modules.get(name)
    if module is None:
        module = getattr(window, name, None) if IN_BROWSER else None
        if module is None:
            raise RuntimeError(f"{name} ({source}) is not loaded in this page")
        _page_modules[name] = module
    return module


def create_once_callable(func: Callable[..., Any]) -> Any:
    """A JS function that calls `func` once and then frees itself (Office's async callbacks)."""
    from pyodide.ffi import create_once_callable as make

    return make(func)


__all__ = [
    "IN_BROWSER", "JsException", "create_once_callable", "create_proxy", "document", "page_module", "to_js", "window",
]
