"""Medians, ratios against the baselines, and the two result files (JSON with every sample, Markdown)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
from pathlib import Path
from typing import Any

from bench.boot import TARGETS
from bench.chromium import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
# SPEC §7 boot targets (milliseconds).
TARGET_FRAME_MS = 200
TARGET_READY_MS = {"warm": 1500, "cold": 4000}
METRICS = (
    ("first_paint", "frame painted (first paint)", "ms"),
    ("ready", "accepts input / Python ready", "ms"),
    ("requests", "requests", "count"),
    ("network_requests", "requests over the network", "count"),
    ("transferred_bytes", "bytes over the network", "bytes"),
    ("decoded_bytes", "bytes decoded", "bytes"),
    ("renderer_rss_bytes", "renderer memory (RSS)", "bytes"),
    ("js_heap_used_bytes", "JS heap used", "bytes"),
    ("then", "later milestone (then_mark)", "ms"),
)


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _environment() -> dict[str, str]:
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False).stdout.strip()
        except OSError:
            return ""

    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": run("git", "rev-parse", "--short", "HEAD"),
        "dirty": str(bool(run("git", "status", "--porcelain", "--untracked-files=no"))),
        "chromium": run(CHROMIUM, "--version").splitlines()[0] if run(CHROMIUM, "--version") else "",
        "cpus": str(os.cpu_count()),
        # Other work on the machine slows every target alike; the ratios are what stays comparable.
        "load_average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "machine": platform.platform(),
    }


def summarise(samples: dict[str, dict[str, list[dict[str, Any]]]], *, runs: int, label: str) -> dict[str, Any]:
    boot: dict[str, Any] = {}
    for mode, by_target in samples.items():
        medians = {
            key: {metric: median([s.get(metric) for s in rows]) for metric, _, _ in METRICS}
            for key, rows in by_target.items()
        }
        boot[mode] = {"medians": medians, "samples": by_target}
    return {"label": label, "runs": runs, "environment": _environment(), "boot": boot}


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "bytes":
        return f"{value / 1e6:,.2f} MB" if value >= 1e5 else f"{value / 1e3:,.1f} kB"
    return f"{value:,.0f}"


def _ratio(ours: float | None, base: float | None) -> str:
    if ours is None or not base:
        return "n/a"
    return f"{ours / base:.2f}×"


def to_markdown(results: dict[str, Any]) -> str:
    env = results["environment"]
    titles = {t.key: t.title for t in TARGETS}
    lines = [
        "# Benchmark results",
        "",
        f"{env['date']} · commit {env['commit']}{' (+ local changes)' if env['dirty'] == 'True' else ''} · "
        f"{env['chromium']} headless · {env['cpus']} CPUs, load {env.get('load_average', '?')} at the end · "
        f"median of {results['runs']} runs" + (f" · {results['label']}" if results["label"] else ""),
        "",
        "## Boot",
        "",
        "Every target in the same run, on the same server and the same runtime files. Ratio = target / bare "
        "`loadPyodide()` (lower is better); the machine is shared, so the ratios are the figures to compare "
        "across runs.",
        "",
    ]
    order = {t.key: i for i, t in enumerate(TARGETS)}
    for mode in sorted(results["boot"], key=lambda m: m != "warm"):
        data = results["boot"][mode]
        med = dict(sorted(data["medians"].items(), key=lambda kv: order.get(kv[0], len(order))))
        bare = med.get("bare", {})
        lines += [
            f"### {mode} ({'fresh profile per run' if mode == 'cold' else 'persistent profile, new page per run'})",
            "",
            "| target | frame painted | accepts input / Python ready | ready ÷ bare | requests (over network) "
            "| bytes over network | renderer memory | JS heap |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for key, m in med.items():
            lines.append(
                f"| {titles.get(key, key)} | {_fmt(m['first_paint'], 'ms')} | {_fmt(m['ready'], 'ms')} | "
                f"{_ratio(m['ready'], bare.get('ready'))} | {_fmt(m['requests'], 'count')} "
                f"({_fmt(m['network_requests'], 'count')}) | {_fmt(m['transferred_bytes'], 'bytes')} | "
                f"{_fmt(m['renderer_rss_bytes'], 'bytes')} | {_fmt(m['js_heap_used_bytes'], 'bytes')} |"
            )
        lines.append("")
        for key, m in med.items():
            if m.get("then") is not None:
                lines += [
                    f"{titles.get(key, key)}: its worker answered a call into the app at {_fmt(m['then'], 'ms')}.",
                    "",
                ]
        pane = med.get("pane", {})
        frame, ready = pane.get("first_paint"), pane.get("ready")
        if frame is not None and ready is not None:
            limit = TARGET_READY_MS[mode]
            lines += [
                f"SPEC §7 ({mode}): frame painted {_fmt(frame, 'ms')} (target < {TARGET_FRAME_MS} ms: "
                f"{'met' if frame < TARGET_FRAME_MS else 'NOT met'}); accepts input {_fmt(ready, 'ms')} "
                f"(target ≤ {limit:,} ms: {'met' if ready <= limit else 'NOT met'}).",
                "",
            ]
        phases = _phases(data["samples"].get("pane", []))
        if phases:
            lines += [f"Pane boot phases ({mode}, medians, ms after navigation start): {phases}", ""]
    errors = [
        f"{mode}/{key}: {err}"
        for mode, data in results["boot"].items()
        for key, rows in data["samples"].items()
        for s in rows
        for err in s["page_errors"]
    ]
    errors += [
        f"{mode}/{key}: load failed: {s['failed']}"
        for mode, data in results["boot"].items()
        for key, rows in data["samples"].items()
        for s in rows
        if "failed" in s
    ]
    if errors:
        lines += [
            "Errors seen during the runs (failed loads are left out of the medians):",
            "",
            *(f"- `{e}`" for e in errors),
            "",
        ]
    return "\n".join(lines)


def _phases(samples: list[dict[str, Any]]) -> str:
    """The loader's performance marks, in time order (where the pane's start goes)."""
    names = {name for s in samples for name in s.get("marks", {})}
    medians = {n: median([s["marks"].get(n) for s in samples]) for n in names}
    ordered = sorted((v, n) for n, v in medians.items() if v is not None)
    return " → ".join(f"{n.removeprefix('mc:')} {v:,.0f}" for v, n in ordered)


def write(results: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "latest.json"
    md_path = folder / "latest.md"
    json_path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    md_path.write_text(to_markdown(results))
    return json_path, md_path
