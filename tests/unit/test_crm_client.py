"""What the client sends for each operation, and what it makes of the answers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from mailconnector.crm import CrmClient, vtql
from mailconnector.crm import errors as e
from mailconnector.crm.hold import Hold, hold_calls
from mailconnector.crm.retry import NO_RETRY
from mailconnector.crm.search import DisplayFields
from mailconnector.crm.transport import HOLD
from mailconnector.models import (
    CloudLink,
    LinkableModule,
    LinkAttachment,
    LinkMessage,
    ModuleDescription,
    UploadState,
)
from tests.client.fake_crm import (
    BASE,
    CONTACTS,
    CONTACTS_DESCRIBE,
    LOGIN,
    STATUS,
    FakeCrm,
    Sent,
    encoded,
    ok,
    stock_error,
)

ACCOUNTS_DESCRIBE = {
    "name": "Accounts",
    "label": "Aziende",
    "idPrefix": "3",
    "labelFields": "accountname",
    "fields": [{"name": "accountname", "type": {"name": "string"}}],
}
USERS_DESCRIBE = {
    "name": "Users",
    "label": "Utenti",
    "idPrefix": "19",
    "labelFields": "first_name,last_name",
    "fields": [{"name": "first_name", "type": {"name": "string"}}, {"name": "last_name", "type": {"name": "string"}}],
}
GROUPS_DESCRIBE = {
    "name": "Groups",
    "label": "Gruppi",
    "idPrefix": "22",
    "labelFields": "groupname",
    "fields": [{"name": "groupname", "type": {"name": "string"}}],
}
DESCRIBES = {
    "Contacts": CONTACTS_DESCRIBE,
    "Accounts": ACCOUNTS_DESCRIBE,
    "Users": USERS_DESCRIBE,
    "Groups": GROUPS_DESCRIBE,
}
ROSSI = {
    "id": "4x10",
    "contact_no": "CON10",
    "firstname": "Mario",
    "lastname": "Rossi",
    "email": "",
    "secondaryemail": "mario.rossi@example.it",
    "account_id": "3x7",
    "assigned_user_id": "19x5",
}
ROSSINI = {
    "id": "4x11",
    "contact_no": "CON11",
    "firstname": "Maria",
    "lastname": "Rossini",
    "email": "m.rossini@example.it",
    "secondaryemail": "",
    "account_id": None,
    "assigned_user_id": "22x2",
}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def describe(sent: Sent) -> httpx.Response:
    return ok(DESCRIBES[sent.params["elementType"]])


def test_status_is_a_post_without_credentials() -> None:
    fake = FakeCrm().answer("mcstatus", ok(STATUS))

    async def go() -> None:
        async with fake.client() as client:
            status = await client.status()
            assert status.limits.chunk_bytes == 1048576

    run(go())
    (sent,) = fake.sent
    assert sent.request.method == "POST"
    assert str(sent.request.url) == "https://crm.example.com/restapi/v1/vtews/mcstatus"
    assert sent.auth is None


def test_every_call_goes_under_the_installation_path() -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return ok(STATUS)

    async def go() -> None:
        async with CrmClient("crm.example.com/vtenext/index.php", transport=httpx.MockTransport(handler)) as c:
            await c.status()
            assert c.url.base == "https://crm.example.com/vtenext"

    run(go())
    assert urls == ["https://crm.example.com/vtenext/restapi/v1/vtews/mcstatus"]


def test_an_unusable_address_is_refused_before_any_request() -> None:
    with pytest.raises(e.InsecureUrl):
        CrmClient("http://crm.example.com")


def test_login_sends_the_credentials_once_and_then_uses_the_device_token() -> None:
    fake = FakeCrm().answer("mclogin", ok(LOGIN)).answer("mcmodules", ok([CONTACTS]))

    async def go() -> None:
        async with fake.client(signed_in=False) as client:
            result = await client.login("Anna", "anna123", otp="123456", device="Outlook on Anna's PC")
            assert client.user == result.user
            assert client.token == LOGIN["token"] and client.signed_in
            await client.modules()

    run(go())
    login, modules = fake.sent
    assert login.params == {
        "username": "Anna",
        "password": "anna123",
        "otp": "123456",
        "device": "Outlook on Anna's PC",
    }
    assert login.auth is None
    # the CRM's spelling of the username is what Basic auth uses from now on
    assert modules.auth == ("anna", LOGIN["token"])


def test_login_without_a_code_sends_no_otp() -> None:
    fake = FakeCrm().answer("mclogin", ok(LOGIN))

    async def go() -> None:
        async with fake.client(signed_in=False) as client:
            await client.login("anna", "anna123")

    run(go())
    assert "otp" not in fake.sent[0].params
    assert fake.sent[0].params["device"] == "Outlook add-in"


def test_logout_revokes_then_forgets() -> None:
    fake = FakeCrm().answer("mclogout", ok(None))

    async def go() -> None:
        async with fake.client() as client:
            await client.logout()
            assert client.token is None and client.user is None
            with pytest.raises(e.AuthenticationRequired):
                await client.modules()
            await client.logout()  # nothing left to revoke: no request

    run(go())
    assert [s.operation for s in fake.sent] == ["mclogout"]
    assert fake.sent[0].auth == ("anna", "token-1")


def test_modules() -> None:
    fake = FakeCrm().answer(
        "mcmodules", ok([CONTACTS, {**CONTACTS, "name": "Projects", "idPrefix": "41", "canLink": False, "future": 1}])
    )

    async def go() -> None:
        async with fake.client() as client:
            contacts, projects = await client.modules()
            assert contacts.search_fields == ("firstname", "lastname", "email")
            assert contacts.can_link and not projects.can_link
            assert projects.id_prefix == "41"

    run(go())


def test_suggest_sends_an_encoded_list_and_skips_the_call_when_there_is_nothing_to_ask() -> None:
    answer = [
        {
            "module": "Contacts",
            "id": "4x10",
            "label": "Mario Rossi",
            "email": "mario.rossi@example.it",
            "account": {"id": "3x7", "label": "Rossi SpA"},
            "owner": "Anna",
            "matched": "Mario.Rossi@example.it",
        }
    ]
    fake = FakeCrm().answer("mcsuggest", ok(answer))

    async def go() -> None:
        async with fake.client() as client:
            assert await client.suggest([]) == ()
            assert await client.suggest(["", "  "]) == ()
            (hit,) = await client.suggest(["Mario.Rossi@example.it", " zoë@exämple.it "])
            assert hit.account is not None and hit.account.label == "Rossi SpA"

    run(go())
    (sent,) = fake.sent
    assert encoded(sent, "addresses") == ["Mario.Rossi@example.it", "zoë@exämple.it"]


def test_lookup() -> None:
    links = {
        "links": [
            {
                "module": "HelpDesk",
                "id": "9x1042",
                "label": "TT-1042",
                "message": "40x3",
                "linked_by": "Anna Bianchi",
                "linked_at": "2024-11-12 10:20:00",
            }
        ]
    }
    fake = FakeCrm().answer("mclookup", ok(links), ok({"links": []}))

    async def go() -> None:
        async with fake.client() as client:
            (link,) = await client.lookup("<CAF=abc@mail.example.it>")
            assert link.linked_by == "Anna Bianchi"
            assert link.linked_at_datetime is not None and link.linked_at_datetime.day == 12
            assert await client.lookup("<other@x>") == ()

    run(go())
    assert fake.sent[0].params == {"messageid": "<CAF=abc@mail.example.it>"}


def test_retrieve_and_describe_cache() -> None:
    fake = FakeCrm().answer("retrieve", ok(ROSSI)).always("describe", describe)

    async def go() -> None:
        async with fake.client() as client:
            record = await client.retrieve("4x10")
            assert record.text("lastname") == "Rossi" and record.text("nothing") == ""
            first = await client.describe("Contacts")
            assert await client.describe("Contacts") is first
            client.set_credentials("marco", "t2")  # another user sees other fields
            await client.describe("Contacts")

    run(go())
    assert fake.sent[0].params == {"id": "4x10"}
    assert len(fake.calls("describe")) == 2


def test_link_sends_encoded_message_and_attachments_as_multipart() -> None:
    result = {
        "message": "40x7",
        "created": True,
        "linked": True,
        "documents": ["7x1"],
        "eml_document": "7x2",
        "target": {"module": "Contacts", "id": "4x10", "label": "Mario Rossi", "url": "https://crm/x"},
    }
    fake = FakeCrm().answer("mclink", ok(result))
    message = LinkMessage.model_validate(
        {
            "subject": "Offerta",
            "body_html": "<p>" + "è" * 1000 + "</p>",
            "body_text": "è" * 1000,
            "from": {"name": "Mario", "address": "mario.rossi@example.it"},
            "to": [{"name": "", "address": "a@x.it"}],
            "date": "2024-11-12T10:15:00+01:00",
            "messageid": "<m@x>",
        }
    )
    upload = UploadState(
        upload="u1",
        filename="o.pdf",
        content_type="application/pdf",
        size=3,
        sha256="a" * 64,
        chunk_bytes=10,
        received=3,
    )
    eml = upload.model_copy(update={"upload": "u2", "filename": "mail.eml"})

    async def go() -> None:
        async with fake.client() as client:
            linked = await client.link(
                "4x10", message, [LinkAttachment.from_upload(upload), CloudLink(name="Specs", url="https://od/x")], eml
            )
            assert linked.created and linked.documents == ("7x1",)

    run(go())
    (sent,) = fake.sent
    assert sent.request.headers["content-type"].startswith("multipart/form-data")
    assert len(sent.request.content) < 6000  # 2000 "è" stay 2 bytes each: no percent-encoding blow-up
    assert sent.params["target"] == "4x10"
    assert sent.params["eml"] == "u2"
    assert encoded(sent, "message") == {  # written out: the wire format is the protocol's (B.7), not the model's
        "subject": "Offerta",
        "body_html": "<p>" + "è" * 1000 + "</p>",
        "body_text": "è" * 1000,
        "from": {"name": "Mario", "address": "mario.rossi@example.it"},
        "to": [{"name": "", "address": "a@x.it"}],
        "cc": [],
        "date": "2024-11-12T10:15:00+01:00",
        "messageid": "<m@x>",
    }
    assert encoded(sent, "attachments") == [
        {
            "upload": "u1",
            "filename": "o.pdf",
            "content_type": "application/pdf",
            "size": 3,
            "sha256": "a" * 64,
            "inline": False,
        },
        {"kind": "link", "name": "Specs", "url": "https://od/x"},
    ]


def test_receipt() -> None:
    fake = FakeCrm().answer(
        "mcreceipt",
        ok(
            {
                "subject": "Offerta",
                "messageid": "<m@x>",
                "body_text_bytes": 2000,
                "eml": None,
                "links": [{"module": "Contacts", "id": "4x10"}],
            }
        ),
    )

    async def go() -> None:
        async with fake.client() as client:
            receipt = await client.receipt("40x7")
            assert receipt.body_text_bytes == 2000 and receipt.links[0].id == "4x10"

    run(go())
    assert fake.sent[0].params == {"message": "40x7"}


# --- search --------------------------------------------------------------------------------------------------
def search_crm(rows: list[dict[str, Any]], total: int, *, users: Any = None) -> FakeCrm:
    def query(sent: Sent) -> httpx.Response:
        q = sent.params["query"]
        if q.startswith("SELECT count(*) FROM Contacts"):
            return ok([{"count": str(total)}])
        if q.startswith("SELECT ") and " FROM Contacts" in q:  # rows, whichever columns (the fake sends all)
            return ok(rows)
        if q.startswith("SELECT accountname FROM Accounts WHERE id IN ('3x7')"):
            return ok([{"id": "3x7", "accountname": "Rossi SpA"}])
        if q.startswith("SELECT first_name, last_name FROM Users"):
            return users if users is not None else ok([{"id": "19x5", "first_name": "Anna", "last_name": "Bianchi"}])
        if q.startswith("SELECT groupname FROM Groups WHERE id IN ('22x2')"):
            return ok([{"id": "22x2", "groupname": "Vendite"}])
        raise AssertionError(q)

    return FakeCrm().always("query", query).always("describe", describe)


CONTACTS_MODULE = LinkableModule.model_validate(CONTACTS)


def test_search_builds_one_query_and_one_count_from_the_module_s_search_fields() -> None:
    fake = search_crm([ROSSI, ROSSINI], 2)

    async def go() -> Any:
        async with fake.client() as client:
            return await client.search(CONTACTS_MODULE, "rossi", limit=10)

    result = run(go())
    queries = [s.params["query"] for s in fake.calls("query")]
    where = vtql.search_condition(["firstname", "lastname", "email"], vtql.SearchTerms(("rossi",)))
    assert queries[0] == f"SELECT * FROM Contacts WHERE {where} ORDER BY firstname LIMIT 10;"
    assert queries[1] == f"SELECT count(*) FROM Contacts WHERE {where};"
    assert result.state == "results" and result.total == 2
    mario, maria = result.records
    assert (mario.label, mario.number, mario.email) == ("Mario Rossi", "CON10", "mario.rossi@example.it")
    assert (mario.account_id, mario.account_label, mario.owner_name) == ("3x7", "Rossi SpA", "Anna Bianchi")
    assert (maria.account_id, maria.account_label, maria.owner_name) == (None, None, "Vendite")


def test_names_of_companies_and_owners_are_asked_once_per_session() -> None:
    fake = search_crm([ROSSI, ROSSINI], 2)

    async def go() -> Any:
        async with fake.client() as client:
            first = await client.search(CONTACTS_MODULE, "rossi", limit=10)
            asked = len(fake.calls("query"))
            plain = await client.search(CONTACTS_MODULE, "rossi", limit=10, resolve_references=False)
            again = await client.with_references(plain)
            return first, asked, plain, again

    first, asked, plain, again = run(go())
    assert asked == 5  # rows, count, then the names of one company, one user and one group
    assert len(fake.calls("query")) == asked + 2  # later: rows and count only, the names are known
    assert len(fake.calls("describe")) == 4  # Contacts, Accounts, Users, Groups: once each
    assert plain.records[0].owner_name is None and again == first


def test_once_the_module_is_described_a_search_asks_only_for_the_fields_a_hit_shows() -> None:
    """A real vtenext Contact has dozens of fields; a hit shows its name, number, emails, company and owner.
    The session's first search goes together with `describe` (so it cannot know them yet): `*`. Every later
    one names the fields, of those this user may see: a field the CRM hides is not asked for."""
    hidden = {**CONTACTS_DESCRIBE, "fields": [f for f in CONTACTS_DESCRIBE["fields"] if f["name"] != "secondaryemail"]}
    fake = search_crm([ROSSI, ROSSINI], 2).always(
        "describe", lambda s: ok({**DESCRIBES, "Contacts": hidden}[s.params["elementType"]])
    )

    async def go() -> Any:
        async with fake.client() as client:
            first = await client.search(CONTACTS_MODULE, "rossi", limit=10)
            second = await client.search(CONTACTS_MODULE, "rossi", limit=10)
            return first, second

    first, second = run(go())
    rows_queries = [q for s in fake.calls("query") if " FROM Contacts WHERE " in (q := s.params["query"])]
    where = vtql.search_condition(["firstname", "lastname", "email"], vtql.SearchTerms(("rossi",)))
    assert rows_queries[0] == f"SELECT * FROM Contacts WHERE {where} ORDER BY firstname LIMIT 10;"
    assert rows_queries[2] == (  # [1] is the first search's count
        "SELECT firstname, lastname, contact_no, email, account_id, assigned_user_id "
        f"FROM Contacts WHERE {where} ORDER BY firstname LIMIT 10;"
    )
    assert second == first  # the same hits, names, numbers, companies and owners


def test_the_rows_query_names_only_what_vtql_can_carry_and_falls_back_to_every_field() -> None:
    description = ModuleDescription.model_validate(CONTACTS_DESCRIBE)
    odd = ModuleDescription.model_validate(
        {**CONTACTS_DESCRIBE, "fields": [{**f, "name": "contact no"} if f["name"] == "contact_no" else f
                                         for f in CONTACTS_DESCRIBE["fields"]]}
    )
    display = DisplayFields.of(CONTACTS_MODULE, odd)
    assert display.number == "contact no"  # a name no VTQL query can hold: left out, not a failed search
    assert "contact no" not in display.columns(odd) and "firstname" in display.columns(odd)
    assert DisplayFields.of(CONTACTS_MODULE, None).columns(None) == "*"  # nothing known yet
    nothing_visible = description.model_copy(update={"fields": ()})
    assert DisplayFields.of(CONTACTS_MODULE, nothing_visible).columns(nothing_visible) == "*"


def test_a_field_hidden_while_the_pane_is_open_is_read_again_not_a_failed_search() -> None:
    """An administrator hides the Contacts' company field from this user while the pane is open (it stays
    open all day): vtenext refuses a query naming it. The search asks the module's fields again and what
    the CRM can send, and says nothing to the user; the next search names the fields now visible."""
    hidden = {"now": False}

    def query(sent: Sent) -> httpx.Response:
        q = sent.params["query"]
        if hidden["now"] and "account_id" in q.partition(" FROM ")[0]:
            return stock_error("Permission to access '.account_id.' attribute denied.")
        rows = [{k: v for k, v in row.items() if not (hidden["now"] and k == "account_id")} for row in (ROSSI,)]
        return ok([{"count": "1"}]) if q.startswith("SELECT count(*)") else ok(rows)

    def describe_now(sent: Sent) -> httpx.Response:
        fields = [f for f in CONTACTS_DESCRIBE["fields"] if not (hidden["now"] and f["name"] == "account_id")]
        return ok({**CONTACTS_DESCRIBE, "fields": fields})

    fake = FakeCrm().always("query", query).always("describe", describe_now)

    async def go() -> Any:
        async with fake.client() as client:
            before = await client.search(CONTACTS_MODULE, "rossi", resolve_references=False)
            hidden["now"] = True
            after = await client.search(CONTACTS_MODULE, "rossi", resolve_references=False)
            later = await client.search(CONTACTS_MODULE, "rossi", resolve_references=False)
            return before, after, later

    before, after, later = run(go())
    assert before.records[0].account_id == "3x7"
    assert [(r.label, r.account_id) for r in (after.records[0], later.records[0])] == [("Mario Rossi", None)] * 2
    rows_asked = [q.partition(" FROM ")[0] for s in fake.calls("query") if not (q := s.params["query"]).startswith(
        "SELECT count(*)")]
    assert rows_asked == [
        "SELECT *",  # the first search, together with describe
        "SELECT firstname, lastname, contact_no, email, secondaryemail, account_id, assigned_user_id",  # refused
        "SELECT *",  # read again
        "SELECT firstname, lastname, contact_no, email, secondaryemail, assigned_user_id",
    ]
    assert len(fake.calls("describe")) == 2


class HeldCount(httpx.AsyncBaseTransport):
    """The fake CRM's answers, the `count(*)` one only once the test lets it through."""

    def __init__(self, fake: FakeCrm) -> None:
        self.inner = httpx.MockTransport(fake.handler)
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if b"count%28%2A%29" in await request.aread():
            await self.release.wait()
        return await self.inner.handle_async_request(request)


