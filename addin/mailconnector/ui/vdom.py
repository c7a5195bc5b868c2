"""A tiny description of DOM trees in plain Python: what the screens produce and the view patches
into the page. Pure data (comparable, hashable), so screens are tested under CPython.

Strings are always text. There is no way to express raw markup here, by design.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple, Union

AttrValue = str | bool
Node = Union["El", str]


class El(NamedTuple):
    """A tuple, so that comparing two trees (what the view does on every render to find what changed)
    is the interpreter's own tuple comparison, not a generated `__eq__` per element."""

    tag: str
    attrs: tuple[tuple[str, AttrValue], ...] = ()
    children: tuple[Node, ...] = ()

    def attr(self, name: str) -> AttrValue | None:
        return next((v for k, v in self.attrs if k == name), None)

    @property
    def key(self) -> AttrValue | None:
        """Elements with different keys are different elements (the view replaces, never patches)."""
        return self.attr("data-key")

    # --- queries for tests and for the view ------------------------------------------------------------
    def text(self) -> str:
        """All text below this element, as a user reads it (children joined without separator)."""
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self) -> Iterable[El]:
        yield self
        for child in self.children:
            if isinstance(child, El):
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: AttrValue) -> list[El]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            e for e in self.walk()
            if (tag is None or e.tag == tag) and all(e.attr(k) == v for k, v in wanted.items())
        ]

    def find(self, tag: str | None = None, **attrs: AttrValue) -> El:
        found = self.find_all(tag, **attrs)
        if not found:
            raise LookupError(f"no <{tag}> with {attrs}")
        return found[0]


Child = Node | None | bool | Iterable["Child"]


_new = tuple.__new__


def h(tag: str, attrs: dict[str, AttrValue | None] | None = None, *children: Child) -> El:
    """`h("p", {"class": "hint"}, "text", h("b", None, "bold"))`; None/False children and attributes
    are left out, lists are flattened."""
    # Every render builds hundreds of these (a page of hits alone ~60), so the common case is kept short:
    # children that are all elements or non-empty strings are taken as they are, and the tuple is made
    # without NamedTuple's keyword-handling constructor. Half the time per element under Pyodide.
    kept = tuple([(k, v) for k, v in attrs.items() if v is not None and v is not False]) if attrs else ()
    for child in children:
        if not ((type(child) is str and child) or type(child) is El):
            return _new(El, (tag, kept, tuple(_flatten(children))))
    return _new(El, (tag, kept, children))


def _flatten(children: Iterable[Child]) -> Iterable[Node]:
    for child in children:
        if child is None or child is False or child is True:
            continue
        if isinstance(child, str):
            if child:
                yield child
        elif isinstance(child, El):
            yield child
        else:
            yield from _flatten(child)


class LastTree:
    """The tree a section built last, kept while the inputs it was built from stay the same.

    The key holds exactly what the section reads; keys are compared as tuples (the same object at
    once, otherwise by value). An unchanged section is then the very tree of the last render, which
    the view skips without comparing it (`is`), and which is not built again: a search result
    redraws the results, not the mail header, suggestions and footer.
    """

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._tree: El | None = None

    def get(self, key: tuple[object, ...], build: Callable[[], El]) -> El:
        if self._tree is None or self._key != key:
            self._tree = build()
            self._key = key
        return self._tree
