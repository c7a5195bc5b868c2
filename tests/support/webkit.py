"""WebKit, the engine of Outlook for Mac (WKWebView) and Safari, driven through plain W3C WebDriver HTTP.

Debian's WebKitGTK ships `WebKitWebDriver` (package `webkit2gtk-driver`) and a `MiniBrowser` that it can
automate (`--automation`). MiniBrowser's `--headless` hangs on these machines, so it runs in a virtual X
display (`Xvfb`). The client speaks the W3C protocol with httpx (already a dependency) instead of
Selenium: the few commands the tests need fit in this file, and nothing more is installed from PyPI.
`get_log` is not supported by WebKitWebDriver: errors are read through page globals.

Used by tests/webkit/ and by the benchmarks (bench/webkit.py); scripts/setup.sh installs the packages.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import free_port, stop_process

WEBDRIVER = "/usr/bin/WebKitWebDriver"
XVFB = "/usr/bin/Xvfb"
MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # W3C key of an element reference
SESSION_START_S = 90.0  # a MiniBrowser normally connects within about a second here


def missing() -> list[str]:
    """The programs WebKit runs need that are not installed (scripts/setup.sh installs them)."""
    return [path for path in (WEBDRIVER, XVFB, MINIBROWSER) if not Path(path).exists()]


class WebDriverError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(f"{error} (HTTP {status}): {message}")
        self.error = error


class Display:
    """A virtual X display of its own (Xvfb picks a free number and writes it to a pipe)."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            [XVFB, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.proc.kill()
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"

    def stop(self) -> None:
        stop_process(self.proc)


class Driver:
    """A running WebKitWebDriver on a free port, on `display`; sessions are opened with `session()`."""

    def __init__(self, display: Display, log_path: Path) -> None:
        self._display = display
        self._log_path = log_path
        self._log = log_path.open("ab")
        self._start()

    def _start(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DISPLAY": self._display.name}
        # No accessibility bus and no GPU here: without these, every page start waits on D-Bus timeouts.
        env.update({"NO_AT_BRIDGE": "1", "WEBKIT_DISABLE_COMPOSITING_MODE": "1", "LIBGL_ALWAYS_SOFTWARE": "1"})
        self.proc = subprocess.Popen([WEBDRIVER, f"--port={self.port}"], stdout=self._log, stderr=subprocess.STDOUT,
                                     env=env)
        self.http = httpx.Client(base_url=self.url, timeout=httpx.Timeout(330.0, connect=5.0))
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if self.http.get("/status").status_code == 200:
                    break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = self._log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"WebKitWebDriver did not start:\n{log}")
            time.sleep(0.1)

    def session(self) -> Session:
        """A new MiniBrowser. In automation mode it keeps its HTTP cache, Cache Storage and Web Storage in
        memory (an ephemeral profile): every session starts cold, later loads in it are warm.

        Once in a full run a MiniBrowser failed to open the virtual display ("cannot open display") and
        WebKitWebDriver waited for it until the test's timeout. A browser that has not connected within
        SESSION_START_S is given up with its driver, and one new driver and browser are started."""
        try:
            return Session(self)
        except httpx.TimeoutException:
            self._log.write(b"\n[tests] no MiniBrowser session after SESSION_START_S: restarting WebKitWebDriver\n")
            self._stop_driver()
            self._start()
            return Session(self)

    def _stop_driver(self) -> None:
        self.http.close()
        stop_process(self.proc)

    def stop(self) -> None:
        self._stop_driver()
        self._log.close()


