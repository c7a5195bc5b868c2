"""Fast boot: the pane starts from the build's Pyodide memory snapshot, and still starts when it cannot.

The snapshot leans on private Pyodide options, so these tests are what catches a runtime upgrade that
breaks it: the restored interpreter must behave like a freshly started one, and every way restoring
can fail must end in a working pane through the plain boot.
"""

from __future__ import annotations

import json
import re
from html import unescape

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from tests.browser.pane import PaneDriver
from tests.conftest import RunningSite

pytestmark = pytest.mark.browser

WHEEL = ".whl"


def marks(page: Page) -> set[str]:
    names: list[str] = page.evaluate("performance.getEntriesByType('mark').map(e => e.name)")
    return set(names)


def pyscript_config(site: RunningSite) -> dict[str, object]:
    """The config inlined in index.html's <script type="py">."""
    html = httpx.get(f"{site.url}/index.html").text
    attribute = re.search(r'<script type="py" config="([^"]+)"', html)
    assert attribute, "index.html has no <script type=py> with an inline config"
    config: dict[str, object] = json.loads(unescape(attribute.group(1)))
    return config


def boot_folder(site: RunningSite) -> str:
    """runtime/<hash>/boot, where PyScript's `interpreter` (the snapshot loader) lives."""
    interpreter = str(pyscript_config(site)["interpreter"])
    folder = re.fullmatch(r"\./(runtime/[0-9a-f]+/boot)/boot\.mjs", interpreter)
    assert folder, f"PyScript's interpreter is not the snapshot loader: {interpreter}"
    return folder.group(1)


def test_pyscripts_config_is_inlined_and_leaves_packages_to_the_snapshot(site: RunningSite) -> None:
    config = pyscript_config(site)
    boot_folder(site)
    # The snapshot holds the packages (the plain boot installs them itself): PyScript must not.
    assert not {"packages", "files", "fetch"} & config.keys()
    assert {"!py-editor", "!py-terminal", "!py-game", "!donkey", "!deprecations-manager"} <= set(config["plugins"])


def test_the_pane_starts_from_the_snapshot_without_installing_any_wheel(pane: PaneDriver) -> None:
    pane.open()
    pane.wait_ready()
    seen = marks(pane.page)
    assert "mc:snapshot-restored" in seen
    assert "mc:plain-boot" not in seen
    # V8's tables keep the identity Emscripten relies on: no correction (WebKit's: tests/webkit/).
    assert "mc:table-native" in seen and "mc:table-mismatch" not in seen
    assert any(url.endswith("/boot/snapshot.bin") for url in pane.requests)
    # pydantic, httpx and the app were imported in the snapshot: no wheel is even downloaded.
    assert not [url for url in pane.requests if url.endswith(WHEEL)]
    # PyScript loaded the interpreter and ran the page's script (pane.wait_ready waited for `py:done`).
    assert [e["type"] for e in pane.pyscript_events()] == ["py:ready", "py:done"]
    assert pane.external_requests() == []
    assert pane.page_errors == []
    assert pane.console_errors == []
    assert pane.csp_violations() == []


def _corrupt_build_id(snapshot: bytes) -> bytes:
    """The same snapshot with one byte of Pyodide's build id changed: Pyodide itself refuses it, deep in
    loadPyodide, after the wasm module and pydantic-core have already been set up."""
    header_length = int.from_bytes(snapshot[4:8], "little")
    first_run = 8 + header_length  # Pyodide's own header starts the first kept page
    build_id = first_run + 16
    data = bytearray(snapshot)
    data[build_id] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize("failure", ["missing", "not a snapshot", "other Pyodide build"])
def test_the_pane_still_starts_when_the_snapshot_cannot_be_restored(
    pane: PaneDriver, site: RunningSite, failure: str
) -> None:
    url = f"{site.url}/{boot_folder(site)}/snapshot.bin"
    corrupt_url = f"{site.url}/{boot_folder(site)}/snapshot-other-build.bin"
    if failure == "other Pyodide build":
        corrupt = site.root / boot_folder(site) / "snapshot-other-build.bin"
        if not corrupt.exists():
            corrupt.write_bytes(_corrupt_build_id(httpx.get(url, timeout=60).content))

    def broken(route: Route) -> None:
        if failure == "missing":
            route.fulfill(status=404, body="gone")
        elif failure == "not a snapshot":
            route.fulfill(status=200, body=b"\x00" * 4096, content_type="application/octet-stream")
        else:
            # Served by the pane's own server instead of through the route: pushing ~28 MB through
            # Playwright's driver took longer than the pane's whole start on a loaded machine.
            route.continue_(url=corrupt_url)

    warnings: list[str] = []
    pane.page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    pane.page.route(url, broken)
    pane.open()
    pane.wait_ready()
    seen = marks(pane.page)
    assert "mc:plain-boot" in seen and "mc:snapshot-restored" not in seen
    assert any("restoring the Python snapshot failed" in w for w in warnings), warnings
    # The plain boot installed the packages from the add-in's own wheels, and PyScript ran the page on it.
    assert any("/pydantic_core-" in u and u.endswith(WHEEL) for u in pane.requests)
    assert [e["type"] for e in pane.pyscript_events()] == ["py:ready", "py:done"]
    assert pane.page_errors == []
    assert pane.csp_violations() == []


