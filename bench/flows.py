"""Search, link and pinned-switch benchmarks (SPEC §7), driven through the pane's DOM against the local CRM.

Warm persistent profile, signed in once through the pane's own forms. Each figure has its baseline in
the same page and the same run:
- search: keystroke (the `input` event) → results rendered, against the very request the pane sent,
  replayed with plain `fetch` from the page (JSON parsed);
- link: click on "Link" → receipt shown, for 1, 5 and 20 MB attachments (`--link-attachments`: that
  many per mail), against uploading the same bytes (the attachments and the original .eml) with plain
  `fetch` through the same `mcupload` protocol, one file after the other; the renderer's resident
  memory and JS heap are sampled during another link of a mail of the same size (sampling takes the
  page's thread and the CPUs: a sampled link took ~120 ms longer of ~850, so no timed link is sampled
  or polled, as the plain-`fetch` upload is not); and the pane alone: the same links with the simulated
  host's answers built before the click (its own time and memory);
- pinned switch: `ItemChanged` (the simulated host selects another mail) → the new header and its
  suggestions rendered, against the CRM's own answer time for those calls.

Times come from the page (`performance.now()`); the CRM calls the pane makes are read from a `fetch`
wrapper installed before any page script (it records, it does not change a request).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import CDPSession, Page, sync_playwright

from bench.chromium import js_heap_used, launch, renderer_rss
from bench.site import ROOT, free_port

Progress = Callable[[str], None]
SCREEN_TIMEOUT_MS = 60_000
LINK_TIMEOUT_S = 600
SETTLE_MS = 500  # after a receipt, before the next measure: the pane's work after the receipt is done
MEMORY_SAMPLE_MS = 20  # a large string of the host lives a few hundred ms: sampled often enough to see it
# The CRM's limits, set high enough for the 100 MB row (the attachment, and the .eml holding it again).
CRM_LIMITS = ("--max-file-bytes", str(512 * 1024 * 1024), "--max-message-bytes", str(1536 * 1024 * 1024))
LONG_TASKS = """({ start, end }) => window.__mcLongTasks
  .filter((t) => t.start + t.duration >= start && t.start <= end).map((t) => t.duration)"""
# Whose is each long task: the simulated host's (its scripts, from office-sim.js, took most of the task's
# script time, by the Long Animation Frames API's attribution) or the pane's (everything else).
LONG_TASK_OWNERS = """({ start, end }) => window.__mcLongTasks
  .filter((t) => t.start + t.duration >= start && t.start <= end).map((t) => {
    let host = 0, pane = 0;
    for (const frame of window.__mcFrames) {
      for (const s of frame.scripts) {
        const overlap = Math.min(s.end, t.start + t.duration) - Math.max(s.start, t.start);
        if (overlap <= 0) continue;
        if (s.source.includes("office-sim")) host += overlap; else pane += overlap;
      }
    }
    return { duration: t.duration, owner: host > pane ? "host" : "pane" };
  })"""
# How long the simulated host took to answer the pane's calls (office-sim.js measures each call).
HOST_SPANS = """({ start, end }) => performance.getEntriesByType("measure")
  .filter((m) => m.name.startsWith("officesim:") && m.startTime >= start && m.startTime <= end)
  .map((m) => ({ name: m.name.slice(10), start: m.startTime, end: m.startTime + m.duration }))"""
# The host's part alone: the same Office calls the pane makes for a link (each attachment, then the whole
# .eml), each answer dropped as soon as it arrives, with nothing done with it.
HOST_ONLY = """() => {
  const run = (window.__mcHostOnly = { done: false, ms: null, error: null });
  const item = Office.context.mailbox.item;
  const call = (method, ...args) => new Promise((resolve, reject) => item[method](...args, (result) =>
    result.status === "succeeded" ? resolve(result.value) : reject(new Error(result.error.message))));
  const start = performance.now();
  (async () => {
    for (const attachment of item.attachments) await call("getAttachmentContentAsync", attachment.id);
    await call("getAsFileAsync");
  })().then(() => { run.ms = performance.now() - start; run.done = true; },
            (error) => { run.error = String(error); run.done = true; });
}"""

# The host's answers built now and kept (OfficeSim readyAnswers): every Office call the pane makes for a link,
# answered; true when the host does keep them (an attachment asked twice is answered with the very same object).
READY_ANSWERS = """async () => {
  OfficeSim.configure({ readyAnswers: true });
  const item = Office.context.mailbox.item;
  const call = (method, ...args) => new Promise((resolve, reject) => item[method](...args, (result) =>
    result.status === "succeeded" ? resolve(result.value) : reject(new Error(result.error.message))));
  let kept = true;
  for (const attachment of item.attachments) {
    kept = kept && (await call("getAttachmentContentAsync", attachment.id)) ===
      (await call("getAttachmentContentAsync", attachment.id));
  }
  await call("getAsFileAsync");
  if (!kept) OfficeSim.configure({ readyAnswers: false });
  return kept;
}"""


class NoReadyAnswers(RuntimeError):
    """An earlier build's simulated host (--compare) cannot answer from ready strings."""


