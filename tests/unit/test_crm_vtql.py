"""VTQL built by the client: hostile search text must match exactly the values containing it.

The tests read the generated query back with MySQL's rules (vtenext pastes literals into MySQL):
a small reference reader for string literals and LIKE patterns, written from the MySQL manual.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailconnector.crm import vtql

HOSTILE = [
    "O'Brien",
    "100% Bio",
    "under_score",
    "back\\slash",
    "Zoë Ünal",
    "' OR 1=1 --",
    "'; DROP TABLE vtiger_crmentity; --",
    "\\'",
    "\\\\",
    "%",
    "_",
    "%%__",
    "\\%",
    "\\_",
    "''",
    "' OR ''='",
    'say "hi"',
    "😀 emoji",
    "日本語",
    "a\\",
]


# --- a reference reader for MySQL literals and LIKE ---------------------------------------------------
_MYSQL_ESCAPES = {
    "0": "\0",
    "b": "\b",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "Z": "\x1a",
    "\\": "\\",
    "'": "'",
    '"': '"',
}


def read_literal(sql: str, start: int) -> tuple[str, int]:
    """The value of the quoted literal at sql[start] == "'" and the index after it."""
    assert sql[start] == "'"
    out: list[str] = []
    i = start + 1
    while True:
        ch = sql[i]  # IndexError = unterminated: the test fails
        if ch == "'":
            if i + 1 < len(sql) and sql[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1
        if ch == "\\":
            nxt = sql[i + 1]
            # MySQL keeps the backslash of \% and \_ so that LIKE sees an escaped wildcard.
            out.append("\\" + nxt if nxt in "%_" else _MYSQL_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1


def like_matches(pattern: str, value: str) -> bool:
    """MySQL LIKE with the default escape `\\`, case-insensitive."""
    regex: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            regex.append(re.escape(pattern[i + 1].casefold()))
            i += 2
            continue
        regex.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch.casefold()))
        i += 1
    return re.fullmatch("".join(regex), value.casefold(), re.DOTALL) is not None


def tokens(condition: str) -> list[tuple[str, str]]:
    """(kind, text) tokens of a flat VTQL condition: words, operators, literals."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(condition):
        ch = condition[i]
        if ch == " ":
            i += 1
        elif ch == "'":
            value, i = read_literal(condition, i)
            out.append(("literal", value))
        else:
            m = re.compile(r"[A-Za-z0-9_]+|[=<>!]+|[(),]").match(condition, i)
            assert m, f"stray character at {i}: {condition[i : i + 20]!r}"
            out.append(("word", m.group()))
            i = m.end()
    return out


def like_terms(condition: str) -> list[list[tuple[str, str]]]:
    """The condition as OR-ed lists of AND-ed (field, pattern) pairs, checking its shape."""
    toks = tokens(condition)
    terms: list[list[tuple[str, str]]] = [[]]
    i = 0
    while i < len(toks):
        (k1, field), (k2, op), (k3, pattern) = toks[i : i + 3]
        assert (k1, k2, k3) == ("word", "word", "literal") and op.upper() == "LIKE", toks[i : i + 3]
        terms[-1].append((field, pattern))
        i += 3
        if i < len(toks):
            kind, joiner = toks[i]
            assert kind == "word" and joiner in ("AND", "OR"), toks[i]
            if joiner == "OR":
                terms.append([])
            i += 1
    return terms


def matches(condition: str, record: dict[str, str]) -> bool:
    return any(all(like_matches(p, record.get(f, "")) for f, p in term) for term in like_terms(condition))


# --- escaping ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", HOSTILE)
def test_contains_literal_reads_back_as_one_literal_that_matches_the_text(text: str) -> None:
    literal = vtql.contains(text)
    value, end = read_literal(literal, 0)
    assert end == len(literal)  # the quote cannot be closed early
    assert like_matches(value, text)
    assert like_matches(value, f"prefix {text} suffix")
    assert like_matches(value, text.upper())  # MySQL compares case-insensitively


@pytest.mark.parametrize(
    ("text", "values_not_matching"),
    [
        ("100%", ["100", "1000", "100 Bio"]),
        ("under_score", ["underXscore", "under score"]),
        ("back\\slash", ["backslash", "back/slash", "back\\\\xslash"]),
        ("O'Brien", ["OBrien", "O''Brien", 'O"Brien']),
        ("' OR 1=1 --", ["", "anything", "OR 1=1"]),
        ("%", ["", "no percent"]),
        ("_", ["", "x"]),
        ("\\%", ["%", "\\"]),
    ],
)
def test_wildcards_and_quotes_in_the_text_are_not_wildcards(text: str, values_not_matching: list[str]) -> None:
    pattern, _ = read_literal(vtql.contains(text), 0)
    for value in values_not_matching:
        assert not like_matches(pattern, value), value


@given(
    text=st.text(alphabet=st.sampled_from("'\\%_ aZ0-;=é\"😀") | st.characters(), min_size=1, max_size=12),
    around=st.tuples(st.text(max_size=5), st.text(max_size=5)),
    other=st.text(alphabet=st.sampled_from("'\\%_ aZ0é"), max_size=14),
)
def test_contains_matches_exactly_the_values_containing_the_text(
    text: str, around: tuple[str, str], other: str
) -> None:
    pattern, end = read_literal(vtql.contains(text), 0)
    assert end == len(vtql.contains(text))
    assert like_matches(pattern, around[0] + text + around[1])
    assert like_matches(pattern, other) == (text.casefold() in other.casefold())


