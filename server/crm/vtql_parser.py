"""VTQL grammar: classified tokens to a `Query`, with vtenext's syntax error messages.

vtenext's parser is a generated LALR parser that reduces empty rules eagerly and reports the error
in the first state that has no default reduction. The `expected` lists below are those states'
expected tokens, so the messages read exactly like vtenext's, e.g.
`Syntax Error on line 1: token 'FROM' Unexpected FRM(FROM), expected one of: COLUMNNAME`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NoReturn

from server.crm import vtql_lexer as lx
from server.crm.vtql_types import Condition, Operator, Query, Value, VtqlError

_OPERATORS: dict[str, Operator] = {
    lx.EQ: "=",
    lx.LT: "<",
    lx.GT: ">",
    lx.LTE: "<=",
    lx.GTE: ">=",
    lx.NE: "!=",
    lx.IN: "IN",
    lx.LIKE: "LIKE",
}


def syntax_error(token: lx.Token, expected: list[str]) -> VtqlError:
    return VtqlError(
        f"Syntax Error on line {token.line}: token '{token.lex_value}' "
        f"Unexpected {token.kind}({token.value}), expected one of: {','.join(expected)}"
    )


class _Parser:
    def __init__(self, text: str) -> None:
        self._tokens: Iterator[lx.Token] = lx.tokens(text)
        self.token = next(self._tokens)

    def advance(self) -> lx.Token:
        self.token = next(self._tokens)
        return self.token

    def fail(self, *expected: str) -> NoReturn:
        raise syntax_error(self.token, list(expected))

    def take(self, kind: str) -> lx.Token:
        """Consume a token of `kind` (or fail expecting just that) and move on."""
        token = self.token
        if token.kind != kind:
            self.fail(kind)
        self.advance()
        return token

    def value(self) -> Value:
        token = self.take(lx.VALUE)
        quoted = token.value.startswith("'")
        text = lx.decode_string(token.value) if quoted else token.value
        return Value(raw=token.value, text=text, quoted=quoted)


def parse_tokens(text: str, on_table: Callable[[str], None] | None = None) -> Query:
    """Parse `text`. `on_table` is called with the module name at the point where vtenext resolves
    the module (after lexing the token that follows it), so errors come in vtenext's order."""
    p = _Parser(text)
    p.take(lx.SELECT)

    columns: list[str] = []
    if p.token.kind == lx.ASTERISK:
        columns.append("*")
        p.advance()
    elif p.token.kind == lx.COUNT:
        p.advance()
        p.take(lx.PARENOPEN)
        p.take(lx.ASTERISK)
        p.take(lx.PARENCLOSE)
        columns.append("count(*)")
    else:
        columns.append(p.take(lx.COLUMNNAME).value)
    while p.token.kind == lx.COMMA:
        p.advance()
        columns.append(p.take(lx.COLUMNNAME).value)
    if p.token.kind != lx.FRM:
        p.fail(lx.FRM, lx.COMMA)
    p.advance()
    module = p.take(lx.TABLENAME).value
    if on_table is not None:
        on_table(module)

    where: list[tuple[Condition, ...]] = []
    if p.token.kind == lx.WHERE:
        p.advance()
        group: list[Condition] = []
        while True:
            field = p.take(lx.COLUMNNAME).value
            op = _OPERATORS.get(p.token.kind)
            if op is None:
                p.fail(*_OPERATORS)
            p.advance()
            values = _value_list(p)
            group.append(Condition(field=field, op=op, values=values))
            if p.token.kind == lx.LOGICAL_AND:
                p.advance()
            elif p.token.kind == lx.LOGICAL_OR:
                where.append(tuple(group))
                group = []
                p.advance()
            else:
                break
        where.append(tuple(group))

    order_by: list[str] = []
    descending = False
    if p.token.kind == lx.ORDERBY:
        p.advance()
        order_by.append(p.take(lx.COLUMNNAME).value)
        while p.token.kind == lx.COMMA:
            p.advance()
            order_by.append(p.take(lx.COLUMNNAME).value)
        if p.token.kind in (lx.ASC, lx.DESC):
            descending = p.token.kind == lx.DESC
            p.advance()

    limit: list[Value] = []
    if p.token.kind == lx.LIMIT:
        p.advance()
        limit.append(p.value())
        if p.token.kind == lx.COMMA:
            p.advance()
            limit.append(p.value())

    p.take(lx.SEMICOLON)
    if p.token.kind != lx.END:
        p.fail()  # vtenext accepts nothing after the semicolon and lists no expected token
    return Query(
        columns=tuple(columns),
        module=module,
        where=tuple(where),
        order_by=tuple(order_by),
        descending=descending,
        limit=tuple(limit),
    )


def _value_list(p: _Parser) -> tuple[Value, ...]:
    # The grammar allows `(v1, v2)` and bare `v1, v2` after any operator; the lexer makes a second
    # value impossible except after IN (a comma after a plain value becomes a column name).
    if p.token.kind != lx.PARENOPEN:
        values = [p.value()]
        while p.token.kind == lx.COMMA:
            p.advance()
            values.append(p.value())
        return tuple(values)
    p.advance()
    values = [p.value()]
    while p.token.kind == lx.COMMA:
        p.advance()
        values.append(p.value())
    if p.token.kind != lx.PARENCLOSE:
        p.fail(lx.PARENCLOSE, lx.COMMA)
    p.advance()
    return tuple(values)
