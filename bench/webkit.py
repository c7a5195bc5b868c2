"""Boot benchmark in WebKit (Outlook for Mac's WKWebView, Safari): WebKitGTK's MiniBrowser through
WebDriver (tests/support/webkit.py), the same pages and marks as the Chromium rows (bench/boot.py).

cold: a new MiniBrowser per run (under automation its HTTP cache and Cache Storage live in memory: a new
one starts empty). warm: one MiniBrowser per target, primed, every run a new navigation after `about:blank`
(a pane opened again, after the same page). Targets interleave run by run; the ratio to WebKit's own bare
`loadPyodide()` of the same run is the figure to read, as absolute times move with the machine's load.
WebDriver gives no network or memory figures: those columns stay empty for WebKit.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

from bench.boot import READY_TIMEOUT_MS, Progress, Target
from tests.support import webkit

TIMELINE = """
const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
const ready = performance.getEntriesByName(arguments[0])[0];
return {
  first_paint: paint['first-paint'] ?? paint['first-contentful-paint'] ?? null,
  first_contentful_paint: paint['first-contentful-paint'] ?? null,
  ready: ready ? ready.startTime : null,
  dom_content_loaded: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? null,
  marks: Object.fromEntries(performance.getEntriesByType('mark').map(e => [e.name, e.startTime])),
};
"""


def available() -> bool:
    return not webkit.missing()


def version() -> str:
    with tempfile.TemporaryDirectory(prefix="mc-bench-webkit-") as tmp, webkit.webkit(Path(tmp)) as driver:
        session = driver.session()
        try:
            return f"WebKitGTK {session.version}"
        finally:
            session.close()


def measure_once(session: webkit.Session, base_url: str, target: Target, *, settle: bool) -> dict[str, Any]:
    try:
        session.get("about:blank")  # a new pane frame, not a reload (see tests/webkit/pane.py)
        session.get(base_url + target.path)
        session.wait_for(
            "performance.getEntriesByName(args[0]).length > 0", target.ready_mark, timeout_ms=READY_TIMEOUT_MS
        )
        timeline: dict[str, Any] = session.run(TIMELINE, target.ready_mark)
        if settle and "mc:snapshot-restored" in timeline["marks"]:
            with contextlib.suppress(TimeoutError):  # the loader stores its Cache Storage copies, as in Chromium
                session.wait_for("performance.getEntriesByName('mc:cache-stored').length > 0", timeout_ms=8000)
    except Exception as exc:  # any failure of one load is a result to report
        return {"failed": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}", "page_errors": [], "marks": {}}
    return {**timeline, "then": None, "page_errors": []}


def _describe(sample: dict[str, Any]) -> str:
    if "failed" in sample:
        return f"FAILED {sample['failed']}"
    boot = "snapshot" if "mc:snapshot-restored" in sample["marks"] else "plain" if "mc:plain-boot" in sample[
        "marks"] else ""
    return f"ready {sample['ready']:.0f} ms {boot}".rstrip()


def _run_warm(
    bases: dict[str, str], targets: tuple[Target, ...], runs: int, progress: Progress, primes: int
) -> dict[str, list[dict[str, Any]]]:
    """One MiniBrowser per target, all open at once, runs interleaved target by target: each start follows
    a start of the same page in its web process, as when a pane is opened again. (Sharing one MiniBrowser,
    each target paid for tearing down the previous target's page, another Pyodide heap, in its process:
    up to ~1 s in WebKit before the pane's first module even ran.)"""
    warm: dict[str, list[dict[str, Any]]] = {t.key: [] for t in targets}
    with tempfile.TemporaryDirectory(prefix="mc-bench-webkit-") as tmp, contextlib.ExitStack() as stack:
        sessions = {}
        for target in targets:
            log_dir = Path(tmp) / target.key
            log_dir.mkdir()
            session = stack.enter_context(webkit.webkit(log_dir)).session()
            stack.callback(session.close)
            sessions[target.key] = session
        for _ in range(primes):
            for target in targets:
                measure_once(sessions[target.key], bases[target.server], target, settle=True)
        for i in range(runs):
            for target in targets:
                sample = measure_once(sessions[target.key], bases[target.server], target, settle=True)
                warm[target.key].append(sample)
                progress(f"webkit warm {i + 1}/{runs} {target.key}: {_describe(sample)}")
    return warm


def run_webkit(
    bases: dict[str, str],
    modes: tuple[str, ...],
    targets: tuple[Target, ...],
    runs: int,
    progress: Progress,
    primes: int = 2,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    if "warm" in modes:
        results["warm"] = _run_warm(bases, targets, runs, progress, primes)
    if "cold" in modes:
        cold: dict[str, list[dict[str, Any]]] = {t.key: [] for t in targets}
        with tempfile.TemporaryDirectory(prefix="mc-bench-webkit-") as tmp, webkit.webkit(Path(tmp)) as driver:
            for i in range(runs):
                for target in targets:
                    session = driver.session()
                    try:
                        sample = measure_once(session, bases[target.server], target, settle=False)
                    finally:
                        session.close()
                    cold[target.key].append(sample)
                    progress(f"webkit cold {i + 1}/{runs} {target.key}: {_describe(sample)}")
        results["cold"] = cold
    return results
