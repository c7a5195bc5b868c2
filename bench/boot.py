"""Boot benchmark: navigation → frame painted → pane accepts input, next to bare Pyodide pages.

"Accepts input" is the pane's `mc:ready` performance mark (set together with
`#app[data-state=ready]`); the baselines set `bench:ready` once `loadPyodide()` (and, for the
second baseline, the imports of pydantic and httpx) resolved. Times are read from the page's own
performance timeline (relative to navigation start), so polling does not blur them.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Playwright, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.chromium import js_heap_used, launch, open_instrumented, renderer_rss

READY_TIMEOUT_MS = 120_000


@dataclass(frozen=True)
class Target:
    key: str
    title: str
    path: str
    ready_mark: str
    then_mark: str | None = None  # a later milestone, waited for and stored as `then` (ms)
    server: str = ""  # which build serves it: "" this one, "before" the --compare build


PANE = Target("pane", "Mail Connector pane (PyScript, snapshot interpreter)", "/index.html", "mc:ready")
# The previous route: the same snapshot loader, the page's Python run by our own module, no PyScript.
PANE_OWN = Target(
    "pane_own_loader", "pane, own loader without PyScript (previous)", "/bench-own-loader.html", "mc:ready"
)
BARE = Target("bare", "bare loadPyodide()", "/bench/bare.html", "bench:ready")
BARE_IMPORTS = Target(
    "bare_imports", "bare loadPyodide() + import pydantic, httpx", "/bench/bare.html?imports=1", "bench:ready"
)
# Variants of the pane for the fast-boot comparison (bench/FAST-BOOT.md); not measured by default.
PANE_PLAIN = Target("pane_plain", "pane, loader's plain boot (no snapshot)", "/index.html?mc-boot=plain", "mc:ready")
PANE_HTTP = Target("pane_http", "pane, snapshot from the HTTP cache only", "/index.html?mc-boot=http", "mc:ready")
MPY_WORKER = Target(
    "mpy_worker",
    "prototype: MicroPython UI + Pyodide worker (UI usable)",
    "/bench/mpy.html",
    "bench:ready",
    then_mark="bench:worker-ready",
)
BEFORE = Target("before", "pane, earlier build (--compare)", "/index.html", "mc:ready", server="before")
# The same pages in WebKit (bench/webkit.py): keys start with "webkit_", their ratio is to WebKit's own bare.
WEBKIT_PANE = Target("webkit_pane", "WebKit: Mail Connector pane", "/index.html", "mc:ready")
WEBKIT_BARE = Target("webkit_bare", "WebKit: bare loadPyodide()", "/bench/bare.html", "bench:ready")
WEBKIT_PLAIN = Target("webkit_pane_plain", "WebKit: pane, plain boot", "/index.html?mc-boot=plain", "mc:ready")
WEBKIT_UNCORRECTED = Target(
    "webkit_pane_uncorrected",
    "WebKit: pane, table uncorrected (before)",
    "/index.html?mc-table=uncorrected",
    "mc:ready",
)
WEBKIT_PLAIN_BEFORE = Target(
    "webkit_before_plain", "WebKit: pane, plain boot, earlier build (--compare)", "/index.html?mc-boot=plain",
    "mc:ready", server="before",
)
WEBKIT_TARGETS = (WEBKIT_PANE, WEBKIT_BARE, WEBKIT_PLAIN, WEBKIT_UNCORRECTED, WEBKIT_PLAIN_BEFORE)
TARGETS = (PANE, PANE_OWN, BARE, BARE_IMPORTS, PANE_HTTP, PANE_PLAIN, MPY_WORKER, BEFORE, *WEBKIT_TARGETS)
# The plain boot is WebKit's path whenever its tables cannot take the snapshot, and every failure's fallback.
DEFAULT_TARGETS = (PANE, PANE_OWN, BARE, BARE_IMPORTS, WEBKIT_PANE, WEBKIT_BARE, WEBKIT_PLAIN)

TIMELINE_JS = """mark => {
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
  const ready = performance.getEntriesByName(mark)[0];
  return {
    first_paint: paint['first-paint'] ?? null,
    first_contentful_paint: paint['first-contentful-paint'] ?? null,
    ready: ready ? ready.startTime : null,
    dom_content_loaded: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? null,
    marks: Object.fromEntries(performance.getEntriesByType('mark').map(e => [e.name, e.startTime])),
  };
}"""


def measure_once(
    context: BrowserContext, profile: Path, base_url: str, target: Target, *, settle: bool = False
) -> dict[str, Any]:
    page, cdp, wire = open_instrumented(context)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(base_url + target.path, wait_until="commit")
        page.wait_for_function(
            "mark => performance.getEntriesByName(mark).length > 0",
            arg=target.ready_mark,
            polling=50,
            timeout=READY_TIMEOUT_MS,
        )
        if target.then_mark:
            page.wait_for_function(
                "mark => performance.getEntriesByName(mark).length > 0",
                arg=target.then_mark,
                polling=50,
                timeout=READY_TIMEOUT_MS,
            )
        timeline: dict[str, Any] = page.evaluate(TIMELINE_JS, target.ready_mark)
        # Memory as it settles, not as it peaks: buffers the boot has let go of are collected first.
        cdp.send("HeapProfiler.collectGarbage")
        sample = {
            **{k: timeline[k] for k in ("first_paint", "first_contentful_paint", "ready", "dom_content_loaded")},
            "marks": timeline["marks"],
            "then": timeline["marks"].get(target.then_mark) if target.then_mark else None,
            **wire.as_dict(),
            "js_heap_used_bytes": js_heap_used(cdp),
            "renderer_rss_bytes": renderer_rss(profile),
            "page_errors": errors,
        }
        if settle and "mc:snapshot-restored" in timeline["marks"]:
            # A pane stays open after it starts; its loader then stores Cache Storage copies for the next
            # start (once per build). Closing the page at once would measure a pane nobody uses.
            with contextlib.suppress(PlaywrightTimeoutError):
                page.wait_for_function("performance.getEntriesByName('mc:cache-stored').length > 0", timeout=8000)
    finally:
        cdp.detach()
        page.close()
    return sample


Progress = Callable[[str], None]


def measure_or_record(
    context: BrowserContext, profile: Path, base_url: str, target: Target, *, settle: bool = False
) -> dict[str, Any]:
    """One load; a load that fails or times out is kept as a failed sample instead of ending the run."""
    try:
        return measure_once(context, profile, base_url, target, settle=settle)
    except Exception as exc:  # any failure of one load is a result to report
        return {"failed": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}", "page_errors": [], "marks": {}}


def _describe(sample: dict[str, Any]) -> str:
    return f"FAILED {sample['failed']}" if "failed" in sample else f"ready {sample['ready']:.0f} ms"


def run_cold(
    pw: Playwright, bases: dict[str, str], targets: tuple[Target, ...], runs: int, progress: Progress
) -> dict[str, list[dict[str, Any]]]:
    """Each run in a brand-new profile: empty HTTP cache, no compiled-code cache."""
    samples: dict[str, list[dict[str, Any]]] = {t.key: [] for t in targets}
    for i in range(runs):
        for target in targets:  # interleaved, so that drift hits every target alike
            profile = Path(tempfile.mkdtemp(prefix="mc-bench-cold-"))
            try:
                context = launch(pw, profile)
                try:
                    sample = measure_or_record(context, profile, bases[target.server], target)
                finally:
                    context.close()
            finally:
                shutil.rmtree(profile, ignore_errors=True)
            samples[target.key].append(sample)
            progress(f"cold {i + 1}/{runs} {target.key}: {_describe(sample)}")
    return samples


def run_warm(
    pw: Playwright, bases: dict[str, str], targets: tuple[Target, ...], runs: int, progress: Progress, primes: int = 2
) -> dict[str, list[dict[str, Any]]]:
    """One persistent profile, primed (HTTP cache filled, V8/wasm code caches written); every run
    opens a new page, as Outlook opens a new pane frame."""
    samples: dict[str, list[dict[str, Any]]] = {t.key: [] for t in targets}
    profile = Path(tempfile.mkdtemp(prefix="mc-bench-warm-"))
    try:
        context = launch(pw, profile)
        try:
            for _ in range(primes):
                for target in targets:
                    measure_or_record(context, profile, bases[target.server], target, settle=True)
            for i in range(runs):
                for target in targets:
                    sample = measure_or_record(context, profile, bases[target.server], target, settle=True)
                    samples[target.key].append(sample)
                    progress(f"warm {i + 1}/{runs} {target.key}: {_describe(sample)}")
        finally:
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return samples


def run_boot(
    bases: dict[str, str],
    modes: tuple[str, ...],
    runs: int,
    progress: Progress,
    targets: tuple[Target, ...] = DEFAULT_TARGETS,
    primes: int = 2,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """`bases` maps a target key to the server it is loaded from; "" is the default server. Chromium's
    targets first, then WebKit's (bench/webkit.py), each engine's targets interleaved run by run."""
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    chromium = tuple(t for t in targets if not t.key.startswith("webkit_"))
    webkit_targets = tuple(t for t in targets if t.key.startswith("webkit_"))
    if chromium:
        with sync_playwright() as pw:
            if "warm" in modes:
                results["warm"] = run_warm(pw, bases, chromium, runs, progress, primes=primes)
            if "cold" in modes:
                results["cold"] = run_cold(pw, bases, chromium, runs, progress)
    if webkit_targets:
        from bench import webkit

        if webkit.available():
            for mode, samples in webkit.run_webkit(bases, modes, webkit_targets, runs, progress, primes).items():
                results.setdefault(mode, {}).update(samples)
        else:
            progress("WebKit is not installed (`make setup` installs it): no WebKit rows")
    return results
