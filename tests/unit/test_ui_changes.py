"""The changes ui/view.py sends page.mjs for a render: applied in order, each to the node its path names
when it is applied (as page.mjs does), they turn the page drawn from one tree into the other tree,
whatever was appended, replaced, retexted, re-attributed and cut in the same pass, at any depth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mailconnector.ui.vdom import AttrValue, El, Node
from mailconnector.ui.view import Change, changes_of_children


@dataclass
class Text:
    data: str


@dataclass
class Element:
    tag: str
    attrs: dict[str, AttrValue] = field(default_factory=dict)
    children: list[Element | Text] = field(default_factory=list)


def build(node: Node) -> Element | Text:
    if isinstance(node, str):
        return Text(node)
    return Element(node.tag, dict(node.attrs), [build(c) for c in node.children])


def apply(root: Element, changes: list[Change]) -> None:
    """page.mjs's `patch`, on this model: positions are looked up when each change is applied."""
    for change in changes:
        kind, path, *rest = change
        args: list[Any] = list(rest)
        arg = args[0]
        parent: Element | None = None
        node: Element | Text = root
        for index in path:
            assert isinstance(node, Element), f"{change}: walks into a text node"
            parent, node = node, node.children[index]
        if kind == "append":
            assert isinstance(node, Element)
            node.children.append(build(arg))
        elif kind == "replace":
            assert parent is not None
            parent.children[path[-1]] = build(arg)
        elif kind == "text":
            assert isinstance(node, Text), f"{change}: not a text node"
            node.data = arg
        elif kind == "set":
            assert isinstance(node, Element)
            node.attrs[arg] = args[1]
        elif kind == "unset":
            assert isinstance(node, Element)
            del node.attrs[arg]
        else:
            assert kind == "trim" and isinstance(node, Element)
            del node.children[arg:]


def tree(node: Element | Text) -> Node:
    """The model as a tree, attributes in name order (their order means nothing in a page)."""
    if isinstance(node, Text):
        return node.data
    return El(node.tag, tuple(sorted(node.attrs.items())), tuple(tree(c) for c in node.children))


def ordered(node: Node) -> Node:
    if isinstance(node, str):
        return node
    return El(node.tag, tuple(sorted(node.attrs)), tuple(ordered(c) for c in node.children))


def render(nodes: tuple[Node, ...]) -> Element:
    return Element("main", {}, [build(n) for n in nodes])


texts = st.sampled_from(["a", "b", "\u00e8", "\ud800 lone", "<b>x</b>"])
attrs = st.dictionaries(st.sampled_from(["class", "value", "hidden", "data-key", "checked"]),
                        st.one_of(st.sampled_from(["1", "2", "x"]), st.just(True)), max_size=3)
nodes: st.SearchStrategy[Node] = st.recursive(
    texts,
    lambda kids: st.builds(
        lambda tag, a, c: El(tag, tuple(a.items()), tuple(c)),
        st.sampled_from(["div", "li", "p", "svg"]), attrs, st.lists(kids, max_size=4),
    ),
    max_leaves=12,
)
forests = st.lists(nodes, max_size=4).map(tuple)


@settings(max_examples=400, deadline=None)
@given(forests, forests)
def test_the_changes_turn_the_old_page_into_the_new_tree(old: tuple[Node, ...], new: tuple[Node, ...]) -> None:
    page = render(old)
    changes: list[Change] = []
    changes_of_children((), old, new, changes)
    apply(page, changes)
    assert tuple(tree(c) for c in page.children) == tuple(ordered(n) for n in new)
    if old == new:
        assert changes == []


def test_a_pass_can_patch_deep_replace_append_and_trim_at_once() -> None:
    old = (El("ul", (), (El("li", (("class", "a"),), ("one",)), El("li", (), ("two",)), El("li", (), ("three",)))),)
    new = (El("ul", (), (El("li", (("class", "b"),), ("uno",)), El("p", (), ("due",)))), El("footer", (), ("x",)))
    changes: list[Change] = []
    changes_of_children((), old, new, changes)
    assert changes == [
        ("set", (0, 0), "class", "b"),
        ("text", (0, 0, 0), "uno"),
        ("replace", (0, 1), El("p", (), ("due",))),
        ("trim", (0,), 2),
        ("append", (), El("footer", (), ("x",))),
    ]
    page = render(old)
    apply(page, changes)
    assert tuple(tree(c) for c in page.children) == tuple(ordered(n) for n in new)
