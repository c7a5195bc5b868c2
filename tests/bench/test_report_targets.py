"""The benchmark report says whether the pane met SPEC §7's boot targets: through PyScript, accepting input
within 850 ms warm (stretch 750 ms) and 1.6 s cold."""

from __future__ import annotations

from typing import Any

import pytest

from bench import report


def sample(ready: float) -> dict[str, Any]:
    return {"ready": ready, "first_paint": 90.0, "marks": {"mc:snapshot-restored": 1.0}, "page_errors": []}


def test_the_report_reads_the_pane_against_specs_boot_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "_webkit_version", lambda: "WebKitGTK 2.50.6")
    samples = {
        "warm": {"pane": [sample(800.0)], "bare": [sample(1700.0)]},
        "cold": {"pane": [sample(1650.0)], "bare": [sample(2600.0)]},
    }
    text = report.to_markdown(report.summarise(samples, runs=1, label="t"))
    assert "accepts input 800 ms (target ≤ 850 ms: met; stretch ≤ 750 ms: not met)" in text
    assert "accepts input 1,650 ms (target ≤ 1,600 ms: NOT met)" in text
