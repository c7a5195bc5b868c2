"""Benchmarks of SPEC §7, run with `python -m bench` (results in bench/results/latest.{json,md}).

Every figure is measured next to its baseline in the same run (absolute times drift on a shared
2-core machine), as medians over repeated runs in headless Chromium: cold (a fresh profile per run)
and warm (one persistent profile, primed, a new page per run).
"""
