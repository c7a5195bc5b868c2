"""VTQL injection through the search box: whatever the user types (quotes, backslashes, `%`, `_`,
`OR 1=1`, comment markers, unicode), the search finds exactly the records whose fields contain the
typed words literally. Property-based: hypothesis builds the texts from hostile pieces and from
fragments of the demo's hostile record names, with a fixed derandomised seed (reproducible in CI).

The truth is computed here from every row the user may see (read page by page with plain
`SELECT ... ORDER BY id` queries, no LIKE involved), with the words the client says the text means.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailconnector.crm import CrmClient, vtql
from mailconnector.models import CrmRecord, LinkableModule
from tests.conftest import RunningCrm
from tests.reliability.support import FIGURES, BackgroundLoop, signed_in

HOSTILE_PIECES = [
    "'", "''", "\\", "\\'", "\\\\", "%", "_", "\\%", "\\_", "%'", "'%", "%%", "__", '"', "`", ";", "--",
    "/*", "*/", "(", ")", ",", "=", " OR 1=1", "' OR '1'='1", "' OR 1=1 --", "OR", "AND", "LIKE", "IN",
    "UNION SELECT", "\\' OR 1=1; --", "*", "?", "[", "]",
]
FRAGMENTS = [
    "O'Brien", "Brien", "100% Bio", "100%", "% Bio", "under_score", "r_s", "back\\slash", "k\\s",
    "Zoë", "Ünal", "<script>", "alert(1)", "Rossi", "Smith & Partners", "Neri", "example", "@",
]
# ASCII and accented Latin letters: the CRM's case folding (vtenext's collation) is str.lower() on them
ALPHABET = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-@&'%_\\\"àèéìòùÀÈÉëËüÜöÖç")
PIECE = st.one_of(st.sampled_from(HOSTILE_PIECES), st.sampled_from(FRAGMENTS), st.text(ALPHABET, min_size=1,
                                                                                          max_size=4))
SEARCH_TEXT = st.lists(PIECE, min_size=1, max_size=4).map("".join)


@dataclass
class Searcher:
    loop: BackgroundLoop
    client: CrmClient
    modules: dict[str, LinkableModule]
    rows: dict[str, list[CrmRecord]]


@pytest.fixture(scope="module")
def searcher(crm: RunningCrm) -> Iterator[Searcher]:
    loop = BackgroundLoop()
    client = loop.call(signed_in(crm, "anna"))
    modules = {m.name: m for m in loop.call(client.modules())}

    async def every_row(module: LinkableModule) -> list[CrmRecord]:
        rows: list[CrmRecord] = []
        while True:
            query = vtql.select(module.name, module.search_fields, order_by="id", limit=500, offset=len(rows))
            page = await client.query(query)
            rows.extend(page)
            if len(page) < 500:
                return rows

    rows = {name: loop.call(every_row(modules[name])) for name in ("Contacts", "Accounts")}
    yield Searcher(loop, client, modules, rows)
    loop.call(client.aclose())
    loop.close()


def words_meant(text: str, fields: tuple[str, ...]) -> tuple[str, ...]:
    """What the text means, restated here from the documented rule (not computed by the client's code):
    control characters are spaces; text in double quotes is one phrase; otherwise every word must occur
    in some field, except that a query needing more than 256 LIKE conditions (fields^words × words) is
    matched as one phrase."""
    cleaned = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split())
    if len(cleaned) >= 2 and cleaned[0] == cleaned[-1] == '"':
        inner = " ".join(cleaned[1:-1].split())
        return (inner,) if inner else ()
    words = tuple(dict.fromkeys(cleaned.split()))
    if len(words) > 1 and len(fields) ** len(words) * len(words) > 256:
        return (" ".join(words),)
    return words


def containing(rows: list[CrmRecord], fields: tuple[str, ...], words: tuple[str, ...]) -> set[str]:
    return {
        row.id for row in rows
        if all(any(word.lower() in row.text(f).lower() for f in fields) for word in words)
    }


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=SEARCH_TEXT, module=st.sampled_from(["Contacts", "Accounts"]))
def test_search_text_never_changes_the_meaning_of_the_query(searcher: Searcher, text: str, module: str) -> None:
    description = searcher.modules[module]
    fields = description.search_fields
    words = words_meant(text, fields)
    FIGURES["search_texts_generated"] += 1
    result = searcher.loop.call(searcher.client.search(description, text, limit=100, resolve_references=False))
    if not words:
        assert result.state == "none"
        return
    expected = containing(searcher.rows[module], fields, words)
    FIGURES["search_texts_with_hits"] += bool(expected)
    found = {r.id for r in result.records}
    assert result.total == len(expected), (text, words)
    assert found <= expected, (text, words, found - expected)
    if len(expected) <= 100:
        assert found == expected, (text, words)


# (text, records it must find, look-alike records it must not find): each decoy is what a wrong
# escaping would find ('%' or '_' as wildcards, a dropped backslash, an undoubled quote).
ANCHORS_AND_DECOYS = [
    ("100% Bio", {"4x17"}, {"4x23"}),
    ("100%", {"4x17"}, {"4x23"}),
    ("0% B", {"4x17"}, {"4x23"}),
    ("under_score", {"4x18"}, {"4x24"}),
    ("_score", {"4x18"}, {"4x24"}),
    ("r_s", {"4x18"}, {"4x24"}),
    ("back\\slash", {"4x19"}, {"4x25"}),
    ("k\\s", {"4x19"}, {"4x25"}),
    ("\\slash", {"4x19"}, {"4x25"}),
    ("O'Brien", {"4x16"}, {"4x26"}),
    ("'B", {"4x16"}, {"4x26"}),
    ("O''Brien", set(), {"4x16", "4x26"}),
    ("\\%", set(), {"4x17", "4x23", "4x19"}),
    ("\\_", set(), {"4x18", "4x24", "4x19"}),
    ("' OR '1'='1", set(), {"4x16", "4x17", "4x18"}),
    ("<script>", {"4x21"}, {"4x22"}),
    ("onerror=", {"4x22"}, {"4x21"}),
    ("ünal zoë", {"4x20"}, set()),
    ('"100% Bio"', {"4x17"}, {"4x23"}),
    ('"Fattoria 100%"', set(), {"4x17"}),  # one phrase: first and last name are two fields
]


@pytest.mark.parametrize(("text", "anchors", "decoys"), ANCHORS_AND_DECOYS)
def test_hostile_texts_find_their_anchors_and_miss_their_decoys(
    searcher: Searcher, text: str, anchors: set[str], decoys: set[str]
) -> None:
    """The property above is not vacuous: hostile texts do find the hostile anchors and miss their
    look-alike decoys (4x23 'Fattoria 1000 Bio', 4x24 'underXscore', 4x25 'backslash', 4x26 'OBrien')."""
    contacts = searcher.modules["Contacts"]
    result = searcher.loop.call(searcher.client.search(contacts, text, limit=100, resolve_references=False))
    found = {r.id for r in result.records}
    assert anchors <= found and not decoys & found, (text, found)
    # and the oracle of the property agrees with these literal expectations
    expected = containing(searcher.rows["Contacts"], contacts.search_fields, words_meant(text, contacts.search_fields))
    assert anchors <= expected and not decoys & expected, text
