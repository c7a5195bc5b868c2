"""Modules, suggestions, search and records against the running local CRM, as different users."""

from __future__ import annotations

import pytest

from mailconnector.crm import CrmClient, vtql
from mailconnector.crm import errors as e
from mailconnector.models import CrmRecord, LinkableModule
from tests.client.conftest import run, signed_in
from tests.conftest import RunningCrm

ALL_MODULES = ["Accounts", "Contacts", "Leads", "Potentials", "HelpDesk", "Projects"]


def module(modules: tuple[LinkableModule, ...], name: str) -> LinkableModule:
    return next(m for m in modules if m.name == name)


async def every_row(client: CrmClient, name: str, fields: tuple[str, ...]) -> list[CrmRecord]:
    """All rows of a module this user may see, page by page (VTQL returns at most 1000 at once)."""
    rows: list[CrmRecord] = []
    while True:
        page = await client.query(vtql.select(name, fields, order_by="id", limit=500, offset=len(rows)))
        rows.extend(page)
        if len(page) < 500:
            return rows


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("admin", ALL_MODULES),
        ("anna", ALL_MODULES),
        ("marco", ALL_MODULES),
        ("sara", [m for m in ALL_MODULES if m != "Potentials"]),
    ],
)
def test_each_user_gets_exactly_the_modules_they_may_see(crm: RunningCrm, username: str, expected: list[str]) -> None:
    async def go() -> None:
        async with await signed_in(crm, username) as client:
            modules = await client.modules()
            assert [m.name for m in modules] == expected
            contacts = module(modules, "Contacts")
            assert contacts.id_prefix == "4" and contacts.email_fields and contacts.search_fields

    run(go())


def test_support_sees_companies_read_only(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "sara") as client:
            modules = await client.modules()
            assert not module(modules, "Accounts").can_link
            assert module(modules, "HelpDesk").can_link

    run(go())


def test_suggestions_match_addresses_case_insensitively_contacts_and_leads_first(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            (mario,) = await client.suggest(["Mario.Rossi@EXAMPLE.it"])
            assert (mario.module, mario.id, mario.label) == ("Contacts", "4x3", "Mario Rossi")
            assert mario.account is not None and mario.account.id == "3x1"
            assert mario.email == "mario.rossi@example.it" and mario.matched == "Mario.Rossi@EXAMPLE.it"
            paolo = await client.suggest(["paolo.neri@example.net"])
            found = [(s.module, s.id) for s in paolo]
            assert set(found) >= {("Contacts", "4x8"), ("Leads", "2x9"), ("Accounts", "3x10"), ("Projects", "41x11")}
            order = [s.module for s in paolo]
            assert order.index("Accounts") > max(order.index("Contacts"), order.index("Leads"))
            assert order.index("Projects") > order.index("Accounts")
            assert await client.suggest(["nobody@nowhere.invalid"]) == ()

    run(go())


def test_suggestions_leave_out_records_the_user_may_not_see(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "marco") as client:
            assert [s.id for s in await client.suggest(["mario.rossi@example.it"])] == []

    run(go())


def test_search_shows_what_tells_records_apart(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            contacts = module(await client.modules(), "Contacts")
            result = await client.search(contacts, "mario rossi")
            (mario,) = [r for r in result.records if r.id == "4x3"]
            assert (mario.label, mario.number, mario.email) == ("Mario Rossi", "CON1", "mario.rossi@example.it")
            assert (mario.account_id, mario.account_label) == ("3x1", "Rossi Costruzioni S.r.l.")
            assert mario.owner_id == "19x2" and mario.owner_name == "Anna Rossi"
            by_number = await client.search(contacts, "CON1", limit=50)
            assert "4x3" in [r.id for r in by_number.records]

    run(go())


def test_too_many_is_not_no_results(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            contacts = module(await client.modules(), "Contacts")
            many = await client.search(contacts, "example", limit=5, resolve_references=False)
            assert many.state == "too_many" and len(many.records) == 5 and many.total > 5
            none = await client.search(contacts, "zzqqxx-nothing", limit=5)
            assert none.state == "none" and none.total == 0

    run(go())


HOSTILE = [
    ("O'Brien", {"4x16"}),
    ('"100% Bio"', {"4x17"}),
    ("100%", {"4x17"}),
    ("under_score", {"4x18"}),
    ("back\\slash", {"4x19"}),
    ("Zoë Ünal", {"4x20"}),
    ("<script>", {"4x21"}),
    ('"\' OR 1=1 --"', set()),
    ("' OR 1=1 --", set()),
    ("%", {"4x17"}),
    ("_", {"4x18"}),
    ("\\", {"4x19"}),
    ("'", {"4x16"}),
]


@pytest.mark.parametrize(("text", "anchors"), HOSTILE)
def test_hostile_text_finds_exactly_the_records_containing_it_literally(
    crm: RunningCrm, text: str, anchors: set[str]
) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            contacts = module(await client.modules(), "Contacts")
            result = await client.search(contacts, text, limit=200, resolve_references=False)
            assert result.state != "too_many"
            found = {r.id for r in result.records}
            # the truth, computed here from every row anna may see
            terms = vtql.SearchTerms.parse(text)
            rows = await every_row(client, "Contacts", contacts.search_fields)
            expected = {
                row.id
                for row in rows
                if all(
                    any(word.casefold() in row.text(f).casefold() for f in contacts.search_fields)
                    for word in terms.words
                )
            }
            assert found == expected
            assert anchors <= found
            decoys = {"4x23", "4x24", "4x25", "4x26"}  # 1000 Bio, underXscore, backslash, OBrien
            assert not (found & decoys)

    run(go())


def test_a_search_in_a_module_the_user_may_not_see_is_refused(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna") as anna:
            potentials = module(await anna.modules(), "Potentials")
        async with await signed_in(crm, "sara") as sara:
            with pytest.raises(e.AccessDenied):
                await sara.search(potentials, "Rossi")

    run(go())


def test_retrieve_follows_record_visibility(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna") as anna:
            mario = await anna.retrieve("4x3")
            assert (mario.id, mario.text("firstname"), mario.text("lastname")) == ("4x3", "Mario", "Rossi")
            with pytest.raises(e.AccessDenied):
                await anna.retrieve("4x14")  # deleted: vtenext says "denied", not "not found"
        async with await signed_in(crm, "marco") as marco:
            with pytest.raises(e.AccessDenied):
                await marco.retrieve("4x3")  # anna's private contact

    run(go())


def test_describe_shows_only_the_fields_the_user_may_see(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna") as anna:
            assert (await anna.describe("Contacts")).field("mobile") is not None
        async with await signed_in(crm, "sara") as sara:
            described = await sara.describe("Contacts")
            assert described.field("mobile") is None
            assert described.id_prefix == "4"
            with pytest.raises(e.AccessDenied):
                await sara.query("SELECT mobile FROM Contacts LIMIT 1;")

    run(go())


def test_a_query_the_crm_cannot_parse_is_rejected_with_its_text(crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(crm, "anna") as client:
            with pytest.raises(e.QueryRejected) as caught:
                await client.query("SELECT * FROM Contacts WHERE;")
            assert caught.value.server_message

    run(go())