@pytest.mark.parametrize("value", ["3x42", "O'Brien", "back\\slash", "100%_", "' OR 1=1 --"])
def test_quote_reads_back_as_the_value(value: str) -> None:
    literal = vtql.quote(value)
    read, end = read_literal(literal, 0)
    # \% and \_ keep their backslash in MySQL: for = comparisons the value itself is what matters,
    # and quote() never produces them (it doubles backslashes).
    assert end == len(literal)
    assert read == value


def test_the_empty_string_cannot_be_written() -> None:
    with pytest.raises(vtql.VtqlError):
        vtql.quote("")
    with pytest.raises(vtql.VtqlError):
        vtql.contains("")


@pytest.mark.parametrize("name", ["", "1abc", "first name", "a;b", "email'", "a.b", "a-b", "ü"])
def test_identifiers_are_checked_not_escaped(name: str) -> None:
    with pytest.raises(vtql.VtqlError):
        vtql.identifier(name)
    with pytest.raises(vtql.VtqlError):
        vtql.select(name)
    with pytest.raises(vtql.VtqlError):
        vtql.search_condition([name], vtql.SearchTerms(("x",)))


# --- search conditions ----------------------------------------------------------------------------------
FIELDS = ["firstname", "lastname", "email"]
PEOPLE = [
    {"firstname": "Mario", "lastname": "Rossi", "email": "mario.rossi@example.it"},
    {"firstname": "Maria", "lastname": "Rossini", "email": "m.rossini@example.it"},
    {"firstname": "Sean", "lastname": "O'Brien", "email": "sean@obrien.ie"},
    {"firstname": "Bio", "lastname": "100% Bio", "email": "info@100bio.it"},
    {"firstname": "Under", "lastname": "under_score", "email": "u@x.it"},
    {"firstname": "Under", "lastname": "underXscore", "email": "ux@x.it"},
    {"firstname": "Back", "lastname": "back\\slash", "email": "b@x.it"},
    {"firstname": "Zoë", "lastname": "Ünal", "email": "zoe@x.it"},
    {"firstname": "' OR 1=1 --", "lastname": "Hacker", "email": "h@x.it"},
]


def found(condition: str) -> list[str]:
    return [p["lastname"] for p in PEOPLE if matches(condition, p)]


def test_one_word_is_searched_in_every_field() -> None:
    condition = vtql.search_condition(FIELDS, vtql.SearchTerms.parse("rossi"))
    assert condition.count(" OR ") == 2
    assert found(condition) == ["Rossi", "Rossini"]


def test_every_word_must_occur_in_some_field() -> None:
    assert found(vtql.search_condition(FIELDS, vtql.SearchTerms.parse("mario rossi"))) == ["Rossi"]
    assert found(vtql.search_condition(FIELDS, vtql.SearchTerms.parse("rossi mario"))) == ["Rossi"]
    assert found(vtql.search_condition(FIELDS, vtql.SearchTerms.parse("Zoë ünal"))) == ["Ünal"]
    assert found(vtql.search_condition(FIELDS, vtql.SearchTerms.parse("mario example.it"))) == ["Rossi"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("O'Brien", ["O'Brien"]),
        ('"100% Bio"', ["100% Bio"]),
        ("100%", ["100% Bio"]),
        ("under_score", ["under_score"]),
        ("back\\slash", ["back\\slash"]),
        ('"\' OR 1=1 --"', ["Hacker"]),
        ("%", ["100% Bio"]),
        ("_", ["under_score"]),
        ("\\", ["back\\slash"]),
    ],
)
def test_hostile_text_finds_exactly_the_records_containing_it(text: str, expected: list[str]) -> None:
    assert found(vtql.search_condition(FIELDS, vtql.SearchTerms.parse(text))) == expected


def test_phrase_mode_and_quotes_keep_the_words_together() -> None:
    assert vtql.SearchTerms.parse('"mario rossi"').words == ("mario rossi",)
    assert vtql.SearchTerms.parse("mario  rossi", "phrase").words == ("mario rossi",)
    assert found(vtql.search_condition(FIELDS, vtql.SearchTerms.parse('"mario rossi"'))) == []


def test_search_text_is_cleaned() -> None:
    assert vtql.SearchTerms.parse("  mario \t\n rossi  mario ").words == ("mario", "rossi")
    assert vtql.SearchTerms.parse("a\x00b").words == ("a", "b")
    assert vtql.SearchTerms.parse("   ").empty
    assert vtql.SearchTerms.parse('""').empty
    assert vtql.SearchTerms.parse('"').words == ('"',)


def test_too_many_words_fall_back_to_one_phrase() -> None:
    terms = vtql.SearchTerms.parse("a b c d e f")
    condition = vtql.search_condition(FIELDS, terms)
    assert condition.count("LIKE") == len(FIELDS)
    assert "'%a b c d e f%'" in condition


def test_select_and_count_statements() -> None:
    assert vtql.select("Contacts") == "SELECT * FROM Contacts;"
    assert (
        vtql.select("Contacts", ["firstname", "lastname"], where="lastname LIKE '%x%'", order_by="lastname", limit=26)
        == "SELECT firstname, lastname FROM Contacts WHERE lastname LIKE '%x%' ORDER BY lastname LIMIT 26;"
    )
    assert vtql.select("Contacts", limit=10, offset=20) == "SELECT * FROM Contacts LIMIT 20, 10;"
    assert vtql.count("Leads", where="email LIKE '%a%'") == "SELECT count(*) FROM Leads WHERE email LIKE '%a%';"
    assert vtql.count("Leads") == "SELECT count(*) FROM Leads;"
    assert vtql.ids_in(["3x1", "3x2", "3x1"]) == "id IN ('3x1', '3x2')"
    with pytest.raises(vtql.VtqlError):
        vtql.ids_in([])
