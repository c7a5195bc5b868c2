"""VTQL injection through the search box: whatever the user types (quotes, backslashes, `%`, `_`,
`OR 1=1`, comment markers, unicode), the search finds exactly the records whose fields contain the
typed words literally. Property-based: hypothesis builds the texts from hostile pieces and from
fragments of the demo's hostile record names, with a fixed derandomised seed (reproducible in CI).

The truth is computed here from every row the user may see (read page by page with plain
`SELECT ... ORDER BY id` queries, no LIKE involved), with the words the client says the text means.
"""

from __future__ import annotations

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
    """What the client says the text means: every word must occur in some field (a long multi-word
    query is matched as one phrase, see vtql.search_condition)."""
    words = vtql.SearchTerms.parse(text).words
    if len(words) > 1 and len(fields) ** len(words) * len(words) > vtql.MAX_LIKE_CONDITIONS:
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


def test_the_generated_texts_reach_the_hostile_records(searcher: Searcher) -> None:
    """The property above is not vacuous: texts made of these pieces do find the hostile anchors
    and miss their look-alike decoys (4x23 'Fattoria 1000 Bio', 4x24 'underXscore', ...)."""
    contacts = searcher.modules["Contacts"]
    for text, anchor, decoy in [("100% Bio", "4x17", "4x23"), ("under_score", "4x18", "4x24"),
                                ("back\\slash", "4x19", "4x25"), ("O'Brien", "4x16", "4x26")]:
        result = searcher.loop.call(searcher.client.search(contacts, text, limit=100, resolve_references=False))
        found = {r.id for r in result.records}
        assert anchor in found and decoy not in found, text