class Session:
    """One MiniBrowser automated through WebDriver: navigation, scripts, elements."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        options = {"binary": MINIBROWSER, "args": ["--automation"]}
        capabilities = {"alwaysMatch": {"webkitgtk:browserOptions": options}}
        answer = self._send("POST", "/session", {"capabilities": capabilities}, timeout=SESSION_START_S)
        self.id: str = answer["sessionId"]
        self.capabilities: dict[str, Any] = answer["capabilities"]
        self.command("POST", "/timeouts", {"script": 300_000, "pageLoad": 300_000, "implicit": 0})

    # --- protocol --------------------------------------------------------------------------------------------
    def _send(self, method: str, path: str, body: dict[str, Any] | None = None, timeout: float | None = None) -> Any:
        extra: dict[str, Any] = {} if timeout is None else {"timeout": httpx.Timeout(timeout, connect=5.0)}
        response = self.driver.http.request(method, path, json=body if method == "POST" else None, **extra)
        payload = response.json()
        value = payload.get("value") if isinstance(payload, dict) else None
        if response.status_code >= 400:
            error = value if isinstance(value, dict) else {}
            raise WebDriverError(response.status_code, error.get("error", "?"), error.get("message", str(payload)))
        return value

    def command(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._send(method, f"/session/{self.id}{path}", body if body is not None else {})

    def close(self) -> None:
        with contextlib.suppress(httpx.HTTPError, WebDriverError):
            self._send("DELETE", f"/session/{self.id}")

    # --- pages -------------------------------------------------------------------------------------------------
    def get(self, url: str) -> None:
        self.command("POST", "/url", {"url": url})

    @property
    def version(self) -> str:
        return str(self.capabilities.get("browserVersion", "?"))

    def run(self, script: str, *args: Any) -> Any:
        """The body of a function (`return ...`), run in the page with `args` (JSON values or elements)."""
        return self.command("POST", "/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, expression: str, *args: Any) -> Any:
        """An expression giving a Promise (it may use `args`); its resolved value comes back. A rejection
        comes back as a WebDriverError carrying the message."""
        script = (
            "const done = arguments[arguments.length - 1]; const args = [...arguments].slice(0, -1);"
            f"Promise.resolve().then(() => ({expression})).then("
            "v => done({ok: v === undefined ? null : v}), e => done({error: String(e && e.stack || e)}));"
        )
        answer = self.command("POST", "/execute/async", {"script": script, "args": list(args)})
        if "error" in answer:
            raise WebDriverError(500, "javascript error", answer["error"])
        return answer["ok"]

    def wait_for(self, condition: str, *args: Any, timeout_ms: int = 60_000, what: str = "") -> Any:
        """Wait, inside the page, until the expression `condition` (it may use `args`) is truthy; its value
        comes back. Polls with animation frames and timers in the page, not with WebDriver round trips."""
        expression = (
            "new Promise((resolve, reject) => {"
            f" const deadline = performance.now() + {timeout_ms};"
            f" const check = () => {{ let v; try {{ v = ({condition}); }} catch (e) {{ v = false; }}"
            "  if (v) resolve(v); else if (performance.now() > deadline) reject(new Error('timed out'));"
            "  else setTimeout(check, 25); };"
            " check(); })"
        )
        try:
            return self.run_async(expression, *args)
        except WebDriverError as exc:
            raise TimeoutError(f"waited {timeout_ms} ms for {what or condition}") from exc

    def wait_selector(self, selector: str, timeout_ms: int = 60_000) -> None:
        self.wait_for("document.querySelector(args[0])", selector, timeout_ms=timeout_ms, what=selector)

    def marks(self) -> set[str]:
        return set(self.run("return performance.getEntriesByType('mark').map(e => e.name)"))

    # --- elements ------------------------------------------------------------------------------------------------
    def find(self, selector: str) -> dict[str, str]:
        element = self.command("POST", "/element", {"using": "css selector", "value": selector})
        return {ELEMENT: element[ELEMENT]}

    def click(self, selector: str) -> None:
        """Click the element once it is there (as a user waits for it to show)."""
        self.wait_selector(selector)
        self.command("POST", f"/element/{self.find(selector)[ELEMENT]}/click")

    def fill(self, selector: str, text: str) -> None:
        """Type `text` into a field once it takes input (as a user would wait for it), replacing its value."""
        takes_input = "(e => e && !e.disabled && !e.readOnly)(document.querySelector(args[0]))"
        self.wait_for(takes_input, selector, what=f"{selector} enabled")
        element = self.find(selector)[ELEMENT]
        if self.run("return document.querySelector(arguments[0]).value", selector):
            self.command("POST", f"/element/{element}/clear")
        self.command("POST", f"/element/{element}/value", {"text": text})

    def text(self, selector: str) -> str:
        return str(self.command("GET", f"/element/{self.find(selector)[ELEMENT]}/text"))

    def value(self, selector: str) -> str:
        return str(self.run("return document.querySelector(arguments[0]).value", selector))

    def screenshot(self, path: Path) -> None:
        import base64

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.command("GET", "/screenshot")))


@contextlib.contextmanager
def webkit(log_dir: Path) -> Iterator[Driver]:
    """A virtual display and a WebKitWebDriver for the duration of the block."""
    display = Display()
    try:
        driver = Driver(display, log_dir / "webkitwebdriver.log")
        try:
            yield driver
        finally:
            driver.stop()
    finally:
        display.stop()