def test_later_starts_read_the_snapshot_from_cache_storage_and_survive_a_bad_copy(pane: PaneDriver) -> None:
    page = pane.page
    pane.open()
    pane.wait_ready()
    assert not any(m.startswith("mc:cache-hit") for m in marks(page))
    # The first start stores decoded copies once the pane is up; the next start reads them.
    page.wait_for_function("performance.getEntriesByName('mc:cache-stored').length > 0", timeout=30_000)
    pane.open()
    pane.wait_ready()
    seen = marks(page)
    assert {"mc:cache-hit:snapshot.bin", "mc:cache-hit:pyodide.asm.wasm", "mc:snapshot-restored"} <= seen

    # A damaged copy: that start falls back to the plain boot and throws the copy away ...
    damaged = page.evaluate(
        """async () => {
          const [name] = (await caches.keys()).filter(n => n.startsWith('mail-connector-boot/'));
          const cache = await caches.open(name);
          const url = (await cache.keys()).map(r => r.url).find(u => u.endsWith('/snapshot.bin'));
          await cache.put(url, new Response(new Uint8Array(4096)));
          return name;
        }"""
    )
    pane.open()
    pane.wait_ready()
    assert "mc:plain-boot" in marks(page)
    assert damaged not in page.evaluate("caches.keys()")
    # ... so the one after it restores the snapshot from the network again.
    pane.open()
    pane.wait_ready()
    seen = marks(page)
    assert "mc:snapshot-restored" in seen and not any(m.startswith("mc:cache-hit") for m in seen)
    assert pane.page_errors == []


def test_plain_boot_can_be_asked_for_and_still_runs_under_pyscript(pane: PaneDriver) -> None:
    pane.open("?mc-boot=plain")
    pane.wait_ready()
    seen = marks(pane.page)
    assert "mc:plain-boot" in seen and "mc:snapshot-restored" not in seen
    assert not any(url.endswith("/boot/snapshot.bin") for url in pane.requests)
    assert any("/pydantic_core-" in u and u.endswith(WHEEL) for u in pane.requests)
    # The same PyScript start on the plain interpreter: its events, the caret in the first field.
    assert [e["type"] for e in pane.pyscript_events()] == ["py:ready", "py:done"]
    assert any(url.endswith("/pyscript/core.js") for url in pane.requests)
    assert pane.page.evaluate("document.activeElement.id") == "mc-url"
    assert pane.external_requests() == []
    assert pane.page_errors == []
    assert pane.console_errors == []
    assert pane.csp_violations() == []


RESTORED_PYTHON = """
import importlib.metadata, random, sys

async def main():
    # A pydantic submodule that importing pydantic does not load: read from the files written back.
    import pydantic.v1
    from pydantic import TypeAdapter
    from mailconnector.version import VERSION
    return {
        "random": random.random(),
        "pydantic_dist": importlib.metadata.version("pydantic"),
        "lazy_import": pydantic.v1.__name__,
        "validated": TypeAdapter(list[int]).validate_python(["1", 2]),
        "app_version": VERSION,
        "app_module_from_snapshot": "mailconnector.crm.client" in sys.modules,
    }
"""


def run_in_fresh_harness(
    context: BrowserContext, site: RunningSite, code: str, query: str = ""
) -> tuple[dict[str, object], set[str]]:
    page = context.new_page()
    try:
        page.goto(f"{site.url}/test-harness.html{query}")
        page.wait_for_selector("body[data-harness='ready']", state="attached", timeout=60_000)
        answer = json.loads(page.evaluate("code => window.mcRun(code)", code))
        assert answer["ok"], answer
        return answer["result"], marks(page)
    finally:
        page.close()


def test_the_restored_interpreter_behaves_like_a_fresh_one(shared_context: BrowserContext, site: RunningSite) -> None:
    first, seen = run_in_fresh_harness(shared_context, site, RESTORED_PYTHON)
    assert "mc:snapshot-restored" in seen
    assert first["pydantic_dist"] == "2.14.4"
    assert first["lazy_import"] == "pydantic.v1"
    assert first["validated"] == [1, 2]
    assert first["app_module_from_snapshot"] is True
    assert first["app_version"]

    # Every start reseeds `random`: without it, each pane would replay the snapshot's sequence.
    second, _ = run_in_fresh_harness(shared_context, site, RESTORED_PYTHON)
    assert second["random"] != first["random"]


