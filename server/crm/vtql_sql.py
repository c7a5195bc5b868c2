"""Translate a parsed VTQL `Query` into parameterised SQLite SQL.

Only trusted fragments (from ModuleView and FieldRef) are pasted into the SQL text; every value
taken from the query is a bound parameter. Checks run in vtenext's order: select list, then each
WHERE condition in turn (field, then its value), then ORDER BY and LIMIT (which vtenext only
discovers when MySQL runs the statement, hence the "Database error" text).
"""

from __future__ import annotations

import re
from dataclasses import replace

from server.crm import vtql_fold as fd
from server.crm.search_index import MIN_RUN, phrase
from server.crm.vtql_like import LikePattern, builtin_like_form
from server.crm.vtql_types import (
    DATABASE_ERROR,
    INCORRECT_ID,
    CompiledQuery,
    Condition,
    FieldRef,
    ModuleView,
    Query,
    Value,
    VtqlError,
    select_field_denied,
    where_field_denied,
)

DEFAULT_LIMIT = 1000  # vtenext's cap when the query has no LIMIT
_MAX_SQLITE_INT = 2**63 - 1
_WS_ID = re.compile(r"([0-9]+)x(.*)", re.DOTALL)
_LEADING_NUMBER = re.compile(r"\s*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_COUNT_FIELD = FieldRef(name="count", sql="count(*)", kind="number")
_ID_KINDS = ("id", "reference", "owner")
_NUMERIC_KINDS = ("number", "boolean")

Fragment = tuple[str, list[object]]


def id_field(module: ModuleView) -> FieldRef:
    return FieldRef(name="id", sql=module.id_sql, kind="id")


def lookup(module: ModuleView, name: str) -> FieldRef | None:
    return id_field(module) if name == "id" else module.field(name)


def compile_ast(query: Query, module: ModuleView) -> CompiledQuery:
    fields = _selected_fields(query, module)
    where_sql, where_params = _where(query, module)
    order_sql, order_params = _order_by(query, module)
    offset, count = _limit(query)

    index, index_groups = _text_prefilter(query, module)
    visibility = module.visibility_sql.strip() or "1"
    if query.is_count:
        select = "count(*)"
        order_sql, order_params = "", []  # checked above; meaningless for one aggregate row
    else:
        select = ", ".join([f"{module.id_sql} AS id", *(f.sql for f in fields[1:])])
    # Only trusted fragments from ModuleView/FieldRef and our own SQL go into the text.
    head = f"SELECT {select} FROM {module.from_sql} WHERE ({visibility})"  # noqa: S608
    tail = (f" AND ({where_sql})" if where_sql else "") + order_sql + " LIMIT ? OFFSET ?"
    params = (*module.visibility_params, *where_params, *order_params, count, offset)
    compiled = CompiledQuery(
        sql=head + tail,
        params=params,
        module=module,
        is_count=query.is_count,
        fields=[_COUNT_FIELD] if query.is_count else fields,
    )
    if index is None:
        return compiled
    match = " OR ".join("(" + " AND ".join(group) + ")" for group, _ in index_groups)
    narrowed = f" AND {module.id_sql} IN (SELECT rowid FROM {index} WHERE {index} MATCH ?)"  # noqa: S608
    return replace(
        compiled,
        sql=head + narrowed + tail,
        params=(*module.visibility_params, match, *where_params, *order_params, count, offset),
        index=index,
        index_groups=tuple(runs for _, runs in index_groups),
        scan_sql=compiled.sql,
        scan_params=compiled.params,
    )


def _selected_fields(query: Query, module: ModuleView) -> list[FieldRef]:
    if query.is_count:
        return []
    fields = [id_field(module)]
    if query.is_star:
        fields += [f for f in module.all_fields() if f.name != "id"]
        return fields
    seen = {"id"}
    for name in query.columns:
        field = lookup(module, name)
        if field is None:
            raise VtqlError(select_field_denied(name))
        if name not in seen:
            seen.add(name)
            fields.append(field)
    return fields


# --- WHERE ----------------------------------------------------------------------------------------


def _where(query: Query, module: ModuleView) -> Fragment:
    groups: list[Fragment] = []
    for group in query.where:
        parts: list[Fragment] = []
        for condition in group:
            field = lookup(module, condition.field)
            if field is None:
                raise VtqlError(where_field_denied(condition.field))
            parts.append(_condition(field, condition, module))
        groups.append(_combine("AND", parts))
    return _combine("OR", groups) if groups else ("", [])


def _text_prefilter(query: Query, module: ModuleView) -> tuple[str | None, list[tuple[list[str], tuple[str, ...]]]]:
    """The trigram index that can point at every row the WHERE may match (search_index.py), with each
    OR group's FTS5 phrases and their texts; (None, []) when some group is beyond it (every row)."""
    index: str | None = None
    groups: list[tuple[list[str], tuple[str, ...]]] = []
    for group in query.where:
        phrases: list[str] = []
        texts: list[str] = []
        for condition in group:
            field = lookup(module, condition.field) if condition.op == "LIKE" else None
            if field is None or field.text_index is None or field.kind != "text":
                continue
            pattern = LikePattern.from_mysql(condition.values[0].text)
            if not pattern.is_plain:  # only plain ASCII text is sure to be found (see search_index)
                continue
            runs = [run for run in _literal_runs(pattern) if len(run) >= MIN_RUN]
            if not runs or index not in (None, field.text_index):
                continue
            index = field.text_index
            phrases += [f"{field.name} : {phrase(run)}" for run in runs]
            texts += runs
        if not phrases:
            return None, []  # this group can match rows the index cannot point at
        groups.append((phrases, tuple(texts)))
    return index, groups


def _literal_runs(pattern: LikePattern) -> list[str]:
    runs, current = [], ""
    for kind, char in pattern.items:
        if kind == "lit":
            current += char
        else:
            runs.append(current)
            current = ""
    return [*runs, current]


def _condition(field: FieldRef, condition: Condition, module: ModuleView) -> Fragment:
    if condition.op == "IN":
        return _combine("OR", [_compare(field, "=", value, module) for value in condition.values])
    return _compare(field, condition.op, condition.values[0], module)


def _combine(operator: str, fragments: list[Fragment]) -> Fragment:
    """`a OR b OR c ...` as a balanced tree, in order: SQLite refuses expression trees deeper than
    1000, which a flat chain of a long IN list or a many-field search would reach."""
    if len(fragments) == 1:
        sql, params = fragments[0]
        return f"({sql})", params
    middle = len(fragments) // 2
    left_sql, left_params = _combine(operator, fragments[:middle])
    right_sql, right_params = _combine(operator, fragments[middle:])
    return f"({left_sql} {operator} {right_sql})", [*left_params, *right_params]


def _compare(field: FieldRef, op: str, value: Value, module: ModuleView) -> Fragment:
    column = field.sql
    if field.kind in _ID_KINDS:
        number = _ws_id_number(field, value.text, module)
        if op == "LIKE":
            return _like(f"CAST(({column}) AS TEXT)", LikePattern.from_mysql(number))
        return f"({column}) {op} ?", [_to_int(number)]
    if op == "LIKE":
        return _like(column, LikePattern.from_mysql(value.text))
    if field.kind in _NUMERIC_KINDS:
        return f"CAST(({column}) AS NUMERIC) {op} ?", [_to_number(value.text)]
    if field.kind in ("date", "datetime"):
        return f"({column}) {op} ?", [value.text]
    return _compare_text(column, op, value.text)


def _compare_text(column: str, op: str, text: str) -> Fragment:
    if op in ("=", "!="):
        sql, params = _equals_text(column, text)
        return (sql, params) if op == "=" else (f"NOT ({sql})", params)
    key_sql, key_params = fd.sort_key_sql(column)
    return f"{key_sql} {op} ?", [*key_params, fd.sort_key(text)]


def _equals_text(column: str, text: str) -> Fragment:
    if fd.is_plain(text):
        return f"({column}) = ? COLLATE NOCASE", [text]
    glob = LikePattern.literal(text).glob_form()
    if glob is None:
        return f"vtql_fold({column}) = ?", [fd.fold(text)]
    return f"({column}) GLOB ?", [glob]


def _like(column: str, pattern: LikePattern) -> Fragment:
    """Case-insensitive LIKE with SQLite builtins whenever they are exact (see vtql_like)."""
    like_form = builtin_like_form(pattern)
    if like_form is not None:
        return f"({column}) LIKE ? ESCAPE '\\'", [like_form]
    glob = pattern.glob_form()
    if glob is not None:
        return f"({column}) GLOB ?", [glob]
    return f"vtql_like(?, {column})", [pattern.like_form()]


def _ws_id_number(field: FieldRef, text: str, module: ModuleView) -> str:
    """The record number of a web-service id (`4x42` -> `42`); the prefix must be the module's for
    the record's own id."""
    match = _WS_ID.fullmatch(text)
    if match is None or (field.kind == "id" and match.group(1) != module.id_prefix):
        raise VtqlError(INCORRECT_ID)
    return match.group(2)


def _to_int(number: str) -> int:
    if not number.isascii() or not number.isdigit():
        raise VtqlError(INCORRECT_ID)
    return min(int(number), _MAX_SQLITE_INT)


def _to_number(text: str) -> int | float:
    """MySQL's string-to-number conversion: the leading number, or 0."""
    match = _LEADING_NUMBER.match(text)
    if match is None:
        return 0
    literal = match.group(1)
    try:
        number = int(literal)
    except ValueError:
        return float(literal)
    return number if abs(number) <= _MAX_SQLITE_INT else float(number)


# --- ORDER BY and LIMIT ---------------------------------------------------------------------------


def _order_by(query: Query, module: ModuleView) -> Fragment:
    if not query.order_by:
        return f" ORDER BY {module.id_sql}", []  # stable pages, like MySQL's usual crmid order
    expressions: list[str] = []
    params: list[object] = []
    for name in query.order_by:
        field = lookup(module, name)
        if field is None:
            raise VtqlError(DATABASE_ERROR)
        if field.kind == "text":
            sql, key_params = fd.sort_key_sql(field.sql)
            expressions.append(sql)
            params += key_params
        elif field.kind in _NUMERIC_KINDS:
            expressions.append(f"CAST(({field.sql}) AS NUMERIC)")
        else:
            expressions.append(f"({field.sql})")
    # vtenext writes "ORDER BY a, b DESC": the direction applies to the last column only.
    if query.descending:
        expressions[-1] += " DESC"
    return f" ORDER BY {', '.join(expressions)}, {module.id_sql}", params


def _limit(query: Query) -> tuple[int, int]:
    if not query.limit:
        return 0, DEFAULT_LIMIT
    numbers = [_limit_number(v) for v in query.limit]
    return (0, numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[1])


def _limit_number(value: Value) -> int:
    # MySQL accepts only an unsigned integer literal here; anything else fails at execution.
    if value.quoted or not value.text.isdigit():
        raise VtqlError(DATABASE_ERROR)
    return min(int(value.text), _MAX_SQLITE_INT)
