"""Debian's Chromium, launched headless the same way by the build (boot snapshot), the tests and the
benchmarks. Playwright's own browser download does not work on these machines."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
# Root in CI: no sandbox. No GPU here. No background traffic: this machine's closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