FETCH_LOG = """
(() => {
  // Main-thread tasks over 50 ms (the Long Tasks API reports nothing shorter).
  const longTasks = [];
  Object.defineProperty(window, "__mcLongTasks", { value: longTasks });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch (error) { /* no Long Tasks API: nothing recorded */ }
  // Long Animation Frames with their scripts, to tell the simulated host's long tasks from the pane's.
  const frames = [];
  Object.defineProperty(window, "__mcFrames", { value: frames });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (!e.blockingDuration) continue;
        frames.push({ start: e.startTime, scripts: e.scripts.map((s) => ({
          start: s.startTime, end: s.startTime + s.duration, source: s.sourceURL || s.invoker || "" })) });
      }
    }).observe({ type: "long-animation-frame", buffered: true });
  } catch (error) { /* no Long Animation Frames API: every long task counts as the pane's */ }
  const original = window.fetch;
  const log = [];
  Object.defineProperty(window, "__mcFetchLog", { value: log });
  Object.defineProperty(window, "__mcPlainFetch", { value: original });
  window.fetch = function (input, init) {
    const url = input instanceof Request ? input.url : String(input);
    const op = url.split("?")[0].split("/").pop();
    const entry = { url, op, start: performance.now(), end: null, index: log.length };
    const body = init && init.body;
    if (op === "mcupload" && body && ArrayBuffer.isView(body) && body.byteLength < 4096) {
      entry.text = new TextDecoder().decode(body); // start and status calls: which file, how big
    }
    if (url.includes("/restapi/") && op !== "mcupload") {
      // A copy of small request bodies (the pane sends bytes), so that the call can be replayed.
      try {
        const small = body && ArrayBuffer.isView(body) && body.byteLength < 65536;
        entry.init = {
          method: (init && init.method) || "GET",
          headers: Object.fromEntries(new Headers((init && init.headers) || {})),
          body: typeof body === "string" ? body : small ? new Uint8Array(body) : null,
        };
        entry.text = small ? new TextDecoder().decode(body) : typeof body === "string" ? body : "";
      } catch (error) {
        entry.init = null;
      }
    }
    log.push(entry);
    entry.start = performance.now(); // after this wrapper's own copying: the pane's request starts here
    const pending = original.apply(this, arguments);
    const done = (failed) => () => { entry.end = performance.now(); entry.failed = failed; };
    pending.then(done(false), done(true));
    return pending;
  };
})();
"""

SEARCH_WATCH = """text => {
  const run = (window.__mcRun = { text, input: null, searching: false, rendered: null, status: null });
  let shown;
  window.__mcRendered = new Promise((resolve) => { shown = resolve; });
  const query = document.querySelector("#mc-query");
  query.addEventListener("input", () => { if (run.input === null) run.input = performance.now(); }, { capture: true });
  const observer = new MutationObserver(() => {
    const status = document.querySelector("#mc-search-status")?.dataset.status;
    if (run.input === null || query.value !== text) return;
    // "waiting": the page says "Searching" from the keystroke; "searching" only once the answer is slow
    if (status === "waiting" || status === "searching") run.searching = true;
    if (run.searching && ["results", "too_many", "none"].includes(status)) {
      run.rendered = performance.now();
      run.status = status;
      observer.disconnect();
      shown();
    }
  });
  const all = { subtree: true, childList: true, attributes: true, characterData: true };
  observer.observe(document.querySelector("#app"), all);
}"""

