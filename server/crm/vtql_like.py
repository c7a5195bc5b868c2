"""MySQL LIKE patterns, matched case-insensitively on SQLite.

A pattern becomes, by preference:
- SQLite `LIKE ? ESCAPE '\\'` when its literal characters are plain ASCII (SQLite's LIKE folds
  ASCII case, exactly our rule for such text);
- SQLite `GLOB ?` with one character class per letter (`[eE]`, `[ëË]`) otherwise: GLOB is
  case-sensitive and Unicode-aware, so listing every character that folds alike is exact;
- the Python function `vtql_like` only when SQLite would refuse the pattern (longer than its
  LIKE/GLOB pattern limit) or cannot see all of it (a NUL character).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from server.crm.vtql_fold import fold, is_plain, variants

# SQLITE_MAX_LIKE_PATTERN_LENGTH is 50 000 bytes by default; stay well below.
_MAX_BUILTIN_PATTERN_BYTES = 40_000
_GLOB_SPECIAL = "*?["

Item = tuple[str, str]  # ("any" | "one" | "lit", character)


@dataclass(frozen=True)
class LikePattern:
    items: tuple[Item, ...]

    @classmethod
    def from_mysql(cls, pattern: str) -> LikePattern:
        """MySQL LIKE with the default escape `\\`: `\\x` is a literal x, a trailing `\\` is itself."""
        items: list[Item] = []
        index = 0
        while index < len(pattern):
            char = pattern[index]
            if char == "\\" and index + 1 < len(pattern):
                items.append(("lit", pattern[index + 1]))
                index += 2
                continue
            if char == "%":
                items.append(("any", ""))
            elif char == "_":
                items.append(("one", ""))
            else:
                items.append(("lit", char))
            index += 1
        return cls(tuple(items))

    @classmethod
    def literal(cls, text: str) -> LikePattern:
        return cls(tuple(("lit", c) for c in text))

    @property
    def is_plain(self) -> bool:
        return all(kind != "lit" or is_plain(char) for kind, char in self.items)

    def like_form(self) -> str:
        """For SQLite `LIKE ? ESCAPE '\\'` (also what `vtql_like` takes)."""
        out: list[str] = []
        for kind, char in self.items:
            if kind == "any":
                out.append("%")
            elif kind == "one":
                out.append("_")
            else:
                out.append("\\" + char if char in "%_\\" else char)
        return "".join(out)

    def glob_form(self) -> str | None:
        """For SQLite `GLOB ?`, exact under case folding; None when GLOB cannot express it."""
        out: list[str] = []
        for kind, char in self.items:
            if kind == "any":
                out.append("*")
            elif kind == "one":
                out.append("?")
            elif char == "\x00":
                return None  # SQLite stops reading the pattern at NUL
            else:
                alike = variants(char)
                if len(alike) > 1:
                    out.append("[" + alike + "]")  # letters only: no ], ^ or - to worry about
                else:
                    out.append("[" + char + "]" if char in _GLOB_SPECIAL else char)
        return _fits("".join(out))


def _fits(pattern: str | None) -> str | None:
    if pattern is None or len(pattern.encode("utf-8")) > _MAX_BUILTIN_PATTERN_BYTES:
        return None
    return pattern


def builtin_like_form(pattern: LikePattern) -> str | None:
    """The LIKE form when SQLite's own LIKE gives the exact answer, else None."""
    return _fits(pattern.like_form()) if pattern.is_plain else None


class _Matcher:
    """LIKE on folded text without backtracking: %-separated segments have fixed lengths, so the
    leftmost placement of each middle segment is always the right one."""

    def __init__(self, pattern: LikePattern) -> None:
        segments: list[list[Item]] = [[]]
        for kind, char in pattern.items:
            if kind == "any":
                segments.append([])
            else:
                segments[-1].append((kind, fold(char)))
        self.anchored = len(segments) == 1
        self.segments = [self._compile(s) for s in segments]
        self.lengths = [len(s) for s in segments]

    @staticmethod
    def _compile(segment: list[Item]) -> re.Pattern[str]:
        return re.compile("".join("." if kind == "one" else re.escape(c) for kind, c in segment), re.DOTALL)

    def __call__(self, value: str) -> bool:
        text = fold(value)
        if self.anchored:
            return self.segments[0].fullmatch(text) is not None
        first, last = self.segments[0], self.segments[-1]
        if first.match(text) is None:
            return False
        position = self.lengths[0]
        for segment in self.segments[1:-1]:
            found = segment.search(text, position)
            if found is None:
                return False
            position = found.end()
        tail_start = len(text) - self.lengths[-1]
        return tail_start >= position and last.fullmatch(text, tail_start) is not None


@functools.lru_cache(maxsize=256)
def _matcher(like_form: str) -> _Matcher:
    # The LIKE form (escape `\`) reads the same under MySQL's rules.
    return _Matcher(LikePattern.from_mysql(like_form))


def like(like_form: str | None, value: str | bytes | int | float | None) -> bool | None:
    """SQL function vtql_like(pattern, value): NULL in, NULL out, like SQL's LIKE."""
    if value is None or like_form is None:
        return None
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    else:
        text = value if isinstance(value, str) else str(value)
    return _matcher(like_form)(text)