class AskingTransport(httpx.MockTransport):
    """A transport that, like the browser's, can have the CRM's CORS permission asked ahead of a call."""

    def __init__(self, fake: FakeCrm) -> None:
        super().__init__(fake.handler)
        self.asked: list[str] = []
        self.down = False

    def ask_permission(self, url: httpx.URL) -> None:
        self.asked.append(str(url))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("TypeError: Failed to fetch", request=request)
        return await super().handle_async_request(request)


def test_a_search_being_typed_has_its_permission_asked_once_per_few_seconds() -> None:
    """Browsers keep the CRM's CORS permission 5 s (the CRM says nothing else): asked again after 4 s."""
    fake = search_crm([ROSSI], 1)
    transport = AskingTransport(fake)
    now = [100.0]
    client = CrmClient(BASE, transport=transport, clock=lambda: now[0])
    client.set_credentials("anna", "token")
    for step in (0.0, 1.0, 2.9, 0.2, 5.0):  # keystrokes, seconds apart
        now[0] += step
        client.prepare_search()
    query = f"{BASE.rstrip('/')}/restapi/v1/vtews/query"
    assert transport.asked == [query, query, query]  # at 100, at 104.1 (4.1 s later) and at 109.1
    assert fake.calls("query") == []  # asking is not a query: the CRM did no work
    run(client.aclose())
    # httpx's own transports (CPython) have no browser to ask: nothing happens
    CrmClient(BASE, transport=httpx.MockTransport(fake.handler)).prepare_search()


