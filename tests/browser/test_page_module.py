"""addin/page.mjs, the page work Python hands over in one call: drawing a subtree from the view's tree
(text stays text) and a CRM call answered in one await (redirects, failures, headers, bytes)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import RunningCrm
from tests.support.browser import PyodideHarness
from tests.support.processes import free_port

pytestmark = pytest.mark.browser


def test_a_drawn_subtree_is_elements_and_text_never_markup(harness: PyodideHarness) -> None:
    result = harness.run(
        """
from pyscript import document
from mailconnector.ui.vdom import h
from mailconnector.ui.view import patch_children

def drawn(tree):
    holder = document.createElement("div")
    patch_children(holder, (), (tree,))  # drawn from nothing: one "append"
    return holder

async def main():
    tree = h("div", {"class": "row", "data-key": "7", "hidden": True},
             "<b>not bold</b> & <script>alert(1)</script>",
             h("svg", {"viewBox": "0 0 1 1"}, h("path", {"d": "M0 0"})),
             h("select", {"value": "b"}, h("option", {"value": "a"}, "A"),
               h("option", {"value": "b", "selected": True}, "B")),
             h("input", {"type": "text", "value": "typed"}),
             h("input", {"type": "checkbox", "checked": True}),
             "\\u00e8 \\u2028 \\U0001F600")
    holder = drawn(tree)
    document.body.appendChild(holder)
    element = holder.firstChild
    select = element.querySelector("select")
    field = element.querySelector("input[type=text]")
    box = element.querySelector("input[type=checkbox]")
    seen = {
        "html": element.outerHTML,
        "markup": element.querySelectorAll("b, script").length,
        "first_text": element.firstChild.data,
        "svg": [element.querySelector("svg").namespaceURI, element.querySelector("path").namespaceURI],
        "hidden": element.getAttribute("hidden"),
        "select": select.value,
        "field": [field.value, field.hasAttribute("value"), box.checked, box.getAttribute("checked")],
        "last_text": element.lastChild.data,
    }
    # patched afterwards through the same attribute rule: the row is shown, the box unticked, a class set,
    # the other option chosen (a select's value is its property)
    later = h("div", {"class": "row picked", "data-key": "7"}, *tree.children[:2],
              h("select", {"value": "a"}, *tree.children[2].children), tree.children[3],
              h("input", {"type": "checkbox"}), tree.children[-1])
    patch_children(holder, (tree,), (later,))
    seen["patched"] = [element.getAttribute("class"), element.hasAttribute("hidden"), box.checked,
                       select.value, element.isSameNode(holder.firstChild)]
    holder.remove()
    # a list patched in place: a text changed, an item replaced (another tag), then items added and cut
    items = lambda *texts: h("ul", None, *[h("li", None, x) if x[0] != "!" else h("p", None, x) for x in texts])
    board = drawn(items("a", "b", "c"))
    first = board.firstChild.firstChild
    steps = []
    for old, new in ((("a", "b", "c"), ("a2", "!b", "c")), (("a2", "!b", "c"), ("a2", "!b", "c", "d", "e")),
                     (("a2", "!b", "c", "d", "e"), ("a2",))):
        patch_children(board, (items(*old),), (items(*new),))
        steps.append(board.innerHTML)
    seen["list"] = steps
    seen["kept"] = first.isSameNode(board.firstChild.firstChild)  # patched, not redrawn
    return seen
"""
    )
    assert result["markup"] == 0
    assert result["first_text"] == "<b>not bold</b> & <script>alert(1)</script>"
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;script&gt;" in result["html"]
    assert result["svg"] == ["http://www.w3.org/2000/svg"] * 2
    assert result["hidden"] == ""
    assert result["select"] == "b"
    assert result["field"] == ["typed", False, True, ""]  # a text field's value is its property, not an attribute
    assert result["last_text"] == "\u00e8 \u2028 \U0001f600"
    assert result["patched"] == ["row picked", False, False, "a", True]
    assert result["list"] == [
        "<ul><li>a2</li><p>!b</p><li>c</li></ul>",
        "<ul><li>a2</li><p>!b</p><li>c</li><li>d</li><li>e</li></ul>",
        "<ul><li>a2</li></ul>",
    ]
    assert result["kept"] is True


def test_a_call_is_answered_in_one_await_headers_body_redirects_and_failures(
    harness: PyodideHarness, crm: RunningCrm
) -> None:
    result = harness.run(
        """
import httpx
from mailconnector.crm.transport import FetchFailed, FetchTransport

async def main():
    async with httpx.AsyncClient(transport=FetchTransport()) as http:
        status = await http.post(CRM + "/restapi/v1/vtews/mcstatus")
        moved = await http.get(CRM + "/")  # the CRM's web root redirects to its login page
        try:
            await http.post(f"http://127.0.0.1:{CLOSED_PORT}/restapi/v1/vtews/mcstatus")
            refused = "answered"
        except FetchFailed as exc:
            refused = str(exc)
    return {
        "status": status.status_code,
        "json": sorted(status.json()),
        "content_type": status.headers["content-type"],
        "length": [status.headers.get_list("content-length"), len(status.content)],
        "moved": moved.status_code,
        "refused": refused,
    }