# After a quiet moment like the one before the pane's own request (the search box emptied, 400 ms, the
# debounce): a request sent right after another one answers faster here (7.1 against 8.8 ms after 400 ms
# idle: the CRM's process and the CPUs are awake), so back-to-back replays would flatter plain fetch.
REPLAY = """async ({ index, quiet }) => {
  const call = window.__mcFetchLog[index];
  await new Promise((resolve) => setTimeout(resolve, quiet));
  const start = performance.now();
  const response = await window.__mcPlainFetch(call.url, call.init);
  await response.json();
  return { ms: performance.now() - start, sentAt: performance.timeOrigin + start };
}"""

REPLAY_ALL = """async indices => {
  const calls = indices.map((i) => window.__mcFetchLog[i]);
  const start = performance.now();
  await Promise.all(calls.map(async (call) => (await window.__mcPlainFetch(call.url, call.init)).json()));
  return performance.now() - start;
}"""

PINNED_WATCH = """({ mail, name }) => {
  const run = (window.__mcRun = { start: null, header: null, suggestions: null });
  let shown;
  window.__mcSuggestionsShown = new Promise((resolve) => { shown = resolve; });
  const observer = new MutationObserver(() => {
    if (run.header === null && document.querySelector("#mail-subject")?.textContent === mail.subject) {
      run.header = performance.now();
    }
    const records = [...document.querySelectorAll("#mc-suggestions .record")].map((e) => e.textContent);
    if (run.header !== null && records.some((t) => t.includes(name))) {
      run.suggestions = performance.now();
      observer.disconnect();
      shown();
    }
  });
  const all = { subtree: true, childList: true, attributes: true, characterData: true };
  observer.observe(document.querySelector("#app"), all);
  run.start = performance.now();
  OfficeSim.loadJson(mail);
}"""

LINK_WATCH = """() => {
  const run = (window.__mcRun = { click: null, receipt: null });
  let shown;
  window.__mcReceiptShown = new Promise((resolve) => { shown = resolve; });
  document.addEventListener("click", (e) => {
    if (run.click === null && e.target.closest("[data-action='link']")) run.click = performance.now();
  }, { capture: true });
  const observer = new MutationObserver(() => {
    if (run.click !== null && document.querySelector("#app")?.dataset.screen === "receipt") {
      run.receipt = performance.now();
      observer.disconnect();
      shown();
    }
  });
  observer.observe(document.querySelector("#app"), { attributes: true, attributeFilter: ["data-screen"] });
}"""

# Until the page resolves `window[name]` (the receipt shown, the results or the suggestions rendered: the
# promise its watch script made), nothing polling the page meanwhile (one promise, awaited by the driver;
# the plain-fetch baselines run in one evaluate, unpolled, too).
SHOWN = """({ name, ms }) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`${name} not resolved after ${ms} ms`)), ms);
  window[name].then(() => { clearTimeout(timer); resolve(); });
})"""


def await_shown(page: Page, name: str, timeout_ms: float) -> None:
    page.evaluate(SHOWN, {"name": name, "ms": timeout_ms})


# Uploading the same files with plain fetch through the same protocol (mcupload start + chunks).
PLAIN_UPLOAD = """async ({ crm, files }) => {
  // The pane's session key names the mailbox and the CRM too (mailconnector.session|<mailbox>|<crm>).
  const key = Object.keys(localStorage).find((k) => k.startsWith("mailconnector.session|"));
  const session = JSON.parse(localStorage.getItem(key));
  const auth = "Basic " + btoa(`${session.username}:${session.token}`);
  const endpoint = (op) => `${crm}/restapi/v1/vtews/${op}`;
  const status = await (await window.__mcPlainFetch(endpoint("mcstatus"), { method: "POST" })).json();
  const chunk = status.data.limits.chunk_bytes;
  const blobs = [];
  for (const file of files) blobs.push(new Uint8Array(await (await window.__mcPlainFetch(file.url)).arrayBuffer()));
  const start = performance.now();
  for (const [i, file] of files.entries()) {
    const bytes = blobs[i];
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    const begin = await window.__mcPlainFetch(endpoint("mcupload"), {
      method: "POST", headers: { Authorization: auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        action: "start", filename: file.name, content_type: file.type, size: bytes.length, sha256,
      }),
    });
    const started = await begin.json();
    if (!started.data) throw new Error(`mcupload start for ${file.name}: ${JSON.stringify(started)}`);
    const upload = started.data.upload;
    for (let offset = 0; offset < bytes.length; offset += chunk) {
      const form = new FormData();
      form.append("action", "chunk");
      form.append("upload", upload);
      form.append("offset", String(offset));
      form.append("data", new Blob([bytes.subarray(offset, offset + chunk)]));
      const sent = await window.__mcPlainFetch(endpoint("mcupload"), {
        method: "POST", headers: { Authorization: auth }, body: form,
      });
      if (!sent.ok) throw new Error(`chunk at ${offset}: HTTP ${sent.status}`);
      await sent.json();
    }
  }
  return performance.now() - start;
}"""

