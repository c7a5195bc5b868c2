"""Shared types of the VTQL implementation: the error, the schema protocols and the AST.

`server.crm.vtql` re-exports everything here; other modules of the CRM import from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal as TypingLiteral
from typing import Protocol

# Exact texts of vtenext's WebServiceException messages (over REST only the text survives).
UNKNOWN_ERROR = "Unknown Error while processing request"
DATABASE_ERROR = "Database error while performing requested operation"
MODULE_DENIED = "Permission to perform the operation is denied for name"
QUERY_DENIED = "Permission to perform the operation is denied for query"
INCORRECT_ID = "Id specified is incorrect"


def select_field_denied(field: str) -> str:
    # vtenext's PHP string is "...access '.$field.' attribute..." inside double quotes, so the
    # dots and single quotes are literal text around the interpolated name.
    return f"Permission to access '.{field}.' attribute denied."


def where_field_denied(field: str) -> str:
    return f"Permission to access {field} attribute denied."


class VtqlError(Exception):
    """A query vtenext would refuse; `message` is the exact text for the 500 envelope."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


FieldKind = TypingLiteral["text", "id", "reference", "owner", "number", "boolean", "date", "datetime"]


@dataclass(frozen=True)
class FieldRef:
    name: str  # VTQL field name
    sql: str  # trusted SQL expression for the column
    kind: FieldKind
    text_index: str | None = None  # trusted name of a trigram index over this column (search_index.py)


class ModuleView(Protocol):
    name: str
    id_prefix: str  # digits
    from_sql: str  # trusted FROM fragment (tables + joins)
    id_sql: str  # trusted SQL expression of the record's crmid (int)
    visibility_sql: str  # trusted WHERE fragment: rows the caller may see (incl. not deleted)
    visibility_params: tuple[object, ...]

    def field(self, name: str) -> FieldRef | None: ...  # None = unknown or hidden for this user

    def all_fields(self) -> list[FieldRef]: ...  # visible fields, describe order (SELECT *)


class Resolver(Protocol):
    def module(self, name: str) -> ModuleView | None: ...  # None = unknown/hidden module


# --- AST -------------------------------------------------------------------------------------

Operator = TypingLiteral["=", "!=", "<", "<=", ">", ">=", "LIKE", "IN"]


@dataclass(frozen=True)
class Value:
    """A value token: `raw` as written, `text` after MySQL string-literal decoding."""

    raw: str
    text: str
    quoted: bool


@dataclass(frozen=True)
class Condition:
    field: str
    op: Operator
    values: tuple[Value, ...]  # exactly one unless op is IN


@dataclass(frozen=True)
class Query:
    """A parsed VTQL statement, still in vtenext's terms (names, raw values)."""

    columns: tuple[str, ...]  # names as written; ("*",) or ("count(*)", ...) for the special forms
    module: str
    # WHERE as a disjunction of conjunctions: AND binds tighter than OR, no parentheses in VTQL.
    where: tuple[tuple[Condition, ...], ...]
    order_by: tuple[str, ...]
    descending: bool
    limit: tuple[Value, ...]  # () without LIMIT, (count,) or (offset, count)

    @property
    def is_count(self) -> bool:
        return "count(*)" in self.columns

    @property
    def is_star(self) -> bool:
        return "*" in self.columns


@dataclass(frozen=True)
class CompiledQuery:
    """SQL ready for sqlite3: `conn.execute(sql, params)`.

    Rows: for a record query, column 0 is the crmid and `fields[0]` is the `id` field (kind "id"),
    then one column per further entry of `fields`, in order. For `count(*)` (`is_count`), the
    single column is the count and `fields` is `[FieldRef("count", "count(*)", "number")]`.

    With a trigram `index` (search_index.py), `sql` reads only the rows it points at and `scan_sql`
    is the same query checking every row; `index_groups` (the literal texts of each OR group) let
    `search_index.choose` tell which is cheaper. Both give the same rows.
    """

    sql: str
    params: tuple[object, ...]
    module: ModuleView
    is_count: bool
    fields: list[FieldRef]
    index: str | None = None
    index_groups: tuple[tuple[str, ...], ...] = ()
    scan_sql: str = ""
    scan_params: tuple[object, ...] = ()