LOCAL_SETTINGS = """
import os, time

async def main():
    return {"timezone": time.timezone, "gmtoff": time.localtime().tm_gmtoff, "lang": os.environ["LANG"]}
"""


def test_the_restored_interpreter_takes_the_users_time_zone_and_language(browser: Browser, site: RunningSite) -> None:
    # The snapshot was taken in a headless browser on the build machine; this user is in Tokyo, in Italian.
    context = browser.new_context(timezone_id="Asia/Tokyo", locale="it-IT")
    try:
        result, seen = run_in_fresh_harness(context, site, LOCAL_SETTINGS)
    finally:
        context.close()
    assert "mc:snapshot-restored" in seen
    assert result == {"timezone": -9 * 3600, "gmtoff": 9 * 3600, "lang": "it_IT.UTF-8"}


STACK_SWITCHING = """
import js
import pyodide_js
from pyodide.ffi import can_run_sync

async def main():
    return {
        "engine_offers_it": bool(js.Reflect.has(js.WebAssembly, "Suspending")),
        "pyodide_uses_it": bool(pyodide_js._module.jspiSupported),
        "coroutines_can_block": can_run_sync(),
    }
"""


@pytest.mark.parametrize("query", ["", "?mc-boot=plain"], ids=["snapshot", "plain"])
def test_python_runs_without_stack_switching_and_the_page_keeps_it(
    shared_context: BrowserContext, site: RunningSite, query: str
) -> None:
    """This Chromium offers WebAssembly stack switching (JSPI); the pane's Pyodide, restored or booted plain,
    is created without it (addin/loader/module.mjs, withoutStackSwitching): no event-loop turn pays a
    second browser task and a stack of its own, and none of Pyodide's JSPI crashes can reach the pane.
    The engine's `WebAssembly.Suspending` is put back for the page once Pyodide is created."""
    found, seen = run_in_fresh_harness(shared_context, site, STACK_SWITCHING, query)
    assert ("mc:plain-boot" if query else "mc:snapshot-restored") in seen
    assert found == {"engine_offers_it": True, "pyodide_uses_it": False, "coroutines_can_block": False}


PYSCRIPT_PACKAGE = """
import importlib.util, sys

async def main():
    modules = {}
    for name, module in sorted(sys.modules.items()):
        source = getattr(module, "__file__", None) or ""
        if (name == "pyscript" or name.startswith("pyscript.")) and source.endswith(".py"):
            with open(source, "rb") as f:
                wanted = importlib.util.source_hash(f.read())
            try:
                with open(module.__cached__, "rb") as f:
                    pyc = f.read(16)
            except OSError:
                pyc = b""
            flags = int.from_bytes(pyc[4:8], "little") if pyc else None
            modules[name] = {"checked_hash": flags == 3, "matches_source": pyc[8:16] == wanted}
    return modules
"""


@pytest.mark.parametrize("query", ["", "?mc-boot=plain"], ids=["snapshot", "plain"])
def test_pyscripts_own_package_is_compiled_ahead_for_the_sources_pyscript_writes(
    shared_context: BrowserContext, site: RunningSite, query: str
) -> None:
    """PyScript writes its `pyscript` package and imports it on every start; the build ships that package's
    byte code (CHECKED_HASH .pyc) so that it is not compiled each time. Python checks each .pyc against the
    source PyScript wrote: if the vendored PyScript changes what it writes, the pane still works (compiling
    as before) and this test says so loudly."""
    modules, seen = run_in_fresh_harness(shared_context, site, PYSCRIPT_PACKAGE, query)
    assert ("mc:plain-boot" if query else "mc:snapshot-restored") in seen
    assert {"pyscript", "pyscript.context", "pyscript.ffi", "pyscript.events"} <= modules.keys(), modules
    stale = {name: found for name, found in modules.items() if found != {"checked_hash": True, "matches_source": True}}
    assert not stale, (
        "PyScript's package was not compiled ahead for the sources this PyScript writes "
        f"(addin/loader/make-snapshot.mjs, PYSCRIPT_PYC): {stale}"
    )


PYSCRIPT_STDLIB_IMPORTS = """
import ast, os, sys

async def main():
    import mailconnector_snapshot  # present only in a Python restored from the build's snapshot
    in_snapshot = mailconnector_snapshot.MODULES
    package = os.path.dirname(sys.modules["pyscript"].__file__)
    names = set()
    for file in sorted(os.listdir(package)):
        if file.endswith(".py"):
            with open(os.path.join(package, file), encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module)
    own = ("pyscript", "polyscript", "_pyscript")
    used = sorted(n for n in names if n.partition(".")[0] not in own and n in sys.modules)
    zipped = os.path.dirname(os.__file__)  # Pyodide's standard library: a zip of sources
    compiled_since = sorted(
        name for name, module in list(sys.modules.items())
        if name not in in_snapshot and (getattr(module, "__file__", None) or "").startswith(zipped)
    )
    return {"used": used, "missing": [n for n in used if n not in in_snapshot], "compiled_since": compiled_since}
"""


