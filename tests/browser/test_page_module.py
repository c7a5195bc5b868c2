"""addin/page.mjs, the page work Python hands over in one call: drawing a subtree from the view's tree
(text stays text) and a CRM call answered in one await (redirects, failures, headers, bytes)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import RunningCrm
from tests.support.browser import PyodideHarness
from tests.support.processes import free_port

pytestmark = pytest.mark.browser


def wait_until(done: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {seconds} s: {what}")
        time.sleep(0.02)


def test_a_drawn_subtree_is_elements_and_text_never_markup(harness: PyodideHarness) -> None:
    result = harness.run(
        """
from pyscript import document
from mailconnector.ui.vdom import h
from mailconnector.ui.view import create, patch_children

async def main():
    tree = h("div", {"class": "row", "data-key": "7", "hidden": True},
             "<b>not bold</b> & <script>alert(1)</script>",
             h("svg", {"viewBox": "0 0 1 1"}, h("path", {"d": "M0 0"})),
             h("select", {"value": "b"}, h("option", {"value": "a"}, "A"),
               h("option", {"value": "b", "selected": True}, "B")),
             h("input", {"type": "text", "value": "typed"}),
             h("input", {"type": "checkbox", "checked": True}),
             "\\u00e8 \\u2028 \\U0001F600")
    holder = create(h("div", None, tree))
    document.body.appendChild(holder)
    element = holder.firstChild
    select = element.querySelector("select")
    field = element.querySelector("input[type=text]")
    box = element.querySelector("input[type=checkbox]")
    drawn = {
        "html": element.outerHTML,
        "markup": element.querySelectorAll("b, script").length,
        "first_text": element.firstChild.data,
        "svg": [element.querySelector("svg").namespaceURI, element.querySelector("path").namespaceURI],
        "hidden": element.getAttribute("hidden"),
        "select": select.value,
        "field": [field.value, field.hasAttribute("value"), box.checked, box.getAttribute("checked")],
        "last_text": element.lastChild.data,
    }
    # patched afterwards through the same attribute rule: the row is shown, the box unticked, a class set
    later = h("div", {"class": "row picked", "data-key": "7"}, *tree.children[:-2],
              h("input", {"type": "checkbox"}), tree.children[-1])
    patch_children(holder, (tree,), (later,))
    drawn["patched"] = [element.getAttribute("class"), element.hasAttribute("hidden"), box.checked,
                        element.isSameNode(holder.firstChild)]
    holder.remove()
    # a list patched in place: a text changed, an item replaced (another tag), then items added and cut
    items = lambda *texts: h("ul", None, *[h("li", None, x) if x[0] != "!" else h("p", None, x) for x in texts])
    board = create(h("div", None, items("a", "b", "c")))
    first = board.firstChild.firstChild
    steps = []
    for old, new in ((("a", "b", "c"), ("a2", "!b", "c")), (("a2", "!b", "c"), ("a2", "!b", "c", "d", "e")),
                     (("a2", "!b", "c", "d", "e"), ("a2",))):
        patch_children(board, (items(*old),), (items(*new),))
        steps.append(board.innerHTML)
    drawn["list"] = steps
    drawn["kept"] = first.isSameNode(board.firstChild.firstChild)  # patched, not redrawn
    return drawn
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
    assert result["patched"] == ["row picked", False, False, True]
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
    harness.run(
        """
import httpx
from mailconnector.crm.transport import FetchTransport

async def main():
    FetchTransport().ask_permission(httpx.URL(ASKED))
""",
        ASKED=asked,
    )

    def seen(url: str) -> list[str | None]:
        query = url.split("?", 1)[1]
        return [p["requested_method"] for p in httpx.get(f"{crm.url}/_test/preflights").json() if p["query"] == query]

    # the browser's preflight, then the OPTIONS itself (sent once the permission is in the browser's cache)
    wait_until(lambda: len(seen(asked)) == 2, "the permission asked")
    assert seen(asked) == ["OPTIONS", None]
    statuses = harness.run(
        """
import httpx
from mailconnector.crm.transport import FetchTransport

async def main():
    async with httpx.AsyncClient(transport=FetchTransport()) as http:
        return [(await http.post(url, data={}, auth=("anna", "token"))).status_code for url in (ASKED, COLD)]
""",
        ASKED=asked,
        COLD=cold,
    )
    assert statuses == [200, 200]
    assert seen(asked) == ["OPTIONS", None]  # the POST with its Authorization header went straight out
    assert seen(cold) == ["POST"]  # without it: a preflight first, a second round trip