class HoldingTransport(httpx.MockTransport):
    """A transport that, like the browser's, takes a held request at once and sends it when the hold ends."""

    holds_requests = True

    def __init__(self, fake: FakeCrm) -> None:
        super().__init__(fake.handler)
        self.holds: list[Hold | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.holds.append(request.extensions.get(HOLD))
        return await super().handle_async_request(request)


def test_a_held_search_goes_out_when_its_hold_ends_and_one_dropped_meanwhile_never_does() -> None:
    """The search flow hands its request over at the keystroke, held until the debounce ends (crm/hold.py).
    httpx's own transports get it only then; one given up before then (the user typed on) never leaves."""
    fake = search_crm([ROSSI], 1)
    now = [100.0]
    asked: list[float] = []
    ended = asyncio.Event()

    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        await ended.wait()

    async def held_search(client: CrmClient, text: str) -> Any:
        hold_calls(Hold(now[0] + 0.15, lambda: now[0], sleep))
        return await client.search(CONTACTS_MODULE, text, resolve_references=False)

    async def go() -> Any:
        async with fake.client() as client:
            dropped = asyncio.ensure_future(held_search(client, "ros"))
            kept = asyncio.ensure_future(held_search(client, "rossi"))
            for _ in range(5):
                await asyncio.sleep(0)
            sent_during_the_hold = len(fake.calls("query"))
            dropped.cancel()
            now[0] += 0.15
            ended.set()
            result = await kept
            return sent_during_the_hold, result

    sent_during_the_hold, result = run(go())
    # each held twice: a module's first search sends `describe` beside the rows
    assert sent_during_the_hold == 0 and asked == [pytest.approx(0.15)] * 4
    assert len(fake.calls("describe")) == 1
    queries = [s.params["query"] for s in fake.calls("query")]
    assert len(queries) == 2 and all("rossi" in q for q in queries)  # the rows, then the count; never "ros" alone
    assert [r.label for r in result.records] == ["Mario Rossi"]


def test_a_transport_that_holds_requests_gets_a_held_one_at_once_and_the_later_calls_unheld() -> None:
    """The browser's transport takes the requests built at once, with their hold: the page's own timer sends
    them, so no Python runs between the end of the debounce and the requests leaving. On a module's first
    search that is `describe` and the rows, together; the count, asked once the rows are back, is past the
    hold and sent as it is."""
    fake = search_crm([ROSSI], 1)
    now = [100.0]

    class PageLike(HoldingTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            self.holds.append(request.extensions.get(HOLD))
            await asyncio.sleep(0)  # the answer comes in a later turn, as from a page: the other call is handed over
            if request.extensions.get(HOLD) is not None:
                now[0] = max(now[0], request.extensions[HOLD].due)  # the page sent it when the hold ended
            return await httpx.MockTransport.handle_async_request(self, request)

    transport = PageLike(fake)

    async def never(seconds: float) -> None:
        raise AssertionError("a transport that holds requests does the waiting")

    async def go() -> Any:
        client = CrmClient(BASE, transport=transport, clock=lambda: now[0])
        client.set_credentials("anna", "token")
        hold = Hold(now[0] + 0.15, lambda: now[0], never)
        hold_calls(hold)
        result = await client.search(CONTACTS_MODULE, "rossi", resolve_references=False)
        await client.aclose()
        return hold, result

    hold, result = run(go())
    operations = [(s.operation, "count(" in s.params.get("query", "")) for s in fake.sent]
    assert sorted(operations[:2]) == [("describe", False), ("query", False)] and operations[2:] == [("query", True)]
    assert transport.holds == [hold, hold, None]
    assert [r.label for r in result.records] == ["Mario Rossi"] and result.total == 1


def test_a_dropped_hold_gives_up_what_was_handed_over_under_it_once() -> None:
    hold = Hold(10.0, lambda: 0.0, asyncio.sleep)
    given_up: list[str] = []
    hold.on_drop(lambda: given_up.append("rows"))
    hold.on_drop(lambda: given_up.append("describe"))
    hold.drop()
    hold.drop()
    assert given_up == ["rows", "describe"]
    hold.on_drop(lambda: given_up.append("late"))  # handed over after the drop: given up at once
    assert given_up == ["rows", "describe", "late"]


def test_no_permission_is_asked_of_a_crm_the_last_call_could_not_reach() -> None:
    """CRM down (or refusing CORS): the browser would only log one more refused request per pause; the
    search itself says what is wrong. Asked again once a call gets an answer."""

    async def go() -> list[str]:
        fake = search_crm([ROSSI], 1)
        transport = AskingTransport(fake)
        now = [0.0]
        async with CrmClient(BASE, transport=transport, clock=lambda: now[0], retry=NO_RETRY) as client:
            client.set_credentials("anna", "token")
            transport.down = True
            with pytest.raises(e.NetworkError):
                await client.query("SELECT * FROM Contacts;")
            client.prepare_search()
            transport.down = False
            await client.query("SELECT * FROM Contacts;")
            now[0] += 10
            client.prepare_search()
        return transport.asked

    assert run(go()) == [f"{BASE}/restapi/v1/vtews/query"]


def test_the_page_shows_before_the_count_whatever_its_size() -> None:
    async def go(rows: list[dict[str, Any]], total: int) -> tuple[list[Any], Any]:
        fake = search_crm(rows, total)
        transport = HeldCount(fake)
        early: list[Any] = []
        async with CrmClient(BASE, transport=transport, sleep=fake.sleep) as client:
            client.set_credentials("anna", "token-1")
            search = asyncio.ensure_future(
                client.search(CONTACTS_MODULE, "rossi", limit=3, resolve_references=False, on_rows=early.append)
            )
            for _ in range(50):  # the rows' answer is in, the count's is held
                await asyncio.sleep(0)
            seen = list(early)
            transport.release.set()
            return seen, await search

    # a short page: shown at once, as results; the count then says there are more (rows hidden by the CRM)
    (shown,), final = run(go([ROSSI, ROSSINI], 9))
    assert (shown.state, len(shown.records)) == ("results", 2)
    assert (final.state, final.total) == ("too_many", 9)
    # a full page: the hits show at once; the count adds "too many, refine"
    (shown,), final = run(go([ROSSI, ROSSINI, ROSSI], 80))
    assert (shown.state, len(shown.records)) == ("results", 3)
    assert (final.state, final.total, len(final.records)) == ("too_many", 80, 3)
    # no hits: "none" at once, and the count agrees
    (shown,), final = run(go([], 0))
    assert shown.state == "none" and final.state == "none"
    # no hits on the page, but the CRM left out rows this user may not see: the count turns it into "refine"
    (shown,), final = run(go([], 4))
    assert shown.state == "none"
    assert (final.state, final.total, final.records) == ("too_many", 4, ())


def test_search_tells_too_many_from_none() -> None:
    many = search_crm([ROSSI] * 3, 80)
    none = search_crm([], 0)

    async def go(fake: FakeCrm) -> Any:
        async with fake.client() as client:
            return await client.search(CONTACTS_MODULE, "o", limit=3, resolve_references=False)

    assert run(go(many)).state == "too_many"
    assert run(go(none)).state == "none"
    assert len(none.calls("query")) == 2


def test_an_empty_search_asks_nothing() -> None:
    fake = FakeCrm()

    async def go() -> Any:
        async with fake.client() as client:
            return await client.search(CONTACTS_MODULE, "  \t ")

    assert run(go()).state == "none"
    assert fake.sent == []


def test_hostile_search_text_reaches_the_crm_escaped() -> None:
    fake = search_crm([], 0)

    async def go() -> None:
        async with fake.client() as client:
            await client.search(CONTACTS_MODULE, '"\' OR 1=1 --"', resolve_references=False)

    run(go())
    query = fake.calls("query")[0].params["query"]
    assert "firstname LIKE '%'' OR 1=1 --%'" in query
    assert query.endswith("LIMIT 25;")


def test_names_the_crm_refuses_to_show_are_left_out_not_fatal() -> None:
    fake = search_crm([ROSSI], 1, users=stock_error("Permission to perform the operation is denied for name"))

    async def go() -> Any:
        async with fake.client() as client:
            return await client.search(CONTACTS_MODULE, "rossi")

    (mario,) = run(go()).records
    assert mario.account_label == "Rossi SpA"
    assert mario.owner_id == "19x5" and mario.owner_name is None


def test_a_search_that_fails_fails_whole() -> None:
    fake = (
        FakeCrm()
        .always("describe", describe)
        .always("query", stock_error("Permission to access '.email.' attribute denied."))
    )

    async def go() -> None:
        async with fake.client() as client:
            with pytest.raises(e.AccessDenied):
                await client.search(CONTACTS_MODULE, "rossi")

    run(go())


def test_a_module_with_odd_field_names_is_a_protocol_error() -> None:
    odd = LinkableModule.model_validate({**CONTACTS, "searchFields": ["first name"]})

    async def go() -> None:
        async with FakeCrm().client() as client:
            with pytest.raises(e.CrmProtocolError):
                await client.search(odd, "x")

    run(go())


def test_accounts_are_their_own_company() -> None:
    accounts = LinkableModule.model_validate(
        {
            **CONTACTS,
            "name": "Accounts",
            "idPrefix": "3",
            "labelFields": ["accountname"],
            "searchFields": ["accountname"],
            "emailFields": ["email1"],
        }
    )
    row = {
        "id": "3x7",
        "account_no": "ACC7",
        "accountname": "Rossi SpA",
        "email1": "info@rossi.it",
        "assigned_user_id": "19x5",
    }

    def query(sent: Sent) -> httpx.Response:
        q = sent.params["query"]
        if q.startswith("SELECT count(*)"):
            return ok([{"count(*)": "1"}])
        if q.startswith("SELECT * FROM Accounts"):
            return ok([row])
        return ok([{"id": "19x5", "first_name": "Anna", "last_name": "Bianchi"}])

    accounts_describe = {
        **ACCOUNTS_DESCRIBE,
        "fields": [
            {"name": "account_no", "type": {"name": "string"}},
            {"name": "accountname", "type": {"name": "string"}},
            {"name": "assigned_user_id", "type": {"name": "owner"}},
        ],
    }
    fake = (
        FakeCrm()
        .always("query", query)
        .always("describe", lambda s: ok({**DESCRIBES, "Accounts": accounts_describe}[s.params["elementType"]]))
    )

    async def go() -> Any:
        async with fake.client() as client:
            return await client.search(accounts, "rossi")

    (hit,) = run(go()).records
    assert (hit.label, hit.number, hit.email, hit.account_label, hit.owner_name) == (
        "Rossi SpA",
        "ACC7",
        "info@rossi.it",
        "Rossi SpA",
        "Anna Bianchi",
    )


def test_a_count_that_is_not_a_number_is_a_protocol_error() -> None:
    fake = FakeCrm().always("query", ok([{"count": "many"}]))

    async def go() -> None:
        async with fake.client() as client:
            with pytest.raises(e.CrmProtocolError):
                await client.count("SELECT count(*) FROM Contacts;")

    run(go())
    assert json.loads(json.dumps(fake.sent[0].params)) == {"query": "SELECT count(*) FROM Contacts;"}


def test_timeouts_per_operation_with_longer_ones_for_uploads_and_links() -> None:
    seen: dict[str, float] = {}
    answers = {
        "mcstatus": STATUS,
        "mcmodules": [CONTACTS],
        "query": [],
        "mcupload": {"upload": "u1", "received": 0, "chunk_bytes": 10},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        operation = request.url.path.rsplit("/", 1)[-1]
        seen.setdefault(operation, request.extensions["timeout"]["read"])
        if operation == "mcupload" and b"chunk" in request.content:
            return ok({"received": 1})
        return ok(answers[operation])

    async def go() -> None:
        async with CrmClient(
            "https://crm.example.com", transport=httpx.MockTransport(handler), timeout=7, timeouts={"mcmodules": 3}
        ) as client:
            client.set_credentials("anna", "t")
            await client.status()
            await client.modules()
            await client.query("SELECT * FROM Contacts;")
            await client.upload(b"x", "x.txt", "text/plain")

    run(go())
    assert seen["mcstatus"] == 10 and seen["mcmodules"] == 3 and seen["query"] == 7
    assert seen["mcupload"] > 7


def test_lookup_with_the_thread_and_a_component_that_does_not_know_it() -> None:
    thread = {"module": "Leads", "id": "2x5", "label": "Laura Bianchi", "message": "40x9",
              "messageid": "<offer@x>", "subject": "Offerta", "linked_by": "Marco Bianchi",
              "linked_at": "2024-11-14 09:10:00"}
    fake = FakeCrm().answer("mclookup", ok({"links": [], "thread": [thread]}), ok({"links": []}))

    async def go() -> None:
        async with fake.client() as client:
            found = await client.lookup_thread("<reply@x>", ["<root@x>", "<offer@x>"], "conv-1")
            assert [(t.id, t.linked_by) for t in found.thread] == [("2x5", "Marco Bianchi")]
            older = await client.lookup_thread("<reply@x>", ["<offer@x>"])  # no `thread` capability
            assert older.links == () and older.thread == ()

    run(go())
    assert fake.sent[0].params == {"messageid": "<reply@x>", "references": '["<root@x>","<offer@x>"]',
                                   "conversation_id": "conv-1"}


def test_create_is_sent_once_and_never_repeated() -> None:
    fake = FakeCrm().answer("create", ok({"id": "4x90", "firstname": "Nicolò", "lastname": "Bianchi"}),
                            httpx.Response(503, html="<h1>Service Unavailable</h1>"),
                            ok({"id": "4x91"}))

    async def go() -> None:
        async with fake.client() as client:
            record = await client.create("Contacts", {"firstname": "Nicolò", "lastname": "Bianchi"})
            assert record.id == "4x90" and record.text("firstname") == "Nicolò"
            # a transient failure is not retried: the first attempt may have committed (B.10)
            with pytest.raises(e.ServerError):
                await client.create("Contacts", {"lastname": "Bianchi"})

    run(go())
    assert len(fake.calls("create")) == 2
    assert fake.sent[0].params == {"elementType": "Contacts",
                                   "element": '{"firstname":"Nicolò","lastname":"Bianchi"}'}


def test_the_client_keeps_no_cookies_a_crm_sets() -> None:
    """In the browser fetch sends none and never shows Set-Cookie; under any transport the client keeps none
    either (the session token in the Authorization header is the only credential)."""
    answer = httpx.Response(200, json={"status": 200, "data": [{"count": "0"}]},
                            headers={"Set-Cookie": "PHPSESSID=abc123; Path=/"})
    fake = FakeCrm().always("query", lambda sent: answer)

    async def go() -> None:
        async with fake.client() as client:
            await client.count("SELECT count(*) FROM Contacts;")
            await client.count("SELECT count(*) FROM Contacts;")

    run(go())
    assert ["cookie" in sent.request.headers for sent in fake.calls("query")] == [False, False]
