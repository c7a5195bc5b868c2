"""A local HTTP server that serves the simulated host and the fixtures as the lead's server does
(`/dev/office-sim.js`, `/dev/fixtures/<name>`), and a blank page that loads the simulated host."""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
SIM_JS = ROOT / "addin" / "dev" / "office-sim.js"
EML_DIR = ROOT / "tests" / "fixtures" / "eml"

BLANK = """<!doctype html><html><head><meta charset="utf-8">
<script src="/dev/office-sim.js"></script>
<script>
  window.contextBeforeReady = typeof Office.context;
  Office.initialize = function (reason) { window.initializeReason = reason; };
  Office.onReady(function (info) { window.onReadyCallbackInfo = info; });
</script></head><body></body></html>"""

# Callback APIs as promises of plain AsyncResult copies; `sync` tells whether the callback ran
# inside the call (it never should).
HELPERS = """
window.plainResult = function (r) {
  return {
    status: r.status,
    value: r.value === undefined ? null : r.value,
    error: r.error ? { code: r.error.code, name: r.error.name, message: r.error.message } : null,
    asyncContext: r.asyncContext === undefined ? null : r.asyncContext,
    keys: Object.keys(r).sort(),
  };
};
window.officeCall = function (invoke) {
  return new Promise(function (resolve) {
    var inside = true;
    invoke(function (r) { var out = plainResult(r); out.sync = inside; resolve(out); });
    inside = false;
  });
};
"""


class SimSite(ThreadingHTTPServer):
    """Serves the simulated host, the fixtures and `extra` files (e.g. a large .eml built by a test)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.extra: dict[str, bytes] = {}
        self.origin = f"http://127.0.0.1:{self.server_address[1]}"

    def lookup(self, path: str) -> bytes | None:
        if path == "/dev/office-sim.js":
            return SIM_JS.read_bytes()
        if path.startswith("/dev/fixtures/"):
            candidate = EML_DIR / path.rsplit("/", 1)[1]
            return candidate.read_bytes() if candidate.is_file() else None
        if path in self.extra:
            return self.extra[path]
        if path.endswith(".html"):
            return BLANK.encode()
        return None


class _Handler(BaseHTTPRequestHandler):
    server: SimSite

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        body = self.server.lookup(path)
        if body is None:
            self.send_error(404)
            return
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if path.endswith(".eml"):
            content_type = "message/rfc822"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def sim_site() -> Iterator[SimSite]:
    site = SimSite()
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield site
    site.shutdown()
    site.server_close()


@pytest.fixture
def open_sim(page: Page, sim_site: SimSite) -> Callable[[str], Page]:
    """open_sim("?eml=...") opens a blank page with the simulated host and waits until Office is ready."""
    page.add_init_script(HELPERS)

    def opener(query: str = "") -> Page:
        page.goto(f"{sim_site.origin}/pane.html{query}")
        page.wait_for_function("window.OfficeSim && window.onReadyCallbackInfo !== undefined")
        return page

    return opener


@pytest.fixture
def sim(open_sim: Callable[[str], Page]) -> Page:
    return open_sim("")
