"""Case-insensitive text for VTQL on SQLite, close to MySQL's default collation.

SQLite's NOCASE, LIKE and lower() fold ASCII only. Here "equal ignoring case" is per character:
each character is replaced by its Unicode lowercase when that is a single character (so `È` = `è`,
`Ü` = `ü`, `Σ` = `σ`), except the few non-ASCII characters whose lowercase is ASCII (the Kelvin
sign). That exception keeps SQLite's ASCII builtins exact whenever the compared text is ASCII.
Folding never changes the length, so LIKE's `_` still means one character.

Ordering is MySQL-like: accents of Latin letters are ignored first (`Émile` sorts among the E's),
then the folded text decides, so values equal ignoring case are adjacent.
"""

from __future__ import annotations

import functools
import sys
import unicodedata

# Bound as a GLOB pattern: matches text containing any character outside U+0001..U+007F.
NON_PLAIN_GLOB = "*[^\x01-\x7f]*"
_KEY_SEPARATOR = "\x01"  # sorts before every character a real value contains
_CHUNK = 2048  # divides the surrogate block boundaries (U+D800, U+E000)
# Latin letters with diacritics, and the combining diacritics themselves.
_LATIN_RANGES = ((0x00C0, 0x0250), (0x0300, 0x0370), (0x1E00, 0x1F00))


@functools.cache
def fold_table() -> dict[int, str]:
    """Code point -> folded character, for every character that folds to something else."""
    table: dict[int, str] = {}
    for start in range(0, sys.maxunicode + 1, _CHUNK):
        if 0xD800 <= start < 0xE000:
            continue
        chunk = "".join(map(chr, range(start, start + _CHUNK)))
        lowered = chunk.lower()
        if lowered == chunk:
            continue
        if len(lowered) == len(chunk):
            pairs = [(a, b) for a, b in zip(chunk, lowered, strict=True) if a != b]
        else:  # a character with a multi-character lowercase (U+0130): go one by one
            pairs = [(a, a.lower()) for a in chunk if a.lower() != a]
        for original, low in pairs:
            if len(low) != 1 or (ord(original) > 0x7F and ord(low) <= 0x7F):
                continue
            table[ord(original)] = low
    # str.lower() applies the final-sigma rule inside a chunk; folding is per character.
    table[0x03A3] = "\u03c3"
    return table


@functools.cache
def _variants() -> dict[str, str]:
    """Folded character -> every character that folds to it (itself included), for those with
    more than one."""
    groups: dict[str, set[str]] = {}
    for code, low in fold_table().items():
        groups.setdefault(low, {low}).add(chr(code))
    return {low: "".join(sorted(chars)) for low, chars in groups.items()}


def variants(char: str) -> str:
    """All characters equal to `char` ignoring case (as a string, `char` included)."""
    folded = fold(char)
    return _variants().get(folded, folded)


@functools.cache
def _latin_base_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for low, high in _LATIN_RANGES:
        for code in range(low, high):
            decomposed = unicodedata.normalize("NFD", chr(code))
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            if base != chr(code):
                table[code] = base
    return table


def warm_up() -> None:
    """Build the tables now (~0.2 s once per process) rather than inside someone's first search."""
    _variants()
    _latin_base_table()


def is_plain(text: str) -> bool:
    """True for text SQLite's ASCII-only builtins handle exactly (every char in U+0001..U+007F)."""
    return text.isascii() and "\x00" not in text


def fold(text: str) -> str:
    if is_plain(text):
        return text.lower()
    return text.translate(fold_table())


def sort_key(text: str) -> str:
    """Binary order of keys = VTQL text order; equal keys exactly when equal ignoring case.

    Must agree with `sort_key_sql`: plain text keys are just lower(text)."""
    if is_plain(text):
        return text.lower()
    folded = text.translate(fold_table())
    return folded.translate(_latin_base_table()) + _KEY_SEPARATOR + folded


def sort_key_sql(column: str) -> tuple[str, tuple[object, ...]]:
    """SQL for sort_key(column): builtins for plain text, the Python function otherwise."""
    return (
        f"CASE WHEN ({column}) GLOB ? THEN vtql_sortkey({column}) ELSE lower({column}) END",
        (NON_PLAIN_GLOB,),
    )
