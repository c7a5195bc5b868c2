"""addin/page.mjs, the page work Python hands over in one call: drawing a subtree from the view's tree
(text stays text) and a CRM call answered in one await (redirects, failures, headers, bytes)."""

from __future__ import annotations

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

