"""Secrets and headers over a whole session in the pane: sign in (a wrong password first), search,
link, receipt, sign out.

- The password (right or wrong) and the user's CRM access key are nowhere: not in Web Storage,
  IndexedDB (binary values included), Cache Storage, cookies, Office roaming settings, request
  URLs or headers, console output; the password travels only in the body of `mclogin`.
- The device token lives only in this browser's localStorage while signed in and travels only
  in the Authorization header; after sign-out it is gone and the CRM refuses it (401).
- No CSP violation during the whole session; every response of the pane's server and of the CRM
  carries the documented security headers, each exactly once.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Request, Response

from server.crm.app import CORS_HEADERS, DEFAULT_CSP
from server.crm.app import SECURITY_HEADERS as CRM_SECURITY_HEADERS
from server.static import CROSS_ORIGIN_PATHS, security_headers
from tests.browser.pane import Flow, PaneDriver
from tests.conftest import RunningCrm, RunningSite
from tests.reliability.support import read_db
from tests.support.canaries import escaping_path, plant

pytestmark = pytest.mark.browser

WRONG_PASSWORD = "Wr0ng-Secret-" + uuid.uuid4().hex[:8]
PASSWORD = "anna123"

# Every stored value, binary ones as one character per byte (so that a secret in a Uint8Array or a
# wasm memory image would be found too), plus the URLs kept in Cache Storage.
EVERYTHING_STORED = """async () => {
  const out = {localStorage: {}, sessionStorage: {}, cookies: document.cookie, indexedDB: {}, caches: {},
               roamingSettings: window.OfficeSim ? OfficeSim.savedRoamingSettings() : null};
  for (const [area, store] of [["localStorage", localStorage], ["sessionStorage", sessionStorage]]) {
    for (let i = 0; i < store.length; i++) out[area][store.key(i)] = store.getItem(store.key(i));
  }
  const bytes = v => { const b = new Uint8Array(v.buffer || v, v.byteOffset || 0, v.byteLength);
                       let s = ""; for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]); return s; };
  const plain = (k, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) ? bytes(v) : v;
  for (const info of (indexedDB.databases ? await indexedDB.databases() : [])) {
    const db = await new Promise((ok, ko) => { const r = indexedDB.open(info.name);
                                               r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
    const stores = {};
    for (const name of db.objectStoreNames) {
      stores[name] = await new Promise(ok => { const r = db.transaction(name).objectStore(name).getAll();
        r.onsuccess = () => ok(JSON.stringify(r.result, plain)); r.onerror = () => ok("unreadable"); });
    }
    out.indexedDB[info.name] = stores;
    db.close();
  }
  for (const name of await caches.keys()) {
    out.caches[name] = (await (await caches.open(name)).keys()).map(r => r.url);
  }
  return out;
}"""


def forms(secret: str) -> list[str]:
    """How a secret could be written down: as is, UTF-16 (wasm/JS memory), base64, percent-encoded."""
    return [secret, "\x00".join(secret) + "\x00", base64.b64encode(secret.encode()).decode(),
            httpx.QueryParams({"x": secret}).get("x") or secret]


def found_in(text: str, secret: str) -> bool:
    return any(form in text for form in forms(secret))


class Wire:
    """Everything the page sent and received, and everything it wrote to the console."""

    def __init__(self, pane: PaneDriver) -> None:
        self.requests: list[Request] = []
        self.responses: list[Response] = []
        self.console: list[str] = []
        pane.page.on("request", self._request)
        pane.page.on("response", self._response)
        pane.page.on("console", self._console)

    def _request(self, request: Request) -> None:
        self.requests.append(request)

    def _response(self, response: Response) -> None:
        self.responses.append(response)

    def _console(self, message: ConsoleMessage) -> None:
        self.console.append(f"{message.type}: {message.text}")

    def sent(self) -> list[tuple[str, str, dict[str, str], bytes]]:
        return [(r.method, r.url, r.all_headers(), r.post_data_buffer or b"") for r in self.requests]


def mail(message_id: str) -> dict[str, Any]:
    return {
        "subject": "Ordine firmato", "from": {"name": "Mario Rossi", "address": "mario.rossi@example.it"},
        "to": [{"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}],
        "date": "2024-11-12T10:15:00+01:00", "internetMessageId": message_id,
        "bodyText": "In allegato l'ordine firmato.", "bodyHtml": "<p>In allegato l'ordine firmato.</p>",
        "attachments": [{"name": "ordine.txt", "contentType": "text/plain", "text": "ordine 42\n"}],
    }


def test_no_secret_is_kept_or_leaked_and_sign_out_ends_the_session(pane: PaneDriver, crm: RunningCrm,
                                                                     site: RunningSite) -> None:
    (access_key,) = read_db(crm, "SELECT access_key FROM users WHERE user_name = 'anna'")[0]
    wire = Wire(pane)
    flow = Flow(pane)
    page = flow.page
    message_id = f"<secrets-{uuid.uuid4().hex}@example.it>"
    flow.open(json=mail(message_id))
    flow.connect(crm.url.removeprefix("http://"), "anna")
    flow.screen("password")
    flow.password(WRONG_PASSWORD)
    page.wait_for_selector("[role='alert']")
    flow.password(PASSWORD)
    flow.screen("record")

    # --- use: search, choose the suggested contact, link, receipt ---------------------------------------------
    page.select_option("#mc-module", "Contacts")
    page.fill("#mc-query", "Rossi")
    page.wait_for_selector("#mc-results .record")
    page.locator("#mc-suggestions .record").first.click()
    flow.screen("preflight")
    page.click("[data-action='link']")
    flow.screen("receipt")

    signed_in = flow_storage(flow)
    # one key per partition, mailbox and CRM (ui/token_store.py), and only one while signed in
    (session_key,) = [k for k in signed_in["localStorage"] if k.startswith("mailconnector.session|")]
    session = json.loads(signed_in["localStorage"][session_key])
    token = session["token"]
    assert len(token) >= 32 and session["username"] == "anna"
    elsewhere = {**signed_in, "localStorage": {k: v for k, v in signed_in["localStorage"].items()
                                               if k != session_key}}
    for secret in (PASSWORD, WRONG_PASSWORD, access_key, token):
        assert not found_in(json.dumps(elsewhere, ensure_ascii=False), secret)
    for secret in (PASSWORD, WRONG_PASSWORD, access_key):
        assert not found_in(signed_in["localStorage"][session_key], secret)

    # --- sign out ---------------------------------------------------------------------------------------------------
    page.click("#mc-logout")
    flow.screen("connect")
    signed_out = json.dumps(flow_storage(flow), ensure_ascii=False)
    for secret in (PASSWORD, WRONG_PASSWORD, access_key, token):
        assert not found_in(signed_out, secret)
    refused = httpx.post(crm.endpoint("mcmodules"), auth=("anna", token), timeout=10)
    assert refused.status_code == 401 and refused.json()["code"] == "SESSION_EXPIRED"
    stock = httpx.post(crm.endpoint("query"), auth=("anna", token), timeout=10,
                       data={"query": "SELECT id FROM Contacts LIMIT 1;"})
    assert stock.status_code == 401

    # --- what went over the wire --------------------------------------------------------------------------------
    sent = wire.sent()
    assert any(url.endswith("/mclogin") for _, url, _, _ in sent)
    basic = "Basic " + base64.b64encode(f"anna:{token}".encode()).decode()
    for method, url, headers, body in sent:
        where = f"{method} {url}"
        for secret in (PASSWORD, WRONG_PASSWORD, access_key, token):
            assert not found_in(url, secret), where
        for name, value in headers.items():
            if name == "authorization":
                assert url.startswith(crm.url) and value == basic, where  # the token only goes to the CRM
                continue
            for secret in (PASSWORD, WRONG_PASSWORD, access_key, token):
                assert not found_in(value, secret), (where, name)
        text = body.decode("latin-1")
        assert not found_in(text, access_key) and not found_in(text, token), where
        if not url.endswith("/mclogin"):
            assert not found_in(text, PASSWORD) and not found_in(text, WRONG_PASSWORD), where
    for response in wire.responses:
        if response.url.startswith(crm.url) and response.request.method == "POST":
            answer = response.body().decode("latin-1")
            assert not found_in(answer, PASSWORD) and not found_in(answer, access_key), response.url
            if not response.url.endswith("/mclogin"):
                assert token not in answer, response.url
    for line in wire.console:
        for secret in (PASSWORD, WRONG_PASSWORD, access_key, token):
            assert not found_in(line, secret), line

    # --- the pane's policy held, and every response carried its headers ----------------------------------------
    assert pane.csp_violations() == [] and pane.page_errors == [] and flow.dialogs == []
    checked = {"pane": 0, "crm": 0}
    for response in wire.responses:
        if response.url.startswith(site.url):
            expected = security_headers(https=False)
            if CROSS_ORIGIN_PATHS.match(response.url.removeprefix(site.url + "/").split("?")[0]):
                expected["Cross-Origin-Resource-Policy"] = "cross-origin"  # icons, support page: Outlook loads them
            assert_headers(pairs(response), expected, response.url)
            checked["pane"] += 1
        elif response.url.startswith(crm.url):
            assert_headers(pairs(response), crm_headers(), response.url)
            checked["crm"] += 1
    assert checked["pane"] >= 5 and checked["crm"] >= 8, checked
    assert any(r.status == 401 for r in wire.responses if r.url.startswith(crm.url))  # error answers too


def flow_storage(flow: Flow) -> dict[str, Any]:
    stored: dict[str, Any] = flow.page.evaluate(EVERYTHING_STORED)
    stored["context_cookies"] = flow.page.context.cookies()
    return stored


def pairs(response: Response) -> list[tuple[str, str]]:
    return [(h["name"], h["value"]) for h in response.headers_array()]


def crm_headers() -> dict[str, str]:
    return {**CORS_HEADERS, **CRM_SECURITY_HEADERS, "Content-Security-Policy": DEFAULT_CSP}


def assert_headers(headers: list[tuple[str, str]], expected: dict[str, str], where: str) -> None:
    """Each expected header exactly once, with its value (a second CORS header breaks browsers)."""
    for name, value in expected.items():
        values = [v for n, v in headers if n.lower() == name.lower()]
        assert values == [value], (where, name, values)


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/index.html", 200),
    ("GET", "/no-such-file.js", 404),
    ("GET", "/..%2f{up1}", 404),  # a canary file exists there (tests/support/canaries.py)
    ("GET", "/.canary-hidden.txt", 404),
    ("HEAD", "/index.html", 200),
    ("POST", "/index.html", 405),
])
def test_every_answer_of_the_pane_server_carries_the_security_headers(site: RunningSite, method: str, path: str,
                                                                        status: int) -> None:
    canaries = plant(site.root)
    response = httpx.request(method, site.url + escaping_path(path, canaries), timeout=10)
    assert response.status_code == status
    assert canaries.secret not in response.text
    assert_headers(response.headers.multi_items(), security_headers(https=False), path)


@pytest.mark.parametrize(("method", "operation", "auth", "status"), [
    ("POST", "mcstatus", None, 200),
    ("POST", "mcmodules", None, 401),
    ("POST", "mcmodules", ("anna", "not-a-token"), 401),
    ("POST", "query", ("anna", "not-a-token"), 401),
    ("GET", "mcstatus", None, 400),
    ("OPTIONS", "mclink", None, 200),
    ("POST", "no-such-operation", None, 400),
])
def test_every_answer_of_the_crm_carries_cors_and_security_headers_once(
    crm: RunningCrm, method: str, operation: str, auth: tuple[str, str] | None, status: int
) -> None:
    response = httpx.request(method, crm.endpoint(operation), auth=auth, timeout=10)
    assert response.status_code == status
    assert_headers(response.headers.multi_items(), crm_headers(), operation)
