"""What Microsoft's real office.js costs the pane's renderer when Outlook on the web hands over an attachment.

The link scenario's simulated host builds Outlook's answers inside the pane's own page. Real Outlook on the web
is another site: its page runs in another renderer process (site isolation) and answers office.js in the pane's
frame with JSON over `postMessage` (tests/outlook/owa_host.js speaks that protocol, dispatch 150
`getAttachmentContentAsync`, to the real office.js vendored by `python -m server vendor`). So this scenario frames
the production build's pane in that fake Outlook on the web and measures, for one attachment of each size:
- the answer alone: office.js in the pane receives the attachment's base64 and the answer is dropped at once;
- the pane's read: the same answer decoded and hashed by the pane (`MailConnectorBytes.fromBase64`, as a link does);
each with the pane renderer's resident memory growth (sampled every 20 ms after a garbage collection), the pane
frame's JS heap growth, and the other renderers' growth (the Outlook page building its message).

The .eml (`getAsFileAsync`, Mailbox 1.14) is not measured: the vendored office.js (npm @microsoft/office-js
1.1.110) has no `getAsFileAsync`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

from bench.chromium import _cmdline, _rss_bytes, js_heap_used
from bench.flows import Progress
from bench.site import ROOT, free_port

SAMPLE_S = 0.02
# Outlook's page makes the attachment's base64 itself (random bytes): a string of 100+ MB does not pass through
# the DevTools protocol (Playwright's evaluate or route).
OPEN = """async ([url, options, size]) => {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  options.mail.attachments[0].content = bytes.toBase64();
  return owa.open(url, options);
}"""
TIMEOUT_S = 300
CALL = """(decode) => {
  const run = (window.__mcOfficeJs = { done: false, ms: null, error: null, size: null });
  const item = Office.context.mailbox.item;
  const start = performance.now();
  item.getAttachmentContentAsync(item.attachments[0].id, async (result) => {
    try {
      if (result.status !== "succeeded") throw new Error(JSON.stringify(result.error));
      run.ms = performance.now() - start;
      if (decode) run.size = (await MailConnectorBytes.fromBase64(result.value, "content")).size;
      else run.size = result.value.content.length;
    } catch (error) {
      run.error = String(error);
    }
    run.done = true;
  });
}"""


def renderers(profile: Path) -> list[int]:
    marker = f"--user-data-dir={profile} "
    return [
        int(entry)
        for entry in os.listdir("/proc")
        if entry.isdigit() and "--type=renderer " in (cmd := _cmdline(int(entry))) and marker in cmd
    ]


def a_mail(size: int) -> dict[str, Any]:
    """The mail Outlook's page holds (its attachment's base64 is made by the page itself: OPEN)."""
    sender = {"name": "Laura Bianchi", "address": "laura.bianchi@example.org"}
    return {
        "id": "AAMkADbench", "subject": "Capitolato", "from": sender, "sender": sender, "to": [], "cc": [],
        "dateTimeCreated": 1732180000000, "internetMessageId": "<bench-officejs@example.org>",
        "conversationId": "AAQkADbench", "body": {"text": "In allegato.", "html": "<p>In allegato.</p>"},
        "headers": "Subject: Capitolato\r\n",
        "attachments": [{"id": "AAMkADbench-att", "name": "capitolato.bin", "contentType": "application/octet-stream",
                         "size": size, "attachmentType": 0, "format": "base64", "content": ""}],
    }  # fmt: skip


def run_officejs(sizes_mb: tuple[int, ...], runs: int, progress: Progress) -> list[dict[str, Any]]:
    from server.chromium import CHROMIUM, CHROMIUM_ARGS
    from server.vendor import OFFICE_JS, RuntimeLock
    from tests.outlook.conftest import OUTLOOK_BROWSER_ARGS
    from tests.outlook.host import HOST_PAGE, OutlookWebHost
    from tests.support.processes import ServerProcess, python_module

    if not (OFFICE_JS / "office.js").is_file():
        raise RuntimeError("bench officejs: run `python -m server vendor` (make setup) first")
    pin = RuntimeLock.load().npm_pin("@microsoft/office-js")
    version = f"{pin.package} {pin.version}"
    workdir = Path(tempfile.mkdtemp(prefix="mc-bench-officejs-"))
    dist = workdir / "dist"
    # The production build (Microsoft's office.js, no simulated host), served over https as for sideloading.
    subprocess.run([sys.executable, "-m", "server", "build", "--out", str(dist)], cwd=ROOT, check=True, timeout=900)
    port = free_port()
    server = ServerProcess(
        python_module("server", "serve", "--no-build", "--root", str(dist), "--port", str(port), "--https",
                      "--cert-dir", str(workdir / "certs")),
        workdir / "site.log",
    )  # fmt: skip
    url = f"https://localhost:{port}"
    samples: list[dict[str, Any]] = []
    try:
        server.wait_ready(lambda: httpx.get(f"{url}/index.html", timeout=2, verify=False).status_code == 200)
        with sync_playwright() as pw:
            for size_mb in sizes_mb:
                size = size_mb * 1024 * 1024
                profile = workdir / f"profile-{size_mb}"
                context = pw.chromium.launch_persistent_context(
                    str(profile), executable_path=CHROMIUM, headless=True, ignore_https_errors=True,
                    args=[*CHROMIUM_ARGS, *OUTLOOK_BROWSER_ARGS], viewport={"width": 1000, "height": 760},
                )  # fmt: skip
                try:
                    page = context.new_page()
                    owa = OutlookWebHost(page, url)
                    page.goto(HOST_PAGE)
                    page.evaluate(OPEN, [f"{url}/index.html", {"mail": a_mail(size)}, size])
                    owa.wait_ready()
                    frame = owa.frame
                    if not owa.office_version().startswith("office.js"):
                        raise RuntimeError("bench officejs: the pane did not start on Microsoft's office.js")
                    # the pane's frame is another site's: its own renderer process, with its own DevTools session
                    pane_cdp = context.new_cdp_session(frame)
                    host_cdp = context.new_cdp_session(page)
                    pane_cdp.send("Performance.enable")
                    # the pane's renderer is the largest (Pyodide's heap), the others are Outlook's page and spares
                    pane_pid = max(renderers(profile), key=_rss_bytes)
                    for decode in (False, True):
                        for i in range(runs):
                            pane_cdp.send("HeapProfiler.collectGarbage")
                            host_cdp.send("HeapProfiler.collectGarbage")
                            time.sleep(0.3)
                            pids = renderers(profile)
                            before = {pid: _rss_bytes(pid) for pid in pids}
                            peak = dict(before)
                            heap_before = heap_peak = js_heap_used(pane_cdp)
                            frame.evaluate(CALL, decode)
                            deadline = time.monotonic() + TIMEOUT_S
                            settle = 0  # a few samples more after the answer: the strings' memory shows late
                            while settle < 10:
                                for pid in pids:
                                    peak[pid] = max(peak[pid], _rss_bytes(pid))
                                heap_peak = max(heap_peak, js_heap_used(pane_cdp))
                                if settle or frame.evaluate("window.__mcOfficeJs.done"):
                                    settle += 1
                                if time.monotonic() > deadline:
                                    raise TimeoutError("bench officejs: office.js did not answer")
                                time.sleep(SAMPLE_S)
                            run = frame.evaluate("window.__mcOfficeJs")
                            if run["error"]:
                                raise RuntimeError(f"bench officejs: {run['error']}")
                            sample = {
                                "size_mb": size_mb,
                                "office_js": version,
                                "decoded": decode,
                                "answer_ms": run["ms"],
                                "size": run["size"],
                                "attachment_bytes": size,
                                "pane_rss_growth_bytes": peak[pane_pid] - before[pane_pid],
                                "pane_js_heap_growth_bytes": heap_peak - heap_before,
                                "host_rss_growth_bytes": sum(peak[p] - before[p] for p in pids if p != pane_pid),
                            }
                            samples.append(sample)
                            progress(
                                f"officejs {size_mb} MB {'decoded by the pane' if decode else 'answer alone'} "
                                f"{i + 1}/{runs}: answered in {run['ms']:.0f} ms, pane renderer "
                                f"+{sample['pane_rss_growth_bytes'] / 1e6:.0f} MB (JS heap "
                                f"+{sample['pane_js_heap_growth_bytes'] / 1e6:.0f} MB), Outlook's page "
                                f"+{sample['host_rss_growth_bytes'] / 1e6:.0f} MB"
                            )
                finally:
                    context.close()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return samples