""",
        CRM=crm.url,
        CLOSED_PORT=free_port(),
    )
    assert result["status"] == 200 and result["json"] == ["data", "status"]
    assert result["content_type"].startswith("application/json")
    # fetch decoded the body (gzip or not): the length httpx reports is that of the bytes it holds
    assert result["length"][0] == [str(result["length"][1])]
    assert result["moved"] == 302  # "manual" hides the status: a redirect is reported all the same
    assert result["refused"] == "TypeError: Failed to fetch"


def test_asking_the_permission_ahead_spares_the_next_call_its_preflight(
    harness: PyodideHarness, crm: RunningCrm
) -> None:
    """A search typed after a pause: the CRM's CORS permission, asked while the user types (an OPTIONS the
    browser preflights), lets the search's POST go without a preflight of its own: one round trip."""
    tag = uuid.uuid4().hex
    asked = f"{crm.url}/restapi/v1/vtews/mcstatus?t={tag}-asked"  # addresses no other test has called:
    cold = f"{crm.url}/restapi/v1/vtews/mcstatus?t={tag}-cold"  # the browser holds no permission for them
    statuses = harness.run(
        """
import httpx
from mailconnector.crm.transport import FetchTransport

async def main():
    transport = FetchTransport()
    answer = await transport.ask_permission(httpx.URL(ASKED)).answer  # sent once its preflight is answered
    async with httpx.AsyncClient(transport=transport) as http:
        # at once: well within the 5 s a browser keeps the permission when the CRM does not say
        posted = [(await http.post(url, data={}, auth=("anna", "token"))).status_code for url in (ASKED, COLD)]
    return [answer.status, *posted]
""",
        ASKED=asked,
        COLD=cold,
    )
    assert statuses == [200, 200, 200]

    def seen(url: str) -> list[str | None]:
        query = url.split("?", 1)[1]
        return [p["requested_method"] for p in httpx.get(f"{crm.url}/_test/preflights").json() if p["query"] == query]

    assert seen(asked) == ["OPTIONS", None]  # the browser's preflight, the OPTIONS itself, no preflight of the POST
    assert seen(cold) == ["POST"]  # without it: a preflight first, a second round trip


def test_a_held_call_leaves_when_its_hold_ends_and_one_dropped_before_never_leaves(
    harness: PyodideHarness, crm: RunningCrm
) -> None:
    """A search built at the keystroke is handed to the page with its hold (crm/hold.py): the page's own timer
    sends it, not before the hold ends. A call sent meanwhile is not held up behind it; one dropped during
    its hold (the user typed on) reaches nothing, and its answer says so. The CRM's own record of the
    queries it got, and the page's record of when it called `fetch`, are the proof."""
    tag = uuid.uuid4().hex
    result = harness.run(
        """
import asyncio, time
import httpx
from js import eval as js_eval, performance
from mailconnector.browser import page_module
from mailconnector.crm.hold import Hold
from mailconnector.crm.transport import HOLD, FetchTransport

# when the page calls fetch, and with which body (until `restore()`: the harness page is shared)
fetched = js_eval("(() => { const original = globalThis.fetch; const seen = []; "
                  "globalThis.fetch = function (url, init) { const body = init && init.body; "
                  "seen.push([ArrayBuffer.isView(body) ? new TextDecoder().decode(body) : '', performance.now()]); "
                  "return original.apply(this, arguments); }; "
                  "return { seen, restore: () => { globalThis.fetch = original; } }; })()")

def held(seconds):
    return Hold(time.monotonic() + seconds, time.monotonic, asyncio.sleep)

async def main():
    try:
        return await calls()
    finally:
        fetched.restore()

async def calls():
    async with httpx.AsyncClient(transport=FetchTransport()) as http:
        async def query(text, hold=None):
            sent = await http.post(CRM + "/restapi/v1/vtews/query", data={"query": TAG + " " + text},
                                   extensions=None if hold is None else {HOLD: hold})
            return sent.status_code

        async def seen():
            return [t["query"] for t in (await http.get(CRM + "/_test/timings")).json() if TAG in t["query"]]

        long_hold = held(600)
        dropped = asyncio.ensure_future(query("dropped", long_hold))
        handed_over = performance.now()
        waited = asyncio.ensure_future(query("waited", held(0.05)))
        await asyncio.sleep(0)  # both handed to the page
        plain = await query("plain")
        before = await seen()
        long_hold.drop()  # as the search does when the user types on: at once, then its task is cancelled
        dropped.cancel()
        try:
            await dropped
        except asyncio.CancelledError:
            pass
        waited_status = await waited
        await query("after")  # one more round trip after the drop
        after = await seen()
    page = page_module("MailConnectorPage", "addin/page.mjs")
    call = page.send(CRM + "/restapi/v1/vtews/query", "POST", [], None, None, 600_000)
    call.abort()
    answer = await call.answer
    sent = {body.rsplit("+", 1)[-1]: at - handed_over for body, at in fetched.seen.to_py() if TAG in body}
    return {"plain": plain, "waited": waited_status, "before": before, "after": after,
            "dropped": [answer.failed, answer.name, answer.message], "fetched_after_ms": sent}
""",
        CRM=crm.url,
        TAG=tag,
    )
    assert result["plain"] == result["waited"] == 401  # answered: the CRM refuses a query without credentials
    assert f"{tag} dropped" not in result["before"] and f"{tag} plain" in result["before"]
    assert sorted(result["after"]) == sorted(f"{tag} {name}" for name in ("plain", "waited", "after"))
    assert result["dropped"] == [True, "AbortError", "dropped before it was sent"]
    fetched = result["fetched_after_ms"]
    assert sorted(fetched) == ["after", "plain", "waited"]  # the dropped one never even reached fetch
    assert fetched["waited"] >= 49  # not before its 50 ms hold ended (the page's clock is coarsened to 0.1 ms)
