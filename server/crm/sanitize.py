"""An allow-list HTML sanitiser for the display copy of a mail body.

The web view also shows the copy inside a sandboxed iframe under a strict CSP, so this is the
second line of defence: no scripts, no event handlers, no active URLs, no remote loads.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset(
    [
        "a",
        "abbr",
        "address",
        "b",
        "bdi",
        "bdo",
        "big",
        "blockquote",
        "br",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "font",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "tt",
        "u",
        "ul",
        "wbr",
        "style",
    ]
)
DROP_WITH_CONTENT = frozenset(
    [
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "noscript",
        "template",
        "svg",
        "math",
        "title",
        "head",
        "xml",
        "textarea",
        "select",
        "button",
    ]
)
VOID_TAGS = frozenset(["br", "col", "hr", "img", "wbr"])
ALLOWED_ATTRS = frozenset(
    [
        "align",
        "alt",
        "bgcolor",
        "border",
        "cellpadding",
        "cellspacing",
        "class",
        "color",
        "colspan",
        "dir",
        "face",
        "height",
        "href",
        "lang",
        "rowspan",
        "size",
        "span",
        "src",
        "style",
        "title",
        "valign",
        "width",
        "start",
        "type",
    ]
)
SAFE_HREF = re.compile(r"^(https?:|mailto:|tel:|#)", re.IGNORECASE)
SAFE_SRC = re.compile(r"^(cid:|data:image/(png|gif|jpe?g|webp);)", re.IGNORECASE)
UNSAFE_CSS = re.compile(r"url\s*\(|expression\s*\(|@import|javascript:|behavior\s*:|-moz-binding", re.IGNORECASE)


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag == self.dropping[-1] and tag not in VOID_TAGS:
                self.dropping.append(tag)
            return
        if tag in DROP_WITH_CONTENT:
            self.dropping.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            return
        if tag == "style":
            self.in_style = True
        kept = []
        for name, value in attrs:
            value = value or ""
            if name not in ALLOWED_ATTRS:
                continue
            if name == "href" and not SAFE_HREF.match(value.strip()):
                continue
            if name == "src" and not SAFE_SRC.match(value.strip()):
                continue
            if name == "style" and UNSAFE_CSS.search(value):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        if tag == "a":
            kept.append(' rel="noopener noreferrer" target="_blank"')
        self.out.append(f"<{tag}{''.join(kept)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and not self.dropping and tag in ALLOWED_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag in ALLOWED_TAGS and tag not in VOID_TAGS:
            if tag == "style":
                self.in_style = False
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        if self.in_style:
            self.out.append(UNSAFE_CSS.sub("/*removed*/(", data).replace("<", ""))
        else:
            self.out.append(html.escape(data, quote=False))


def sanitise_html(source: str) -> str:
    parser = _Sanitiser()
    parser.feed(source)
    parser.close()
    return "".join(parser.out)
