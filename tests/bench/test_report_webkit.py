"""The benchmark report puts WebKit's rows next to Chromium's: each WebKit row's ratio is to WebKit's own
bare `loadPyodide()` of the same run, and the WebKit pane is compared with the Chromium pane (issue #17)."""

from __future__ import annotations

from typing import Any

import pytest

from bench import report


def sample(ready: float, *marks: str) -> dict[str, Any]:
    return {"ready": ready, "first_paint": 50.0, "marks": dict.fromkeys(marks, 1.0), "page_errors": []}


def test_webkit_rows_use_webkits_own_baseline_and_are_compared_with_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "_webkit_version", lambda: "WebKitGTK 2.50.6")  # no browser started for a label
    samples = {
        "warm": {
            "pane": [sample(1000.0, "mc:snapshot-restored")],
            "bare": [sample(4000.0)],
            "webkit_pane": [sample(1500.0, "mc:snapshot-restored"), sample(1700.0, "mc:plain-boot")],
            "webkit_bare": [sample(10000.0)],
        }
    }
    results = report.summarise(samples, runs=2, label="t")
    text = report.to_markdown(results)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert "0.25×" in rows["Mail Connector pane (PyScript, snapshot interpreter)"]  # 1000 / 4000
    assert "0.16×" in rows["WebKit: Mail Connector pane"]  # median 1600 / 10000, not / Chromium's bare
    assert "1.00×" in rows["WebKit: bare loadPyodide()"]
    assert "1.60× its Chromium figure of this run (issue #17: within 2×: met)" in text
    assert "restored from the snapshot in 1 of 2 starts" in text
    assert "WebKitGTK 2.50.6" in text
