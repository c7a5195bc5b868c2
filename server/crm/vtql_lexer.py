"""VTQL tokens, classified the way vtenext's lexer classifies them.

vtenext's lexer is not context-free: the same word is a column, a value or a keyword depending on
where it stands (for instance `and` in a value position is LOGICAL_AND, a bare `order` anywhere
after the module name is silently dropped). Syntax error messages name the token class, so the
classification below follows vtenext's state machine rather than a clean grammar; only quoted
strings differ on purpose: MySQL escapes (`\\'`) are honoured, as the protocol requires.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from server.crm.vtql_types import UNKNOWN_ERROR, VtqlError

# Token classes, named as in vtenext's generated parser (they appear in syntax error messages).
SELECT = "SELECT"
FRM = "FRM"
COLUMNNAME = "COLUMNNAME"
ASTERISK = "ASTERISK"
COUNT = "COUNT"
PARENOPEN = "PARENOPEN"
PARENCLOSE = "PARENCLOSE"
COMMA = "COMMA"
TABLENAME = "TABLENAME"
WHERE = "WHERE"
LOGICAL_AND = "LOGICAL_AND"
LOGICAL_OR = "LOGICAL_OR"
VALUE = "VALUE"
EQ = "EQ"
LT = "LT"
GT = "GT"
LTE = "LTE"
GTE = "GTE"
NE = "NE"
IN = "IN"
LIKE = "LIKE"
ORDERBY = "ORDERBY"
ASC = "ASC"
DESC = "DESC"
LIMIT = "LIMIT"
SEMICOLON = "SEMICOLON"
END = "End of Input"  # what vtenext prints for the end-of-input pseudo token
UNKNOWN = "Unknown"  # a lexeme vtenext's lexer leaves unclassified (e.g. `GET` instead of SELECT)

_WHITESPACE = re.compile(r"[ \t\r\n]+")
# One lexeme: an ASCII word, a quoted string (MySQL escapes; at least one character inside;
# possessive, so an unterminated string never backtracks into a shorter one), a signed integer,
# or punctuation. Anything else is a stray character.
_LEXEME = re.compile(
    r"""[A-Za-z0-9_]+
      | '(?:[^'\\]|\\.|'')++'
      | [+-][0-9]+
      | <= | >= | != | [(),*=<>;]
    """,
    re.VERBOSE | re.DOTALL,
)

_SIMPLE_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
_ESCAPE_OR_QUOTE = re.compile(r"\\(.)|''", re.DOTALL)


def decode_string(lexeme: str) -> str:
    """Decode a quoted lexeme like MySQL: `''` and `\\'` are a quote, `\\\\` a backslash, `\\%` and
    `\\_` stay two characters (so LIKE sees an escaped wildcard), `\\n`-style escapes, `\\x` is x."""

    def replace(match: re.Match[str]) -> str:
        escaped = match.group(1)
        if escaped is None:
            return "'"
        if escaped in "%_":
            return "\\" + escaped
        return _SIMPLE_ESCAPES.get(escaped, escaped)

    return _ESCAPE_OR_QUOTE.sub(replace, lexeme[1:-1])


@dataclass(frozen=True)
class Token:
    kind: str  # one of the classes above
    value: str  # the lexeme as written ("0" for the end of input, as vtenext prints it)
    lex_value: str  # the lexer's last lexeme, what vtenext prints as "token '...'"
    line: int  # vtenext's line counter at this token


def _lexemes(text: str) -> Iterator[tuple[str, bool]]:
    """Yield (lexeme, is_whitespace); raise the generic error at the first stray character."""
    index = 0
    while index < len(text):
        space = _WHITESPACE.match(text, index)
        if space:
            yield space.group(), True
            index = space.end()
            continue
        match = _LEXEME.match(text, index)
        if match is None:
            raise VtqlError(UNKNOWN_ERROR)
        yield match.group(), False
        index = match.end()


class _Classifier:
    """vtenext's lexer states: mandatory part (select, column list, from, table), then optional
    clauses (where, order by, limit) switched by keywords wherever they appear."""

    MANDATORY = ("select", "column_list", "from", "table")
    OPTIONAL = ("where", "orderby", "limit")

    def __init__(self) -> None:
        self.mandatory = True
        self.state = 0
        self.where_col = False
        self.in_started = False
        self.order_pending = False  # vtenext's $orderby flag
        self.count = False

    def _advance(self, steps: int) -> None:
        for _ in range(steps):
            self.state += 1
            if self.state == len(self.MANDATORY):
                self.mandatory = False

    def classify(self, lexeme: str) -> str | None:
        """The token class, or None when vtenext's lexer drops the lexeme (a bare `order`)."""
        if self.mandatory:
            return self._mandatory(lexeme)
        lower = lexeme.lower()
        if lexeme == ";":
            return SEMICOLON
        if lower == "order":
            self.order_pending = True
            return None
        if lower == "by" and self.order_pending:
            self.order_pending = False
            self.state = 1
        if lower in self.OPTIONAL:
            self.state = self.OPTIONAL.index(lower)
        if self.state == 0:
            return self._where(lexeme, lower)
        if self.state == 1:
            return self._order_by(lexeme, lower)
        return self._limit(lexeme, lower)

    def _mandatory(self, lexeme: str) -> str:
        lower = lexeme.lower()
        stage = self.MANDATORY[self.state]
        if stage == "select":
            if lower == "select":
                self._advance(1)
                return SELECT
            return UNKNOWN
        if stage == "column_list":
            if lower == "from":
                self._advance(2)
                return FRM
            if lexeme == "*":
                if not self.count:
                    self._advance(1)
                return ASTERISK
            simple = {"(": PARENOPEN, ")": PARENCLOSE, ",": COMMA}.get(lexeme)
            if simple:
                return simple
            if lower == "count":
                self.count = True
                return COUNT
            return COLUMNNAME
        if stage == "from":
            if lower == "from":
                self._advance(1)
                return FRM
            return UNKNOWN
        # table
        self.state = 0
        self.mandatory = False
        return UNKNOWN if lower == "where" else TABLENAME

    def _where(self, lexeme: str, lower: str) -> str:
        operators = {"=": EQ, "<": LT, "<=": LTE, ">=": GTE, "!=": NE, ">": GT, "(": PARENOPEN}
        if lexeme in operators:
            return operators[lexeme]
        if lower == "where":
            return WHERE
        if lexeme == ")":
            if self.in_started:
                self.in_started = False
                self.where_col = False
            return PARENCLOSE
        if lower == "and":
            return LOGICAL_AND
        if lower == "or":
            return LOGICAL_OR
        if not self.where_col:
            self.where_col = True
            return COLUMNNAME
        if lower == "in":
            self.in_started = True
            return IN
        if lexeme == ",":
            return COMMA
        if lower == "like":
            return LIKE
        if not self.in_started:
            self.where_col = False
        return VALUE

    def _order_by(self, lexeme: str, lower: str) -> str:
        if not self.order_pending:
            self.order_pending = True
            return ORDERBY
        if lexeme == ",":
            return COMMA
        if lower == "asc":
            return ASC
        if lower == "desc":
            return DESC
        return COLUMNNAME

    def _limit(self, lexeme: str, lower: str) -> str:
        if lower == "limit":
            return LIMIT
        return {"(": PARENOPEN, ")": PARENCLOSE, ",": COMMA}.get(lexeme, VALUE)


def tokens(text: str) -> Iterator[Token]:
    """Classified tokens, ending with END. Lazy, like vtenext's lexer feeding its parser: a stray
    character only raises once the parser has consumed everything before it."""
    classifier = _Classifier()
    lex_value = ""
    line = 1
    for lexeme, is_space in _lexemes(text):
        lex_value = lexeme
        # vtenext counts lines with substr_count("\n", $value), arguments swapped: only a lexeme
        # that is exactly one newline moves the counter.
        if lexeme == "\n":
            line += 1
        if is_space:
            continue
        kind = classifier.classify(lexeme)
        if kind is not None:
            yield Token(kind, lexeme, lex_value, line)
    yield Token(END, "0", lex_value, line)
