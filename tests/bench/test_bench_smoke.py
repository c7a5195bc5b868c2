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
            "pane,pane_own_loader,bare",
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
    # The pane (through PyScript), the previous own-loader route and the bare baseline, in one run.
    for key in ("pane", "pane_own_loader", "bare"):
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
    assert "| Mail Connector pane (PyScript, snapshot interpreter) |" in table
    assert "| pane, own loader without PyScript (previous) |" in table
    assert "| bare loadPyodide() |" in table and "| 1.00× |" in table


def test_bench_command_measures_search_pinned_switch_link_and_the_crm(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scenarios",
            "search,pinned,link,crm",
            "--runs",
            "1",
            "--link-sizes",
            "1",
            "--link-runs",
            "1",
            "--crm-records",
            "500",
            "--results",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    flows = json.loads((tmp_path / "latest.json").read_text())["flows"]

    (search,) = flows["search"]
    assert search["status"] in ("results", "too_many")
    # The pane's own request was seen and replayed with plain fetch; the debounce came before it.
    assert search["baseline_ms"] > 0 and 0 < search["sent_after_ms"] < search["pane_ms"]
    assert "query" in search["ops"]
    # the CRM's own record of the pane's rows query and of its three replays: reached, then handled
    assert 0 < search["reached_ms"] < search["sent_to_rendered_ms"] and 0 < search["crm_ms"] < search["pane_call_ms"]
    assert 0 < search["reached_replay_ms"] < search["baseline_ms"]
    assert 0 < search["crm_replay_ms"] < search["baseline_ms"]
    (pinned,) = flows["pinned"]
    assert 0 < pinned["header_ms"] <= pinned["suggestions_ms"]
    assert "mcsuggest" in pinned["ops"]
    (link,) = flows["link"]
    assert link["size_mb"] == 1 and link["pane_ms"] > 0 and link["baseline_ms"] > 0
    assert link["uploads"] >= 2  # the attachment and the .eml, in parts
    # the simulated host's part is measured apart: its answers during the link, and its calls alone
    assert {c["name"] for c in link["host_calls"]} == {"getAttachmentContentAsync", "getAsFileAsync"}
    assert 0 < link["host_ms"] < link["pane_ms"] and link["host_only_ms"] > 0
    assert link["pane_without_host_ms"] == link["pane_ms"] - link["host_ms"]
    # and the pane alone: another link with the host's answers built before the click
    assert link["pane_alone_ms"] > 0 and link["pane_alone_rss_growth_bytes"] is not None
    crm = flows["crm_side"]
    assert crm["search"]["contacts"] > 500
    assert crm["links"]["links"] == crm["links"]["users"] * 5

    table = (tmp_path / "latest.md").read_text()
    for title in ("## Search", "## Pinned pane", "## Link", "### The pane alone", "## The local CRM's own figures"):
        assert title in table


def test_bench_officejs_measures_the_pane_renderer_on_microsofts_office_js(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--scenarios", "officejs", "--link-sizes", "1", "--link-runs", "1",
         "--results", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    samples = json.loads((tmp_path / "latest.json").read_text())["flows"]["officejs"]
    # the answer alone, then decoded by the pane: office.js handed over the whole attachment both times
    assert [(s["decoded"], s["size"]) for s in samples] == [(False, 1398104), (True, 1048576)]
    assert all(s["office_js"].startswith("@microsoft/office-js ") and s["answer_ms"] > 0 for s in samples)
    assert "## Microsoft's office.js" in (tmp_path / "latest.md").read_text()
