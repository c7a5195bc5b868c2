"""VTQL, vtenext's query language, parsed and translated to parameterised SQLite SQL.

    compile_query("SELECT firstname FROM Contacts WHERE lastname LIKE '%rossi%';", resolver)

gives SQL whose first column is the crmid, then the selected fields (see `CompiledQuery`).
Errors are `VtqlError`s carrying vtenext's exact message texts, raised in vtenext's order:
module (found by vtenext's own regex, before any parsing), then lexing/syntax in text order,
then select-list fields, WHERE fields and values, then ORDER BY and LIMIT.

Storage must call `register_sqlite_functions` on every connection that runs compiled SQL.
"""

from __future__ import annotations

import re
import sqlite3

from server.crm import vtql_fold, vtql_like
from server.crm.vtql_parser import parse_tokens
from server.crm.vtql_sql import DEFAULT_LIMIT, compile_ast
from server.crm.vtql_types import (
    DATABASE_ERROR,
    INCORRECT_ID,
    MODULE_DENIED,
    QUERY_DENIED,
    UNKNOWN_ERROR,
    CompiledQuery,
    Condition,
    FieldKind,
    FieldRef,
    ModuleView,
    Operator,
    Query,
    Resolver,
    Value,
    VtqlError,
)

__all__ = [
    "DATABASE_ERROR",
    "DEFAULT_LIMIT",
    "INCORRECT_ID",
    "MODULE_DENIED",
    "QUERY_DENIED",
    "UNKNOWN_ERROR",
    "CompiledQuery",
    "Condition",
    "FieldKind",
    "FieldRef",
    "ModuleView",
    "Operator",
    "Query",
    "Resolver",
    "Value",
    "VtqlError",
    "compile_query",
    "parse",
    "register_sqlite_functions",
]

# vtenext picks the module with this regex on the raw text before parsing (PCRE's \s, ASCII).
_MODULE_IN_TEXT = re.compile(r"[fF][rR][oO][mM][ \t\n\x0b\f\r]+([^ \t\n\x0b\f\r;]+)")


def parse(text: str) -> Query:
    """Parse a VTQL statement; raises VtqlError (syntax errors, stray characters)."""
    return parse_tokens(text)


def compile_query(text: str, resolver: Resolver) -> CompiledQuery:
    """Parse and translate for the caller behind `resolver`; raises VtqlError."""
    found = _MODULE_IN_TEXT.search(text)
    if found is None:
        raise VtqlError(QUERY_DENIED)
    if resolver.module(found.group(1)) is None:
        raise VtqlError(MODULE_DENIED)

    def check_table(name: str) -> None:
        if resolver.module(name) is None:
            raise VtqlError(MODULE_DENIED)

    query = parse_tokens(text, on_table=check_table)
    module = resolver.module(query.module)
    if module is None:  # the resolver changed its mind between two calls
        raise VtqlError(MODULE_DENIED)
    return compile_ast(query, module)


SqlValue = str | bytes | int | float | None


def _sql_fold(value: SqlValue) -> SqlValue:
    return vtql_fold.fold(value) if isinstance(value, str) else value


def _sql_sort_key(value: SqlValue) -> SqlValue:
    return vtql_fold.sort_key(value) if isinstance(value, str) else value


def _collate(left: str, right: str) -> int:
    a, b = vtql_fold.sort_key(left), vtql_fold.sort_key(right)
    return (a > b) - (a < b)


def register_sqlite_functions(conn: sqlite3.Connection) -> None:
    """Install what compiled SQL may call: vtql_fold, vtql_sortkey, vtql_like. Also a `vtql_ci`
    collation with the same equality and order, for other CRM code (compiled queries do not use
    it: a Python collation runs per comparison while sorting)."""
    vtql_fold.warm_up()
    conn.create_function("vtql_fold", 1, _sql_fold, deterministic=True)
    conn.create_function("vtql_sortkey", 1, _sql_sort_key, deterministic=True)
    conn.create_function("vtql_like", 2, vtql_like.like, deterministic=True)
    conn.create_collation("vtql_ci", _collate)