SENDERS = (
    ("Mario Rossi", "mario.rossi@example.it"),
    ("Laura Bianchi", "laura.bianchi@example.org"),
    ("Paolo Neri", "paolo.neri@example.net"),
)
SEARCH_TERMS = ("rossi", "bianchi", "neri", "verdi", "smith", "gallo", "conti", "romano", "marino", "greco")


def mail(message_id: str, sender: tuple[str, str], subject: str) -> dict[str, Any]:
    return {
        "subject": subject,
        "from": {"name": sender[0], "address": sender[1]},
        "to": [{"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}],
        "date": "2024-11-12T10:15:00+01:00",
        "internetMessageId": message_id,
        "bodyText": "Buongiorno Anna,\r\nun aggiornamento.\r\n",
        "attachments": [],
    }


@dataclass
class Crm:
    url: str
    process: subprocess.Popen[bytes]


def start_crm(workdir: Path) -> Crm:
    port = free_port()
    log = (workdir / "crm.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server.crm",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            str(workdir / "crm.sqlite3"),
            "--test-mode",
            *CRM_LIMITS,
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bench: the local CRM exited with {process.returncode}")
        try:
            if httpx.post(f"{url}/restapi/v1/vtews/mcstatus", timeout=2).status_code == 200:
                return Crm(url, process)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise TimeoutError("bench: the local CRM did not start within 120 s")


CALLS = """n => window.__mcFetchLog.slice(n).map((c) => ({
  url: c.url, op: c.op, start: c.start, end: c.end, index: c.index, text: c.text || "",
  replayable: Boolean(c.init && c.init.body),
}))"""


def crm_calls(page: Page, since: int, start: float, end: float) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = page.evaluate(CALLS, since)
    return [c for c in calls if "/restapi/" in c["url"] and c["end"] is not None and start <= c["start"] <= end]


def span(calls: list[dict[str, Any]]) -> float | None:
    """Wall time the CRM calls took together (overlapping calls counted once)."""
    if not calls:
        return None
    intervals: list[tuple[float, float]] = sorted((float(c["start"]), float(c["end"])) for c in calls)
    total, (lo, hi) = 0.0, intervals[0]
    for a, b in intervals[1:]:
        if a > hi:
            total, lo, hi = total + hi - lo, a, b
        else:
            hi = max(hi, b)
    return total + hi - lo


def open_pane(page: Page, site_url: str, sim: dict[str, Any]) -> None:
    page.add_init_script(f"window.OfficeSimConfig = {json.dumps(sim)};")
    page.goto(f"{site_url}/index.html")
    page.wait_for_selector("#app[data-state='ready']", timeout=SCREEN_TIMEOUT_MS)


def screen(page: Page, name: str, timeout: int = SCREEN_TIMEOUT_MS) -> None:
    page.wait_for_selector(f"#app[data-screen='{name}']", timeout=timeout)


def sign_in(page: Page, crm: Crm) -> None:
    screen(page, "connect")
    page.fill("#mc-url", crm.url.removeprefix("http://"))
    page.fill("#mc-username", "anna")
    page.click("form[data-form='connect'] button[type='submit']")
    screen(page, "password")
    page.fill("#mc-password", "anna123")
    page.click("form[data-form='password'] button[type='submit']")
    screen(page, "record")


def search_once(page: Page, text: str) -> dict[str, Any]:
    page.fill("#mc-query", "")
    page.wait_for_timeout(400)  # past the debounce: the pane is idle again
    page.evaluate(SEARCH_WATCH, text)
    page.fill("#mc-query", text)  # one input event, as a paste or the last keystroke
    # Awaited in the page: nothing polls it meanwhile (wait_for_function would run its test every frame,
    # which the replays with plain fetch never pay).
    await_shown(page, "__mcRendered", SCREEN_TIMEOUT_MS)
    run: dict[str, Any] = page.evaluate("window.__mcRun")
    return run


def run_search(page: Page, crm: Crm, runs: int, progress: Progress) -> list[dict[str, Any]]:
    page.select_option("#mc-module", "Contacts")
    # Each text is searched once first, unmeasured: the CRM's first run of a query text is slower (its
    # caches: compiled patterns, prepared statements, pages), and the plain-fetch replay that follows the
    # pane's request would otherwise always find them warm (a first "rossi" 11.8 ms, the next 5.4 ms).
    for text in SEARCH_TERMS:
        search_once(page, text)
    samples = []
    for i in range(runs):
        text = SEARCH_TERMS[i % len(SEARCH_TERMS)]
        # ... and again right before it is measured: with nine other texts searched in between, the CRM
        # handled the pane's request 0.5 ms slower than the replays right after it (2.88 against 2.40 ms,
        # median of 15, its own clock), a head start for plain fetch that was not the pane's doing.
        search_once(page, text)
        httpx.delete(f"{crm.url}/_test/timings")
        since = page.evaluate("window.__mcFetchLog.length")
        run = search_once(page, text)
        calls = crm_calls(page, since, run["input"], run["rendered"])
        # "The same query": the rows query (the pane's count(*) and label queries are its own overhead).
        rows = [c for c in calls if c["op"] == "query" and c["replayable"] and "count(" not in c["text"]]
        sample: dict[str, Any] = {
            "text": text,
            "status": run["status"],
            "pane_ms": run["rendered"] - run["input"],
            "ops": [c["op"] for c in calls],
        }
        if rows:
            call = rows[0]
            sample["op"] = call["op"]
            sample["sent_after_ms"] = call["start"] - run["input"]  # the debounce, as the pane waited it
            sample["pane_call_ms"] = call["end"] - call["start"]
            sample["sent_to_rendered_ms"] = run["rendered"] - call["start"]
            quiet = {"index": call["index"], "quiet": 550}
            replays = [page.evaluate(REPLAY, quiet) for _ in range(3)]
            sample["baseline_ms"] = statistics.median(r["ms"] for r in replays)
            sample.update(crm_side(crm, call, page.evaluate("performance.timeOrigin"), replays))
        tasks = page.evaluate(LONG_TASKS, {"start": run["input"], "end": run["rendered"]})
        sample["longest_task_ms"] = max(tasks, default=0.0)
        samples.append(sample)
        progress(
            f"search {i + 1}/{runs} {text!r}: {sample['pane_ms']:.0f} ms (fetch {sample.get('baseline_ms', 0):.0f} ms)"
        )
    return samples


def crm_side(crm: Crm, call: dict[str, Any], origin: float, replays: list[dict[str, float]]) -> dict[str, float]:
    """The CRM's view of the pane's rows query and of its replays (the local CRM's /_test/timings): how
    long after being sent each reached it (the wall clocks of the page and of the CRM's process, on the
    same machine), and how long the CRM took with it. Equal times at the CRM make the ratio the pane's."""
    query = urllib.parse.parse_qs(call["text"]).get("query", [""])[0]  # the pane posts a form
    handled = httpx.get(f"{crm.url}/_test/timings").json()
    same = [t for t in handled if t["operation"] == "query" and t["query"] == query]
    if len(same) != 1 + len(replays):
        return {}
    pane, again = same[0], same[1:]
    return {
        "crm_ms": pane["ms"],
        "crm_replay_ms": statistics.median(t["ms"] for t in again),
        "reached_ms": pane["arrived_ms"] - (origin + call["start"]),
        "reached_replay_ms": statistics.median(
            t["arrived_ms"] - r["sentAt"] for t, r in zip(again, replays, strict=True)
        ),
    }


def run_pinned(page: Page, runs: int, progress: Progress) -> list[dict[str, Any]]:
    samples = []
    for i in range(runs):
        sender = SENDERS[i % len(SENDERS)]
        subject = f"Pinned switch {i} {uuid.uuid4().hex[:8]}"
        since = page.evaluate("window.__mcFetchLog.length")
        page.evaluate(
            PINNED_WATCH, {"mail": mail(f"<pin-{uuid.uuid4().hex}@example.it>", sender, subject), "name": sender[0]}
        )
        await_shown(page, "__mcSuggestionsShown", SCREEN_TIMEOUT_MS)
        run = page.evaluate("window.__mcRun")
        calls = crm_calls(page, since, run["start"], run["suggestions"])
        crm_ms = span(calls)
        replay = [c["index"] for c in calls if c["replayable"]]
        sample = {
            "header_ms": run["header"] - run["start"],
            "suggestions_ms": run["suggestions"] - run["start"],
            "crm_ms": crm_ms,
            "ops": sorted({c["op"] for c in calls}),
            # the same calls, all at once, with plain fetch (the CRM's answer time without the pane)
            "baseline_ms": page.evaluate(REPLAY_ALL, replay) if replay else None,
        }
        samples.append(sample)
        progress(
            f"pinned {i + 1}/{runs}: header {sample['header_ms']:.0f} ms, suggestions "
            f"{sample['suggestions_ms']:.0f} ms (CRM {crm_ms or 0:.0f} ms)"
        )
        page.wait_for_timeout(300)
    return samples


def run_link(
    page: Page,
    cdp: CDPSession,
    profile: Path,
    site: Any,
    crm: Crm,
    sizes_mb: tuple[int, ...],
    runs: int,
    progress: Progress,
    attachments: int = 1,
) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.make_large import MB, attachment_bytes

    fixtures = site.root / "dev" / "fixtures"
    samples = []
    for size_mb in sizes_mb:
        # the mail's attachments, as build_large_eml makes them (the same seeds)
        raws = [f"bench-{size_mb}mb-{index + 1}.bin" for index in range(attachments)]
        for index, raw in enumerate(raws):
            (fixtures / raw).write_bytes(attachment_bytes(size_mb * MB, seed=20 + index))
        for i in range(runs):
            # timed: the bench neither samples nor polls the page during the link (nor during the plain-fetch upload)
            link = one_link(page, cdp, profile, fixtures, size_mb, attachments=attachments)
            run, calls = link["run"], link["calls"]
            # The same files the pane sent: the attachments, and the .eml when the pane uploaded it too.
            starts = [c["text"] for c in calls if c["op"] == "mcupload" and "start" in c["text"]]
            files = [
                {
                    "url": f"{site.url}/dev/fixtures/{raw}",
                    "name": f"capitolato-{index + 1}.bin",
                    "type": "application/octet-stream",
                }
                for index, raw in enumerate(raws)
            ]
            if any("rfc822" in text or ".eml" in text for text in starts):
                files.append(
                    {"url": f"{site.url}/dev/fixtures/{link['eml']}", "name": "message.eml", "type": "message/rfc822"}
                )
            window = {"start": run["click"], "end": run["receipt"]}
            tasks = page.evaluate(LONG_TASK_OWNERS, window)
            host_spans = page.evaluate(HOST_SPANS, window)
            # the same start as the pane's link: the pane settled, the garbage of the link before collected
            page.wait_for_timeout(SETTLE_MS)
            cdp.send("HeapProfiler.collectGarbage")
            baseline = page.evaluate(PLAIN_UPLOAD, {"crm": crm.url, "files": files})
            (fixtures / link["eml"]).unlink()
            # its memory: another mail of the same size, linked while the renderer's memory is sampled
            sampled = one_link(page, cdp, profile, fixtures, size_mb, attachments=attachments, sampled=True)
            (fixtures / sampled["eml"]).unlink()
            host_only = host_alone(page, cdp, profile)
            # The pane alone: the same links of other mails of the same size, the host's answers built before
            # the click (OfficeSim readyAnswers): its time and memory are the pane's own, measured, not a
            # difference of two figures that each carry the host's strings and their garbage collection.
            alone: dict[str, Any] | None = None
            try:
                alone = timed_alone = one_link(
                    page, cdp, profile, fixtures, size_mb, attachments=attachments, ready_answers=True
                )
                (fixtures / timed_alone["eml"]).unlink()
                alone_sampled = one_link(
                    page, cdp, profile, fixtures, size_mb, attachments=attachments, ready_answers=True, sampled=True
                )
                (fixtures / alone_sampled["eml"]).unlink()
            except NoReadyAnswers:
                alone = None
            pane_ms = run["receipt"] - run["click"]
            host_ms = span(host_spans) or 0.0
            rss_growth = sampled["rss_growth_bytes"]
            sample = {
                "size_mb": size_mb,
                "pane_ms": pane_ms,
                "baseline_ms": baseline,
                # the simulated host answering the pane's calls (Outlook's own work, not the pane's)
                "host_ms": host_ms,
                "host_calls": [{"name": h["name"], "ms": h["end"] - h["start"]} for h in host_spans],
                "pane_without_host_ms": pane_ms - host_ms,
                "uploads": sum(1 for c in calls if c["op"] == "mcupload"),
                "files_uploaded": len(starts),
                "eml_uploaded": len(files) == attachments + 1,
                "attachments": attachments,
                "rss_growth_bytes": rss_growth,
                "host_only_ms": host_only["ms"],
                "host_only_rss_growth_bytes": host_only["rss_growth_bytes"],
                "pane_rss_growth_bytes": rss_growth - host_only["rss_growth_bytes"],
                "js_heap_peak_bytes": sampled["heap_peak_bytes"],
                "largest_attachment_bytes": size_mb * MB,
                # 0 when no task went over 50 ms (the Long Tasks API's threshold)
                "longest_task_ms": max((t["duration"] for t in tasks), default=0.0),
                "longest_pane_task_ms": max((t["duration"] for t in tasks if t["owner"] == "pane"), default=0.0),
                "longest_host_task_ms": max((t["duration"] for t in tasks if t["owner"] == "host"), default=0.0),
                "long_tasks": len(tasks),
                "long_tasks_by_owner": tasks,
            }
            if alone is not None:
                alone_window = {"start": alone["run"]["click"], "end": alone["run"]["receipt"]}
                alone_tasks = page.evaluate(LONG_TASK_OWNERS, alone_window)
                sample |= {
                    # the pane alone (the host's answers ready before the click)
                    "pane_alone_ms": alone["run"]["receipt"] - alone["run"]["click"],
                    "pane_alone_host_ms": span(page.evaluate(HOST_SPANS, alone_window)) or 0.0,
                    "pane_alone_rss_growth_bytes": alone_sampled["rss_growth_bytes"],
                    "pane_alone_longest_task_ms": max((t["duration"] for t in alone_tasks), default=0.0),
                }
            samples.append(sample)
            progress(
                f"link {attachments} x {size_mb} MB {i + 1}/{runs}: {pane_ms:.0f} ms, of which host {host_ms:.0f} ms "
                f"(fetch upload {baseline:.0f} ms), renderer +{rss_growth / 1e6:.0f} MB "
                f"(host alone +{host_only['rss_growth_bytes'] / 1e6:.0f} MB in {host_only['ms']:.0f} ms), "
                f"longest task {sample['longest_task_ms']:.0f} ms ({len(tasks)} over 50 ms; the pane's longest "
                f"{sample['longest_pane_task_ms']:.0f} ms)"
                + (
                    f"; the pane alone {sample['pane_alone_ms']:.0f} ms, "
                    f"+{sample['pane_alone_rss_growth_bytes'] / 1e6:.0f} MB"
                    if alone is not None
                    else ""
                )
            )
    return samples


def one_link(
    page: Page, cdp: CDPSession, profile: Path, fixtures: Path, size_mb: int, *, attachments: int = 1,
    ready_answers: bool = False, sampled: bool = False,
) -> dict[str, Any]:
    """Open a new mail with `attachments` attachments of `size_mb` each and link it to the sender's record through
    the pane's UI. `sampled`: the renderer's memory and the JS heap are sampled until the receipt shows (for its
    memory; otherwise nothing observes the page during the link, for its time). `ready_answers`: the simulated
    host builds its answers (the attachments' base64, the .eml's) before the click and hands over the very same
    strings."""
    from tests.fixtures.make_large import MB, build_large_eml

    message_id = f"<bench-link-{uuid.uuid4().hex}@example.org>"
    name = f"bench-{uuid.uuid4().hex}.eml"
    (fixtures / name).write_bytes(build_large_eml(size_mb * MB, attachments, message_id=message_id))
    page.evaluate("url => OfficeSim.loadEmlUrl(url)", f"/dev/fixtures/{name}")
    page.wait_for_function("document.querySelector('#mail-subject')?.textContent.startsWith('Capitolato')")
    page.locator("#mc-suggestions .record").first.click()  # Laura Bianchi, the sender
    screen(page, "preflight")
    if ready_answers and not page.evaluate(READY_ANSWERS):
        (fixtures / name).unlink()
        raise NoReadyAnswers("this build's simulated host has no readyAnswers")
    # Garbage of earlier work (loading this mail, the last link) is collected first, so that the
    # growth is this link's (the page itself cannot ask for a collection); before a timed link too, alike.
    cdp.send("HeapProfiler.collectGarbage")
    page.evaluate(LINK_WATCH)
    since = page.evaluate("window.__mcFetchLog.length")
    memory: dict[str, int] = {}
    if sampled:
        rss_before, heap_before = renderer_rss(profile), js_heap_used(cdp)
        rss_peak, heap_peak = rss_before, heap_before
        page.click("[data-action='link']")
        deadline = time.monotonic() + LINK_TIMEOUT_S
        while not page.evaluate("window.__mcRun.receipt !== null"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no receipt after {LINK_TIMEOUT_S} s")
            rss_peak = max(rss_peak, renderer_rss(profile))
            heap_peak = max(heap_peak, js_heap_used(cdp))
            page.wait_for_timeout(MEMORY_SAMPLE_MS)
        memory = {"rss_growth_bytes": rss_peak - rss_before, "heap_peak_bytes": heap_peak}
    else:
        page.click("[data-action='link']")
        await_shown(page, "__mcReceiptShown", LINK_TIMEOUT_S * 1000)
    if ready_answers:
        page.evaluate("OfficeSim.configure({ readyAnswers: false })")  # the kept strings go
    run = page.evaluate("window.__mcRun")
    return {"eml": name, "run": run, "calls": crm_calls(page, since, run["click"], run["receipt"]), **memory}


def host_alone(page: Page, cdp: CDPSession, profile: Path) -> dict[str, Any]:
    """The simulated host's share of a link, measured alone in the same page: its answers to the pane's
    Office calls for the selected mail (time, and the renderer's resident memory growth)."""
    page.wait_for_timeout(SETTLE_MS)  # the pane settles on its receipt
    cdp.send("HeapProfiler.collectGarbage")
    rss_before = rss_peak = renderer_rss(profile)
    page.evaluate(HOST_ONLY)
    deadline = time.monotonic() + LINK_TIMEOUT_S
    while not page.evaluate("window.__mcHostOnly.done"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the host's calls did not answer within {LINK_TIMEOUT_S} s")
        rss_peak = max(rss_peak, renderer_rss(profile))
        page.wait_for_timeout(MEMORY_SAMPLE_MS)
    result = page.evaluate("window.__mcHostOnly")
    if result["error"]:
        raise RuntimeError(f"bench: the host's calls alone failed: {result['error']}")
    return {"ms": result["ms"], "rss_growth_bytes": rss_peak - rss_before}


def run_flows(
    site: Any, scenarios: tuple[str, ...], runs: int, link_runs: int, sizes_mb: tuple[int, ...], progress: Progress,
    crm_latency_ms: float = 0.0, link_attachments: int = 1,
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="mc-bench-flows-"))
    crm = start_crm(workdir)
    results: dict[str, Any] = {"crm": crm.url, "crm_latency_ms": crm_latency_ms}
    if crm_latency_ms:
        # every call answered this much later, as over a network (the local CRM's test-mode switch)
        httpx.post(f"{crm.url}/_test/mode", json={"latency_ms": crm_latency_ms}).raise_for_status()
    try:
        with sync_playwright() as pw:
            profile = workdir / "profile"
            context = launch(pw, profile)
            try:
                page = context.new_page()
                page.add_init_script(FETCH_LOG)
                cdp = context.new_cdp_session(page)
                cdp.send("Performance.enable")
                first = mail(f"<bench-first-{uuid.uuid4().hex}@example.it>", SENDERS[0], "Benchmark")
                open_pane(page, site.url, {"json": first})
                sign_in(page, crm)
                if "search" in scenarios:
                    results["search"] = run_search(page, crm, runs, progress)
                if "pinned" in scenarios:
                    results["pinned"] = run_pinned(page, runs, progress)
                if "link" in scenarios:
                    results["link"] = run_link(
                        page, cdp, profile, site, crm, sizes_mb, link_runs, progress, link_attachments
                    )
            finally:
                context.close()
    finally:
        crm.process.terminate()
        crm.process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    return results
