"""The pane boots from the add-in's own server: frame first, then PyScript runs the page's Python on the
snapshot interpreter, with pydantic and httpx."""

from __future__ import annotations

import re

import pytest

from tests.browser.pane import PaneDriver

pytestmark = pytest.mark.browser


def test_pane_boots_to_ready_with_no_external_request_and_no_error(pane: PaneDriver) -> None:
    pane.open()
    # The frame (skeleton) is there before Python runs.
    assert pane.page.locator("#app .mail-header").is_visible()
    pane.wait_ready()
    # Ready means accepting input: a first-time user is asked for the CRM address, caret in the field.
    assert pane.page.locator("#app").get_attribute("data-screen") == "connect"
    assert pane.page.evaluate("document.activeElement.id") == "mc-url"
    assert pane.page.evaluate("performance.getEntriesByName('mc:ready').length") == 1
    assert pane.page.locator("#pane-footer").inner_text().startswith("Mail Connector ")
    assert pane.external_requests() == []
    # PyScript ran the page's <script type="py">: its own events, in order, once each.
    assert pane.pyscript_events() == [{"type": "py:ready", "script": "py"}, {"type": "py:done", "script": "py"}]
    # PyScript's core came from our server, with its config inlined in the page (no config request, no
    # TOML parser), and the plugins the pane switches off in pyscript.toml were not even imported.
    assert any(url.endswith("/pyscript/core.js") for url in pane.requests)
    assert not [url for url in pane.requests if re.search(r"/pyscript\.[0-9a-f]+\.(json|toml)$|/toml-", url)]
    unused = ("py-editor", "py-terminal", "py-game", "donkey", "deprecations-manager", "codemirror", "xterm")
    assert not [url for url in pane.requests if "/pyscript/" in url and url.rsplit("/", 1)[1].startswith(unused)]
    # boot.js starts the loader early and PyScript imports the same module: one loader, one snapshot read.
    assert sum(url.endswith("/boot/snapshot.bin") for url in pane.requests) == 1
    assert sum(url.endswith("/boot/boot.mjs") for url in pane.requests) == 1
    # The interpreter and the Python state (pydantic, httpx and the pane's package, imported at build
    # time into the boot snapshot; pydantic-core's extension module from our wheel) came from our server.
    for needle in ("/pyodide/pyodide.asm.wasm", "/boot/snapshot.bin", "/boot/pydantic_core.wasm",
                   "/boot/files.bin"):
        assert any(needle in url for url in pane.requests), needle
    assert pane.console_errors == []
    assert pane.page_errors == []
    assert pane.csp_violations() == []


def test_webview_without_webassembly_gets_a_readable_explanation(pane: PaneDriver) -> None:
    pane.page.add_init_script("delete window.WebAssembly;")
    pane.open()
    box = pane.page.locator("#unsupported")
    box.wait_for(state="visible")
    assert "cannot run Mail Connector" in box.locator("h1").inner_text()
    assert "WebAssembly" in box.locator("p").inner_text()
    assert pane.page.locator("#app").is_hidden()
    # PyScript was never started (the head's preloads may download its core, nothing runs it): none of its
    # events, none of the chunks its core imports when it runs, no interpreter, no snapshot.
    assert pane.pyscript_events() == []
    assert not any(
        name in url for url in pane.requests for name in ("/pyscript/error-", "pyodide.asm.wasm", "/snapshot.bin")
    )
