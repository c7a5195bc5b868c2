"""Headless Chromium for measurements: launch with a profile, record the wire, read memory.

No `page.route` anywhere: it switches off the HTTP cache, and warm numbers are about that cache.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, CDPSession, Page, Playwright

from server.chromium import CHROMIUM, CHROMIUM_ARGS

VIEWPORT = {"width": 360, "height": 720}  # a task pane


def launch(pw: Playwright, profile: Path) -> BrowserContext:
    return pw.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport=VIEWPORT,  # type: ignore[arg-type]
    )


@dataclass
class WireRecord:
    """Requests of one page load as the DevTools protocol reports them."""

    requests: int = 0
    from_cache: int = 0
    transferred: int = 0  # bytes on the wire (compressed bodies + headers), cache hits count 0
    decoded: int = 0  # body bytes after decompression
    _cached_ids: set[str] = field(default_factory=set)

    def attach(self, cdp: CDPSession) -> None:
        cdp.on("Network.requestWillBeSent", self._on_request)
        cdp.on("Network.requestServedFromCache", self._on_cache)
        cdp.on("Network.responseReceived", self._on_response)
        cdp.on("Network.dataReceived", self._on_data)
        cdp.on("Network.loadingFinished", self._on_finished)

    def _on_request(self, event: dict[str, Any]) -> None:
        if event["request"]["url"].startswith(("http://", "https://")) and "redirectResponse" not in event:
            self.requests += 1

    def _on_cache(self, event: dict[str, Any]) -> None:
        self._cached_ids.add(event["requestId"])

    def _on_response(self, event: dict[str, Any]) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            self._cached_ids.add(event["requestId"])

    def _on_data(self, event: dict[str, Any]) -> None:
        self.decoded += int(event.get("dataLength", 0))

    def _on_finished(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self._cached_ids:
            self.from_cache += 1
        else:
            self.transferred += int(event.get("encodedDataLength", 0))

    def as_dict(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "from_cache": self.from_cache,
            "network_requests": self.requests - self.from_cache,
            "transferred_bytes": self.transferred,
            "decoded_bytes": self.decoded,
        }


def open_instrumented(context: BrowserContext) -> tuple[Page, CDPSession, WireRecord]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    wire = WireRecord()
    wire.attach(cdp)
    cdp.send("Network.enable")
    cdp.send("Performance.enable")
    return page, cdp, wire


def js_heap_used(cdp: CDPSession) -> int:
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return int(next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize"))


def _cmdline(pid: int) -> str:
    # Chromium rewrites its child processes' argv into one space-separated string: join either way.
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ") + " "
    except OSError:
        return ""


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def renderer_rss(profile: Path) -> int:
    """Resident memory of the largest renderer of the Chromium using `profile`: the page's renderer
    (the other candidates are an idle spare renderer and closed pages' renderers on their way out).

    `performance.measureUserAgentSpecificMemory` needs cross-origin isolation, which the pane does not
    have, so memory is read from /proc; every Chromium child process carries `--user-data-dir`."""
    marker = f"--user-data-dir={profile} "
    sizes = [
        _rss_bytes(int(entry))
        for entry in os.listdir("/proc")
        if entry.isdigit() and "--type=renderer " in (cmd := _cmdline(int(entry))) and marker in cmd
    ]
    return max(sizes, default=0)
