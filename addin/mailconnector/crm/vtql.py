"""Building VTQL queries on the client, with the escaping vtenext actually needs.

vtenext pastes string literals into MySQL, so MySQL's rules apply inside quotes: a quote is `''`,
a backslash is `\\\\`, and in LIKE `\\%` / `\\_` are a literal percent / underscore. Identifiers
(module and field names) come from the CRM itself and are only checked, never escaped: VTQL has no
identifier quoting, so a name that is not a plain word is refused.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A multi-word search becomes OR'ed AND-terms (VTQL has no parentheses); past this many LIKEs the
# query gets unreasonable and we fall back to matching the text as one phrase.
MAX_LIKE_CONDITIONS = 256

SearchMode = Literal["words", "phrase"]


class VtqlError(ValueError):
    """A query cannot be built from these parts (bad identifier, empty literal)."""


def is_identifier(name: str) -> bool:
    return _IDENTIFIER.match(name) is not None


def identifier(name: str) -> str:
    if not is_identifier(name):
        raise VtqlError(f"{name!r} is not a VTQL identifier")
    return name


def quote(value: str) -> str:
    """A string literal for `=`, `!=`, `IN`: backslash and quote escaped. VTQL has no empty literal."""
    if value == "":
        raise VtqlError("VTQL cannot express the empty string")
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def escape_like(text: str) -> str:
    """User text as the inside of a LIKE literal that matches it literally.

    Order matters: backslashes first, or the escapes added for `%` and `_` would be doubled.
    `\\` becomes four backslashes: MySQL's string literal halves them, LIKE halves them again.
    """
    return text.replace("\\", "\\\\\\\\").replace("%", "\\%").replace("_", "\\_").replace("'", "''")


def contains(text: str) -> str:
    """`'%text%'` for LIKE: matches values containing `text` literally (case-insensitively)."""
    if text == "":
        raise VtqlError("nothing to search for")
    return f"'%{escape_like(text)}%'"


def clean_search_text(text: str) -> str:
    """Control characters out, runs of whitespace to one space, ends trimmed."""
    return " ".join(_CONTROL.sub(" ", text).split())


@dataclass(frozen=True)
class SearchTerms:
    """What the user's text means: all of `words` must occur (each in some field)."""

    words: tuple[str, ...]

    @classmethod
    def parse(cls, text: str, mode: SearchMode = "words") -> SearchTerms:
        """`words` mode splits on spaces; text in double quotes, or `phrase` mode, is one term."""
        text = clean_search_text(text)
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text, mode = clean_search_text(text[1:-1]), "phrase"
        if not text:
            return cls(())
        if mode == "phrase":
            return cls((text,))
        return cls(tuple(dict.fromkeys(text.split())))  # repeated words add nothing

    @property
    def empty(self) -> bool:
        return not self.words


def search_condition(fields: Sequence[str], terms: SearchTerms) -> str:
    """WHERE text: every word in some field, as an OR of AND-terms (AND binds tighter in VTQL)."""
    if terms.empty:
        raise VtqlError("nothing to search for")
    columns = [identifier(f) for f in dict.fromkeys(fields)]
    if not columns:
        raise VtqlError("no fields to search in")
    words = terms.words
    if len(words) > 1 and len(columns) ** len(words) * len(words) > MAX_LIKE_CONDITIONS:
        words = (" ".join(words),)
    if len(words) == 1:
        pattern = contains(words[0])
        return " OR ".join(f"{column} LIKE {pattern}" for column in columns)
    patterns = [contains(word) for word in words]
    return " OR ".join(
        " AND ".join(f"{column} LIKE {pattern}" for column, pattern in zip(choice, patterns, strict=True))
        for choice in itertools.product(columns, repeat=len(words))
    )


def select(
    module: str,
    columns: Sequence[str] | Literal["*"] = "*",
    *,
    where: str | None = None,
    order_by: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> str:
    select_list = "*" if columns == "*" else ", ".join(identifier(c) for c in columns)
    parts = [f"SELECT {select_list} FROM {identifier(module)}"]  # noqa: S608 (VTQL built and escaped here)
    if where:
        parts.append(f"WHERE {where}")
    if order_by:
        parts.append(f"ORDER BY {identifier(order_by)}")
    if limit is not None:
        if limit < 0 or offset < 0:
            raise VtqlError("negative LIMIT")
        parts.append(f"LIMIT {offset}, {limit}" if offset else f"LIMIT {limit}")
    return " ".join(parts) + ";"


def count(module: str, *, where: str | None = None) -> str:
    query = f"SELECT count(*) FROM {identifier(module)}"  # noqa: S608 (VTQL built and escaped here)
    return f"{query} WHERE {where};" if where else f"{query};"


def ids_in(ids: Iterable[str], field: str = "id") -> str:
    """`id IN ('3x1', '3x2')` for a non-empty set of ws ids."""
    values = [quote(i) for i in dict.fromkeys(ids)]
    if not values:
        raise VtqlError("IN needs at least one value")
    return f"{identifier(field)} IN ({', '.join(values)})"
