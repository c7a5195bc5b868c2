"""Browser entry point of the task pane (runs under Pyodide only; index.html calls `start()`).

Importing this module has no effect on the page, and no module of the package holds a JS object
at import time, so that a memory snapshot can be taken after the imports.

For now it proves the self-hosted runtime works: Python, pydantic and httpx are loaded from the
add-in's own server, and the pane leaves its painted skeleton for a "ready" state.
"""

from __future__ import annotations

import sys

import httpx
import js  # the browser's global scope, provided by Pyodide
import pydantic

from mailconnector.version import VERSION


def start() -> None:
    document = js.document
    status = document.getElementById("boot-status")
    # textContent, never innerHTML: text is text.
    status.textContent = (
        f"Ready · Python {sys.version.split()[0]} · pydantic {pydantic.VERSION} · httpx {httpx.__version__}"
    )
    document.getElementById("pane-footer").textContent = f"Mail Connector {VERSION}"
    app = document.getElementById("app")
    app.setAttribute("data-state", "ready")
    app.setAttribute("aria-busy", "false")
    js.performance.mark("mc:ready")