def test_what_pyscripts_package_imports_is_in_the_snapshot(shared_context: BrowserContext, site: RunningSite) -> None:
    """PyScript imports its `pyscript` package after every restore; the standard-library modules that package
    imports come from Pyodide's zip of sources, compiled on first import (html.entities alone took ~100 ms),
    so the build imports them before the snapshot. The build finds them by reading the package's sources in
    PyScript's `stdlib` export: if the vendored PyScript changes how it writes them, this fails loudly."""
    found, seen = run_in_fresh_harness(shared_context, site, PYSCRIPT_STDLIB_IMPORTS)
    assert "mc:snapshot-restored" in seen
    assert {"html", "inspect", "base64", "json"} <= set(found["used"]), found  # type: ignore[arg-type]
    assert found["missing"] == [], (
        "PyScript's package imports standard-library modules the snapshot did not pre-import "
        f"(addin/loader/make-snapshot.mjs, PYSCRIPT_DEPENDENCIES): {found}"
    )
    # Nothing the start (PyScript, the harness page, this code) imported was compiled from the zip.
    assert found["compiled_since"] == [], found


PLAIN_BYTECODE_USED = """
import os, sys

def from_source():
    zipped = os.path.dirname(os.__file__)  # the standard library's zip: __file__ ends in .pyc when read from byte code
    return sorted(
        name for name, module in list(sys.modules.items())
        if (getattr(module, "__file__", None) or "").startswith(zipped + "/") and module.__file__.endswith(".py")
        and getattr(module.__spec__, "origin", None) != "frozen"  # CPython's own frozen modules (abc, codecs, ...)
    )

async def main():
    started = from_source()  # what Pyodide, PyScript and the harness imported
    import mailconnector.main, httpx  # what the pane imports (the harness does not)
    cached = {}
    for name in ("mailconnector.main", "mailconnector.ui.view", "pydantic.main", "httpx._client"):
        module = sys.modules[name]
        with open(module.__cached__, "rb") as f:
            cached[name] = int.from_bytes(f.read(16)[4:8], "little")  # 3: checked hash, as the build wrote it
    encodings = sys.modules["encodings"].__file__
    return {"from_source": started, "then": from_source(), "flags": cached, "encodings": encodings}
"""


def test_the_plain_boot_reads_the_builds_byte_code_instead_of_compiling(
    shared_context: BrowserContext, site: RunningSite
) -> None:
    """The plain boot (every failure's fallback, and WebKit's path when its tables cannot take the snapshot)
    starts Python with the build's standard-library zip that has byte code next to the sources, and writes
    the packages' and the app's .pyc: nothing the start imports is compiled from source."""
    found, seen = run_in_fresh_harness(shared_context, site, PLAIN_BYTECODE_USED, "?mc-boot=plain")
    assert {"mc:plain-boot", "mc:plain-bytecode"} <= seen and "mc:plain-stdlib-failed" not in seen
    assert str(found["encodings"]).endswith("/encodings/__init__.pyc"), found
    assert found["from_source"] == [] and found["then"] == [], found
    assert found["flags"] == dict.fromkeys(found["flags"], 3), found  # type: ignore[arg-type]


def test_the_plain_boot_starts_without_the_builds_byte_code(pane: PaneDriver, site: RunningSite) -> None:
    """Byte code is only a speed-up: when neither file can be fetched, Python starts from Pyodide's own zip of
    sources and the pane still becomes ready."""
    missing = (f"{site.url}/{boot_folder(site)}/stdlib.zip", f"{site.url}/{boot_folder(site)}/bytecode.bin")
    for url in missing:
        pane.page.route(url, lambda route: route.fulfill(status=404, body="gone"))
    warnings: list[str] = []
    pane.page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    pane.open("?mc-boot=plain")
    pane.wait_ready()
    seen = marks(pane.page)
    assert {"mc:plain-boot", "mc:plain-stdlib-failed"} <= seen and "mc:plain-bytecode" not in seen
    assert any("without it" in w for w in warnings), warnings
    assert [e["type"] for e in pane.pyscript_events()] == ["py:ready", "py:done"]
    assert pane.page.evaluate("document.activeElement.id") == "mc-url"
    # Pyodide's own fetch of the zip rejects before its loader awaits it: reported once, nothing else.
    assert all("stdlib.zip" in error for error in pane.page_errors), pane.page_errors
