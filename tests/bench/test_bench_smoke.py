"""The benchmark command still runs end to end (one short run): a smoke test, never a timing assertion."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_bench_command_writes_boot_results_for_the_pane_and_its_baseline(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--runs",
            "1",
            "--modes",
            "warm",
            "--primes",
            "0",
            "--targets",
            "pane,bare",
            "--results",
            str(tmp_path),
            "--label",
            "smoke",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    results = json.loads((tmp_path / "latest.json").read_text())
    assert results["label"] == "smoke"
    warm = results["boot"]["warm"]
    for key in ("pane", "bare"):
        (sample,) = warm["samples"][key]
        assert sample["page_errors"] == []
        # The marks the bench waits for were really set, after the page started painting.
        assert sample["ready"] > 0
        assert sample["first_paint"] is not None and sample["first_paint"] < sample["ready"]
        assert sample["requests"] > 0
        assert sample["renderer_rss_bytes"] > 0
    # Boot fetches the runtime: the pane needs at least the wasm, the stdlib and its own package.
    assert warm["samples"]["pane"][0]["decoded_bytes"] > 10_000_000

    # One table row per target, with the ratio to the bare baseline (1.00× for the baseline itself).
    table = (tmp_path / "latest.md").read_text()
    assert "accepts input / Python ready | ready ÷ bare |" in table
    assert "| Mail Connector pane |" in table
    assert "| bare loadPyodide() |" in table and "| 1.00× |" in table
