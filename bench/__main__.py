"""`python -m bench`: build the add-in, serve it, run the benchmarks, write bench/results/latest.*."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench import boot, flows, report
from bench.site import BenchSite

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="measured runs per target and mode (median reported)")
    parser.add_argument("--modes", default="warm,cold", help="comma-separated: warm, cold")
    parser.add_argument("--primes", type=int, default=2, help="unmeasured loads that fill the warm profile's caches")
    parser.add_argument("--results", default=str(RESULTS), help="folder for latest.json and latest.md")
    parser.add_argument(
        "--targets",
        default=",".join(t.key for t in boot.DEFAULT_TARGETS),
        help=f"comma-separated, of: {', '.join(t.key for t in boot.TARGETS)} ('before' is added by --compare)",
    )
    parser.add_argument(
        "--scenarios",
        default="boot",
        help="comma-separated: boot, search, pinned, link (through the pane's UI), crm (the local CRM's own figures), "
        "officejs (the pane's renderer receiving an attachment through Microsoft's office.js; --link-sizes/-runs)",
    )
    parser.add_argument("--link-sizes", default="1,5,20", help="attachment sizes of the link scenario, in MB")
    parser.add_argument("--link-runs", type=int, default=3, help="links per size")
    parser.add_argument("--link-attachments", type=int, default=1,
                        help="attachments of the link scenario's mail, each of the size linked (flows)")
    parser.add_argument("--crm-records", type=int, default=100_000, help="Contacts added for the crm scenario")
    parser.add_argument("--crm-latency-ms", type=float, default=0.0,
                        help="the local CRM answers every call this much later, as over a network (flows)")
    parser.add_argument("--compare", help="an earlier dev build to measure next to this one, as target 'before'")
    parser.add_argument("--root", help="serve this existing dev build instead of building one (A/B experiments)")
    parser.add_argument("--label", default="", help="free text stored with the results (e.g. 'before snapshot')")
    args = parser.parse_args(argv)
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    unknown = set(modes) - {"warm", "cold"}
    if unknown or args.runs < 1:
        parser.error(f"bad --modes/--runs: {sorted(unknown)}")
    by_key = {t.key: t for t in boot.TARGETS}
    wanted = [k.strip() for k in args.targets.split(",") if k.strip()]
    if not wanted or any(k not in by_key for k in wanted):
        parser.error(f"--targets must name some of {sorted(by_key)}")
    if args.compare and "before" not in wanted:
        wanted.append("before")
    if "webkit_before_plain" in wanted and not args.compare:
        parser.error("webkit_before_plain is the --compare build's plain boot in WebKit: give --compare")
    targets = tuple(by_key[k] for k in wanted)
    scenarios = tuple(x.strip() for x in args.scenarios.split(",") if x.strip())
    if not scenarios or set(scenarios) - {"boot", "search", "pinned", "link", "crm", "officejs"}:
        parser.error("--scenarios must name some of boot, search, pinned, link, crm, officejs")

    def progress(line: str) -> None:
        print(f"bench: {line}", flush=True)

    # A terminated run still stops its server and removes its temporary profiles (the `with` blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    with BenchSite.temporary(
        Path(args.root).resolve() if args.root else None,
        Path(args.compare).resolve() if args.compare else None,
        micropython="mpy_worker" in wanted,
    ) as site:
        progress(f"site built and served at {site.url} ({time.monotonic() - t0:.0f} s)")
        samples: dict[str, dict[str, list[dict[str, Any]]]] = {}
        if "boot" in scenarios:
            bases = {"": site.url, "before": site.compare_url}
            samples = boot.run_boot(bases, modes, args.runs, progress, targets=targets, primes=args.primes)
        flow_results = None
        if set(scenarios) & {"search", "pinned", "link"}:
            sizes = tuple(int(x) for x in args.link_sizes.split(",") if x.strip())
            before = None
            if args.compare:
                # The earlier build's flows first, then this build's: one run, the same machine load.
                earlier = SimpleNamespace(url=site.compare_url, root=Path(args.compare).resolve())
                progress(f"flows of the --compare build {args.compare}")
                before = flows.run_flows(earlier, scenarios, args.runs, args.link_runs, sizes, progress,
                                        args.crm_latency_ms, args.link_attachments)
                before["root"] = args.compare
                progress("flows of this build")
            flow_results = flows.run_flows(site, scenarios, args.runs, args.link_runs, sizes, progress,
                                          args.crm_latency_ms, args.link_attachments)
            if before is not None:
                flow_results["before"] = before
        if "officejs" in scenarios:
            from bench import officejs

            sizes = tuple(int(x) for x in args.link_sizes.split(",") if x.strip())
            samples_js = officejs.run_officejs(sizes, args.link_runs, progress)
            flow_results = {**(flow_results or {}), "officejs": samples_js}
        if "crm" in scenarios:
            from bench import crm

            flow_results = {**(flow_results or {}), "crm_side": crm.run_crm(args.runs, progress, args.crm_records)}
    results = report.summarise(samples, runs=args.runs, label=args.label, flows=flow_results)
    json_path, md_path = report.write(results, Path(args.results))
    print(md_path.read_text())
    progress(f"wrote {json_path} and {md_path} ({time.monotonic() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
