"""The site under test: a fresh build of the add-in plus the baseline pages, served like production.

The add-in is built with the simulated Office host (`--dev`), because office.js from Microsoft's CDN
is unreachable here; the pane and the baselines are served by the project's own static server
(`python -m server serve --no-build`), so caching and compression are the real ones.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from tests.support.processes import stop_process

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "pages"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def add_bench_pages(out: Path, runtime_prefix: str, *, micropython: bool = False) -> None:
    """Copy the baseline pages into the build, pointing them at the build's hashed runtime, and write
    the pane started by its own loader module instead of PyScript's core (bench-own-loader.html)."""
    dest = out / "bench"
    dest.mkdir(exist_ok=True)
    boot = next((p.relative_to(out).as_posix() for p in out.glob("runtime/*/boot")), "")
    for page in sorted(PAGES.iterdir()):
        if not page.is_file():
            continue
        text = page.read_text().replace("%RUNTIME%", f"../{runtime_prefix}").replace("%BOOT%", f"../{boot}")
        (dest / page.name).write_text(text)
    if micropython:
        from bench.micropython import ensure_micropython

        shutil.copytree(ensure_micropython(), dest / "micropython", dirs_exist_ok=True)
    index = (out / "index.html").read_text()
    core = re.search(r'data-pyscript="(\./runtime/[0-9a-f]+/pyscript/core\.js)"', index)
    if core:
        # The same page started the previous way: the loader, then the page's Python run by a small
        # module of our own, no PyScript (bench/pages/own-loader.mjs).
        own = index.replace(core.group(0), 'data-pyscript="./bench/own-loader.mjs"')
        own = "\n".join(line for line in own.splitlines() if "/pyscript/core" not in line) + "\n"
        (out / "bench-own-loader.html").write_text(own)


@dataclass
class BenchSite:
    """A built add-in served on 127.0.0.1 for the duration of a `with` block."""

    workdir: Path
    prebuilt: Path | None = None  # serve this build folder as it is (A/B experiments) instead of building
    compare: Path | None = None  # an earlier build, served by a second server at compare_url
    compare_url: str = ""
    micropython: bool = False  # the prototype page needs MicroPython (fetched with npm once)
    url: str = ""
    root: Path | None = None
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _own_workdir: bool = False

    @classmethod
    def temporary(
        cls, prebuilt: Path | None = None, compare: Path | None = None, *, micropython: bool = False
    ) -> BenchSite:
        site = cls(Path(tempfile.mkdtemp(prefix="mc-bench-")), prebuilt=prebuilt, compare=compare)
        site.micropython = micropython
        site._own_workdir = True
        return site

    def __enter__(self) -> BenchSite:
        sys.path.insert(0, str(ROOT))
        from server.build import build

        if self.prebuilt is not None:
            out = self.prebuilt
            runtime_prefix = next(p.parent.relative_to(out).as_posix() for p in out.glob("runtime/*/pyodide"))
        else:
            out = self.workdir / "dist"
            runtime_prefix = build(out, dev=True).runtime_prefix
        add_bench_pages(out, runtime_prefix, micropython=self.micropython)
        self.root = out
        self.url = self._serve(out)
        if self.compare is not None:
            # Its own server at its own root, so that its hashed paths get the same caching as ours.
            self.compare_url = self._serve(self.compare)
        return self

    def _serve(self, root: Path) -> str:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = (self.workdir / f"site-{port}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--no-build", "--root", str(root), "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._procs.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"bench: the static server exited with {proc.returncode}")
            try:
                if httpx.get(f"{url}/index.html", timeout=2).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise TimeoutError("bench: the static server did not answer within 60 s")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for proc in self._procs:
            stop_process(proc)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
