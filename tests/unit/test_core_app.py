"""The pane's flows under CPython, with a scripted CRM client and mail host (no browser)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest

from mailconnector.core.ports import HostRefused, Remembered, StoredSession
from mailconnector.core.search_flow import SEARCH_DEBOUNCE, SEARCH_SPINNER_DELAY
from mailconnector.crm import errors as e
from mailconnector.models import LinkableModule, LookupLink, RecordSummary, SearchResult, Suggestion
from mailconnector.ui import screens
from mailconnector.ui.i18n import Translator
from tests.unit.core_fakes import (
    BASE,
    MODULES,
    FakeClient,
    FakeHost,
    Pane,
    attachment,
    mail,
    make_pane,
    settle,
    sign_in,
    status_with,
)


async def search(pane: Pane, text: str) -> None:
    """Type, let the debounce pass, let the answer arrive."""
    pane.app.type_query(text)
    await settle()
    pane.clock.elapse()
    await settle()


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


# --- connecting ----------------------------------------------------------------------------------------------


def test_connect_discover_sign_in_remembers_address_and_user_but_never_the_password() -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        assert pane.state.screen == "connect"
        pane.app.signin.edit_address("https://crm.example.com/index.php?module=Home")
        assert pane.state.connect.feedback.base == "https://crm.example.com"

        pane.app.signin.submit_address("https://crm.example.com/index.php", " anna ")
        assert pane.state.connect.busy
        await settle()
        assert pane.state.screen == "password"
        assert pane.state.connect.crm.installation == "ACME CRM"
        assert pane.client.url.base == "https://crm.example.com"
        assert pane.client.names() == ["status"]

        pane.app.signin.submit_password("s3cret!")
        await settle()
        assert pane.state.screen == "record"
        assert pane.state.session.username == "anna"
        assert pane.client.calls[1].args[:3] == ("anna", "s3cret!", None)
        assert pane.tokens.session is not None and pane.tokens.session.token.startswith("token-")
        assert pane.preferences.remembered == Remembered(url="https://crm.example.com", username="anna")
        everything_kept = repr(pane.preferences.saved) + repr(pane.tokens.session) + repr(pane.app.state)
        assert "s3cret!" not in everything_kept
        assert pane.app.signin._password is None

    run(scenario)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("http://crm.example.com", "HTTP_NOT_ALLOWED"), ("", "EMPTY"), ("crm example", "WHITESPACE"),
     ("https://user:pw@crm.example.com", "CREDENTIALS"), ("crm.example.com:99999", "PORT")],
)
def test_an_unusable_address_is_explained_without_contacting_anything(typed: str, reason: str) -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        pane.app.signin.submit_address(typed, "anna")
        await settle()
        assert pane.state.screen == "connect"
        assert pane.state.connect.problem.key == f"url.{reason}"
        assert pane.clients == []

    run(scenario)


def test_localhost_may_use_plain_http() -> None:
    pane = make_pane()
    pane.app.signin.edit_address("localhost:8001")
    assert pane.state.connect.feedback.base == "http://localhost:8001"


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (e.NetworkError("x", hint="CORS_OR_NETWORK"), "error.CORS_OR_NETWORK"),
        (e.HostNotFound("x"), "error.HOST_NOT_FOUND"),
        (e.TlsError("x"), "error.TLS_ERROR"),
        (e.Timeout("x"), "error.TIMEOUT"),
        (e.NotVtenext("x"), "error.NOT_VTENEXT"),
        (e.ServerError("x", http_status=502), "error.SERVER_ERROR"),
    ],
)
def test_discovery_failures_stay_on_the_connect_screen_with_their_own_message(error: e.CrmError, key: str) -> None:
    async def scenario() -> None:
        pane = make_pane(script=lambda c: c.answer("status", error))
        pane.app.start(mail())
        pane.app.signin.submit_address("crm.example.com", "anna")
        await settle()
        assert pane.state.screen == "connect"
        assert not pane.state.connect.busy
        assert pane.state.connect.problem.key == key

    run(scenario)


@pytest.mark.parametrize(
    ("answer", "gate"),
    [
        (e.ComponentMissing("x"), "component_missing"),
        (status_with(state="inactive"), "licence_inactive"),
        (status_with(state="expired", expires="2024-01-31"), "licence_expired"),
    ],
)
def test_discovery_closes_the_gate(answer: Any, gate: str) -> None:
    async def scenario() -> None:
        def first_client_only(client: FakeClient) -> None:
            if not pane.clients:
                client.answer("status", answer)

        pane = make_pane(script=first_client_only)
        pane.app.start(mail())
        pane.app.signin.submit_address("crm.example.com", "anna")
        await settle()
        assert pane.state.screen == "gate"
        assert pane.state.gate.kind == gate
        assert pane.state.gate.host == "crm.example.com"
        # "Try again" after the administrator fixed it goes through discovery again
        pane.app.retry_gate()
        await settle()
        assert pane.state.screen == "password"

    run(scenario)


def test_one_time_code_step_and_wrong_code() -> None:
    async def scenario() -> None:
        pane = make_pane(script=lambda c: c.answer("login", e.OtpRequired("x"), e.OtpInvalid("x")))
        pane.app.start(mail())
        await sign_in(pane, password="pw")
        assert pane.state.screen == "otp"
        pane.app.signin.submit_code("123 456")
        await settle()
        assert pane.state.screen == "otp"
        assert pane.state.connect.problem.key == "error.OTP_INVALID"
        pane.app.signin.submit_code("654321")
        await settle()
        assert pane.state.screen == "record"
        logins = [c.args[:3] for c in pane.client.calls if c.name == "login"]
        assert logins == [("anna", "pw", None), ("anna", "pw", "123456"), ("anna", "pw", "654321")]

    run(scenario)


@pytest.mark.parametrize(
    ("error", "screen", "expected"),
    [
        (e.InvalidCredentials("x"), "password", "error.INVALID_CREDENTIALS"),
        (e.LoginLocked("x"), "password", "error.LOGIN_LOCKED"),
        (e.UserInactive("x"), "password", "error.USER_INACTIVE"),
        (e.UserNotEnabled("x"), "gate", "user_not_enabled"),
        (e.LicenceExpired("x"), "gate", "licence_expired"),
    ],
)
def test_sign_in_refusals(error: e.CrmError, screen: str, expected: str) -> None:
    async def scenario() -> None:
        pane = make_pane(script=lambda c: c.answer("login", error))
        pane.app.start(mail())
        await sign_in(pane)
        assert pane.state.screen == screen
        if screen == "gate":
            assert pane.state.gate.kind == expected
        else:
            assert pane.state.connect.problem.key == expected
        assert pane.tokens.session is None

    run(scenario)


def test_a_stored_session_opens_straight_on_the_record_screen() -> None:
    async def scenario() -> None:
        pane = make_pane(
            remembered=Remembered(url="crm.example.com", username="anna", module="Accounts"),
            stored=StoredSession(url=BASE, username="anna", token="kept"),
        )
        pane.app.start(mail())
        assert pane.state.screen == "record"
        assert pane.state.connect.url_text == "crm.example.com"
        await settle()
        assert sorted(pane.client.names()) == ["describe", "lookup", "modules", "status", "suggest", "thread"]
        assert pane.client.token == "kept"
        assert pane.state.choice.module == "Accounts"  # the remembered module
        assert pane.state.crm.max_message_bytes == 50_000_000

    run(scenario)


def test_logout_revokes_forgets_the_token_and_keeps_address_and_username() -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        await sign_in(pane)
        pane.app.signin.logout()
        await settle()
        assert "logout" in pane.client.names()
        assert pane.tokens.session is None
        assert pane.state.screen == "connect"
        assert pane.state.session is None
        assert (pane.state.connect.url_text, pane.state.connect.username) == ("https://crm.example.com", "anna")
        assert pane.state.connect.problem is None

    run(scenario)


def test_logout_when_the_crm_cannot_be_told_still_forgets_and_says_so() -> None:
    async def scenario() -> None:
        pane = make_pane(script=lambda c: c.answer("logout", e.NetworkError("down")))
        pane.app.start(mail())
        await sign_in(pane)
        pane.app.signin.logout()
        await settle()
        assert pane.tokens.session is None
        assert pane.state.connect.problem.key == "logout.not_revoked"

    run(scenario)


# --- choosing the record -------------------------------------------------------------------------------------


def test_record_screen_shows_existing_links_and_suggestions_without_the_users_own_address() -> None:
    own = Suggestion(module="Contacts", id="4x99", label="Anna Rossi", email="anna.rossi@acme-crm.example",
                     matched="anna.rossi@acme-crm.example")
    link = LookupLink(module="HelpDesk", id="9x3", label="TT-1042", message="40x7", linked_by="Marco",
                      linked_at="2024-11-12 10:00:00")

    def script(c: FakeClient) -> None:
        c.answer("suggest", (own, own.model_copy(update={"id": "4x10", "label": "Mario Rossi",
                                                         "email": "mario.rossi@example.it",
                                                         "matched": "mario.rossi@example.it"})))
        c.answer("lookup", (link,))

    async def scenario() -> None:
        pane = make_pane(script=script)
        sent = mail(from_="anna.rossi@acme-crm.example", to=("mario.rossi@example.it", "anna.rossi@acme-crm.example"))
        pane.app.start(sent)
        await sign_in(pane)
        choice = pane.state.choice
        assert [s.label for s in choice.suggestions] == ["Mario Rossi"]
        assert choice.links == (link,)
        suggest = next(c for c in pane.client.calls if c.name == "suggest")
        assert suggest.args == (("mario.rossi@example.it",),)  # sent mail: the recipients, never the user
        lookup = next(c for c in pane.client.calls if c.name == "lookup")
        assert lookup.args == ("<m1@example.it>",)
        assert [m.name for m in choice.modules] == ["Contacts", "Accounts", "HelpDesk"]
        assert choice.module == "Contacts"

    run(scenario)


def _result(module: LinkableModule, text: str, total: int, count: int) -> SearchResult:
    records = tuple(RecordSummary(module=module.name, id=f"4x{i}", label=f"{text} {i}") for i in range(count))
    return SearchResult(module=module.name, text=text, records=records, total=total, limit=25)


def test_search_is_debounced_and_a_late_answer_never_replaces_a_newer_one() -> None:
    async def scenario() -> None:
        release_old = asyncio.Event()

        async def slow(module: LinkableModule, text: str, limit: int = 25) -> SearchResult:
            await release_old.wait()
            return _result(module, text, 3, 3)

        def fast(module: LinkableModule, text: str, limit: int = 25) -> SearchResult:
            return _result(module, text, 1, 1)

        pane = make_pane(script=lambda c: c.answer("search", slow, fast))
        pane.app.start(mail())
        await sign_in(pane)
        for text in ("r", "ro", "ros"):
            pane.app.type_query(text)
            await settle()
        assert pane.state.choice.search.status == "waiting"
        pane.clock.elapse()
        await settle()
        searches = [c.args[1] for c in pane.client.calls if c.name == "search"]
        assert searches == ["ros"]  # typing fast sends one query, the last
        assert pane.state.choice.search.status == "searching"

        await search(pane, "ross")
        assert pane.state.choice.search.text == "ross"
        release_old.set()  # the older query's answer arrives last
        await settle()
        assert pane.state.choice.search.status == "results"
        assert pane.state.choice.search.text == "ross"
        assert [r.label for r in pane.state.choice.search.records] == ["ross 0"]

    run(scenario)


def test_a_keystroke_is_one_render_and_the_debounce_counts_from_it() -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        await sign_in(pane)
        before = len(pane.states)
        pane.app.type_query("ros")
        assert len(pane.states) == before + 1  # the field's text and "waiting" in one state
        assert (pane.state.choice.query, pane.state.choice.search.status) == ("ros", "waiting")
        pane.clock.now += 0.02  # drawing the keystroke and starting the search took 20 ms
        await settle()
        assert pytest.approx(SEARCH_DEBOUNCE - 0.02) in pane.clock.asked
        pane.clock.elapse()
        await settle()
        assert [c.args[1] for c in pane.client.calls if c.name == "search"] == ["ros"]

        # The browser took the keystroke 30 ms before Python got to it (a busy page): not waited twice.
        pane.clock.asked.clear()
        pane.app.type_query("rossi", since_keystroke=0.03)
        await settle()
        assert pytest.approx(SEARCH_DEBOUNCE - 0.03) in pane.clock.asked

    run(scenario)


def test_typing_on_drops_the_held_search_at_once_unsent() -> None:
    """The search's request is handed over at the keystroke, held until the debounce ends. The next
    keystroke drops it there and then, not at the old task's next turn: in a browser the page's timer
    could otherwise send it in between. Nothing of it reaches the CRM."""

    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        await sign_in(pane)
        pane.app.type_query("ro")
        await settle()  # handed over: the fake holds it, as the page would
        assert pane.client.dropped == [] and [c for c in pane.client.calls if c.name == "search"] == []
        pane.app.type_query("ros")
        assert pane.client.dropped == ["search"]  # synchronously, within the keystroke
        await settle()
        pane.clock.elapse()
        await settle()
        assert [c.args[1] for c in pane.client.calls if c.name == "search"] == ["ros"]
        assert pane.client.dropped == ["search"]  # the one that went out was not dropped after all

    run(scenario)


def test_nothing_is_drawn_when_the_search_goes_out_and_enter_does_not_send_it_twice() -> None:
    """In the browser a request leaves once the page's main thread is free: the pane draws nothing as it
    sends one. From the keystroke to a quick answer the page says "Searching" ("waiting") once, then
    shows the answer; Enter while the request is out does not send it again."""

    async def scenario() -> None:
        held = asyncio.Event()
        seen: list[str] = []

        async def answer(module: LinkableModule, text: str, limit: int = 25) -> SearchResult:
            seen.append(pane.state.choice.search.status)  # what the page shows as the request goes out
            await held.wait()
            return _result(module, text, 2, 2)

        pane = make_pane(script=lambda c: c.answer("search", answer))
        pane.app.start(mail())
        await sign_in(pane)
        first = len(pane.states)
        pane.app.type_query("ros")
        await settle()
        pane.clock.advance(SEARCH_DEBOUNCE)
        await settle()
        assert seen == ["waiting"]
        assert len(pane.states) == first + 1  # the keystroke's state only: nothing drawn as the request left
        assert pane.app.search_now() is False  # Enter: the search is already out
        await settle()
        assert len([c for c in pane.client.calls if c.name == "search"]) == 1
        held.set()
        await settle()
        assert [s.choice.search.status for s in pane.states[first:]] == ["waiting", "results"]

    run(scenario)


def test_typing_a_search_has_its_permission_asked_during_the_debounce() -> None:
    """Each keystroke that will search after the debounce lets the client get the browser's CORS check of the
    search done meanwhile (the client asks at most every few seconds); Enter and an emptied field do not."""

    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        await sign_in(pane)
        assert pane.client.prepared == 0
        pane.app.type_query("r")
        pane.app.type_query("ro")
        assert pane.client.prepared == 2
        assert pane.app.search_now() is True  # Enter: the search leaves now, nothing to prepare ahead
        await settle()
        assert [c.args[1] for c in pane.client.calls if c.name == "search"] == ["ro"]
        pane.app.type_query("")
        assert pane.client.prepared == 2

    run(scenario)


def test_the_spinner_shows_only_for_a_search_still_running_after_its_delay() -> None:
    """A quick answer never flashes a spinner (the status line says "Searching" from the keystroke); a slow
    one gets it once SEARCH_SPINNER_DELAY has passed, and it goes with the answer."""

    async def scenario() -> None:
        release = asyncio.Event()

        async def held(module: LinkableModule, text: str, limit: int = 25) -> SearchResult:
            await release.wait()
            return _result(module, text, 1, 1)

        pane = make_pane(script=lambda c: c.answer("search", _result(MODULES[0], "ros", 1, 1), held))
        pane.app.start(mail())
        await sign_in(pane)

        def spinning() -> bool:
            tree = screens.pane(pane.state, Translator("en-GB"), datetime.now(UTC), "1.0.0")
            status = next(e for n in tree for e in n.walk() if e.attr("id") == "mc-search-status")
            return "loading" in str(status.attr("class"))

        first = len(pane.states)
        pane.app.type_query("ros")
        assert pane.app.search_now() is True
        await settle()
        assert pane.state.choice.search.status == "results"
        pane.clock.advance(SEARCH_SPINNER_DELAY)
        await settle()
        assert not any(s.choice.search.status == "searching" for s in pane.states[first:])  # never a spinner

        pane.app.type_query("bia")
        assert pane.app.search_now() is True
        await settle()
        pane.clock.advance(SEARCH_SPINNER_DELAY - 0.01)
        await settle()
        assert pane.state.choice.search.status == "waiting" and not spinning()
        pane.clock.advance(0.01)
        await settle()
        assert pane.state.choice.search.status == "searching" and spinning()
        release.set()
        await settle()
        assert pane.state.choice.search.status == "results" and not spinning()

    run(scenario)


def test_enter_sends_the_waiting_search_at_once() -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        await sign_in(pane)
        pane.app.type_query("ros")
        await settle()
        assert pane.state.choice.search.status == "waiting"
        assert pane.app.search_now() is True  # no debounce left to wait for: the clock never moves
        await settle()
        assert [c.args[1] for c in pane.client.calls if c.name == "search"] == ["ros"]
        assert pane.state.choice.search.status == "results"
        assert pane.app.search_now() is False  # nothing waiting: Enter moves to the hits instead

    run(scenario)


@pytest.mark.parametrize(("total", "count", "status"), [(0, 0, "none"), (240, 25, "too_many"), (3, 3, "results")])
def test_no_results_and_too_many_are_distinct(total: int, count: int, status: str) -> None:
    async def scenario() -> None:
        pane = make_pane(script=lambda c: c.answer("search", lambda m, t, limit=25: _result(m, t, total, count)))
        pane.app.start(mail())
        await sign_in(pane)
        await search(pane, "ro")
        assert pane.state.choice.search.status == status
        assert pane.state.choice.search.total == total

    run(scenario)


def test_choosing_a_module_searches_it_and_is_remembered() -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        await sign_in(pane)
        pane.app.type_query("acme")
        pane.app.choose_module("Accounts")
        await settle()
        pane.clock.elapse()
        await settle()
        search = [c for c in pane.client.calls if c.name == "search"]
        assert [(c.args[0].name, c.args[1]) for c in search] == [("Accounts", "acme")]
        assert pane.preferences.remembered.module == "Accounts"
        pane.app.choose_module("NoSuchModule")
        assert pane.state.choice.module == "Accounts"

    run(scenario)


def test_a_licence_that_ends_during_work_closes_the_gate() -> None:
    async def scenario() -> None:
        pane = make_pane(script=lambda c: c.answer("search", e.LicenceExpired("x")))
        pane.app.start(mail())
        await sign_in(pane)
        await search(pane, "ro")
        assert pane.state.screen == "gate"
        assert pane.state.gate.kind == "licence_expired"

    run(scenario)


# --- linking -------------------------------------------------------------------------------------------------


def _files_mail() -> Any:
    return mail(attachments=(attachment("offerta.pdf", 3000), attachment("foto.png", 1200, content_type="image/png"),
                             attachment("Capitolato.docx", 48_000_000, kind="cloud")))


def test_pick_suggestion_preflight_link_receipt_then_relink_stores_nothing_new() -> None:
    async def scenario() -> None:
        host = FakeHost(contents={"att-Capitolato.docx": "https://cloud.example/c.docx"})
        pane = make_pane(host=host)
        pane.app.start(_files_mail())
        await sign_in(pane)
        pane.app.pick_suggestion("4x10")
        state = pane.state
        assert state.screen == "preflight"
        assert state.target.label == "Mario Rossi" and state.target.module_label == "Contact"
        plan = [(i.kind, i.name, i.plan) for i in state.preflight]
        assert plan == [("body", "", "copy"), ("file", "offerta.pdf", "copy"), ("file", "foto.png", "copy"),
                        ("cloud", "Capitolato.docx", "link"), ("eml", "", "copy")]

        pane.app.link()
        assert pane.state.screen == "linking"
        await settle()
        assert pane.state.screen == "receipt"
        outcome = pane.state.outcome
        assert outcome.created and outcome.linked and outcome.verified
        assert [(f.name, f.size) for f in outcome.files] == [("offerta.pdf", 3000), ("foto.png", 1200)]
        assert [f.name for f in outcome.links] == ["Capitolato.docx"]
        assert outcome.eml_size == len(host.eml_bytes)  # type: ignore[arg-type]
        assert outcome.record_url.startswith("https://crm.example.com/index.php?module=Contacts")
        # progress went through every attachment, with bytes counted
        progress = [s.progress for s in pane.states if s.progress is not None]
        assert any(p.items[0].status == "uploading" and 0 < p.items[0].sent < 3000 for p in progress)
        assert {p.phase for p in progress} >= {"uploading", "saving", "verifying"}
        target, message, _files, eml = pane.client.linked[0]
        assert target == "4x10" and message.messageid == "<m1@example.it>" and eml is not None

        # after the link, the mail shows as linked; linking again to the same record uploads nothing
        pane.client.answer("lookup", (LookupLink(module="Contacts", id="4x10", label="Mario Rossi", message="40x1"),))
        pane.app.link_again()
        await settle()
        pane.app.pick_suggestion("4x10")
        uploads_before = pane.client.names().count("upload")
        pane.app.link()
        await settle()
        assert pane.state.outcome.already_linked
        assert pane.client.names().count("upload") == uploads_before

    run(scenario)


def test_an_attachment_outlook_refuses_is_named_and_the_rest_is_linked() -> None:
    async def scenario() -> None:
        host = FakeHost(contents={"att-foto.png": HostRefused("no", reason="UNAVAILABLE")})
        pane = make_pane(host=host)
        pane.app.start(mail(attachments=(attachment("offerta.pdf", 10), attachment("foto.png", 20))))
        await sign_in(pane)
        pane.app.pick_suggestion("4x10")
        pane.app.link()
        await settle()
        outcome = pane.state.outcome
        assert outcome.skipped == ("foto.png",)
        assert [f.name for f in outcome.files] == ["offerta.pdf"]
        assert outcome.verified

    run(scenario)


def test_old_host_preflight_says_attachments_cannot_be_copied() -> None:
    async def scenario() -> None:
        pane = make_pane(host=FakeHost(capabilities=set()))
        pane.app.start(mail(attachments=(attachment("offerta.pdf", 10),)))
        await sign_in(pane)
        pane.app.pick_suggestion("4x10")
        plans = {(i.kind, i.plan, i.reason) for i in pane.state.preflight}
        assert ("file", "skip", "preflight.reason.old_host") in plans
        assert ("eml", "skip", "preflight.reason.no_eml") in plans

    run(scenario)


def test_a_mail_over_the_crm_limit_cannot_be_linked_and_says_why() -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail(attachments=(attachment("a.bin", 24_000_000), attachment("b.bin", 24_000_000),
                                         attachment("c.bin", 24_000_000))))
        await sign_in(pane)
        await settle()
        pane.app.pick_suggestion("4x10")
        assert pane.state.problem.key == "preflight.too_large"
        pane.app.link()
        await settle()
        assert pane.state.screen == "preflight"
        assert "upload" not in pane.client.names()

    run(scenario)


def test_a_read_only_module_is_explained_before_linking() -> None:
    async def scenario() -> None:
        ticket = RecordSummary(module="HelpDesk", id="9x3", label="TT-1042")
        pane = make_pane(script=lambda c: c.answer(
            "search", lambda m, t, limit=25: SearchResult(module=m.name, text=t, records=(ticket,), total=1, limit=25)))
        pane.app.start(mail())
        await sign_in(pane)
        pane.app.choose_module("HelpDesk")
        await search(pane, "TT")
        pane.app.pick_record("9x3")
        assert pane.state.problem.key == "preflight.read_only"
        assert pane.state.problem.kwargs == {"module": "Ticket"}

    run(scenario)


def test_a_failed_link_stays_on_preflight_and_try_again_resends_nothing_already_uploaded() -> None:
    async def scenario() -> None:
        pane = make_pane(script=lambda c: c.answer("link", e.RecordNotFound("gone")))
        pane.app.start(mail(attachments=(attachment("offerta.pdf", 10),)))
        await sign_in(pane)
        pane.app.pick_suggestion("4x10")
        pane.app.link()
        await settle()
        assert pane.state.screen == "preflight"
        assert pane.state.problem.key == "error.RECORD_NOT_FOUND"
        assert pane.client.names().count("upload") == 2  # the attachment and the .eml
        pane.app.link()
        await settle()
        assert pane.state.screen == "receipt"
        assert pane.client.names().count("upload") == 2

    run(scenario)


# --- session renewal -----------------------------------------------------------------------------------------


def test_session_expiry_mid_link_asks_to_sign_in_then_the_link_completes_without_rechoosing() -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail(attachments=(attachment("offerta.pdf", 10),)))
        await sign_in(pane)
        pane.app.pick_suggestion("4x10")
        pane.client.valid_tokens.clear()
        pane.client.valid_tokens.add("not-the-current-one")  # the administrator revoked the device
        pane.app.link()
        await settle()
        assert pane.state.reauth is not None and pane.state.reauth.username == "anna"
        assert pane.state.screen == "linking"
        assert pane.client.linked == []

        pane.client.answer("login", e.InvalidCredentials("x"))
        pane.app.reauth.submit("wrong")
        await settle()
        assert pane.state.reauth.problem.key == "error.INVALID_CREDENTIALS"
        pane.app.reauth.submit("right")
        await settle()
        assert pane.state.reauth is None
        assert pane.state.screen == "receipt"
        assert len(pane.client.linked) == 1
        assert pane.tokens.session.token == pane.client.token

    run(scenario)


def test_declining_to_sign_in_again_ends_the_session() -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        await sign_in(pane)
        pane.client.valid_tokens.clear()
        pane.client.valid_tokens.add("other")
        await search(pane, "ro")
        assert pane.state.reauth is not None
        pane.app.reauth.cancel()
        await settle()
        assert pane.state.screen == "password"
        assert pane.state.connect.problem.key == "error.SESSION_EXPIRED"
        assert pane.tokens.session is None

    run(scenario)


# --- pinned pane ---------------------------------------------------------------------------------------------


def test_switching_mail_resets_to_the_new_mail_keeps_the_module_and_the_old_link_finishes_for_the_old_mail() -> None:
    async def scenario() -> None:
        gate = asyncio.Event()

        async def slow_link(target: str, message: Any, attachments: Any = (), eml: Any = None) -> Any:
            await gate.wait()
            return pane.client._default_link(target, message, attachments, eml)

        pane = make_pane(script=lambda c: c.answer("link", slow_link))
        first = mail("Primo", message_id="<first@x>", item_id="a", attachments=(attachment("uno.pdf", 10),))
        second = mail("Secondo", message_id="<second@x>", item_id="b", from_="john.smith@example.com")
        pane.app.start(first)
        await sign_in(pane)
        pane.app.choose_module("Accounts")
        pane.app.type_query("acme")
        pane.app.pick_suggestion("4x10")
        pane.app.link()
        await settle()
        assert pane.state.screen == "linking"

        pane.app.item_changed(second)
        await settle()
        state = pane.state
        assert state.screen == "record"
        assert state.mail.subject == "Secondo"
        assert state.choice.module == "Accounts"
        assert state.choice.query == ""
        assert state.progress is None
        lookups = [c.args for c in pane.client.calls if c.name == "lookup"]
        assert lookups[-1] == ("<second@x>",)

        gate.set()
        await settle()
        assert pane.state.screen == "record"  # the new mail's screen is not replaced by the old receipt
        assert pane.state.mail.subject == "Secondo"
        _target, message, _, _ = pane.client.linked[0]
        assert message.messageid == "<first@x>" and message.subject == "Primo"
        assert all(item == "a" for item, _ in pane.host.reads)  # only the first mail was read
        (notice,) = pane.state.notices
        assert notice.message.key == "notice.linked"
        assert notice.message.kwargs["subject"] == "Primo"
        pane.app.dismiss_notice(notice.id)
        assert pane.state.notices == ()

    run(scenario)


def test_no_mail_selected() -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(None)
        await sign_in(pane)
        assert pane.state.screen == "record"
        assert pane.state.mail is None
        assert "lookup" not in pane.client.names()
        pane.app.item_changed(mail())
        await settle()
        assert "lookup" in pane.client.names()

    run(scenario)


def test_an_original_eml_the_crm_would_refuse_is_left_out_and_the_mail_is_stored() -> None:
    async def scenario() -> None:
        host = FakeHost(eml_bytes=b"x" * 30_000_000)  # the .eml holds the attachment again
        pane = make_pane(host=host)
        pane.app.start(mail(attachments=(attachment("big.bin", 20_000_000),)))
        await sign_in(pane)
        await settle()
        pane.app.pick_suggestion("4x10")
        pane.app.link()
        await settle()
        outcome = pane.state.outcome
        assert pane.state.screen == "receipt"
        assert outcome.eml_size is None and outcome.eml_skipped == "link.skipped.TOO_LARGE"
        assert [f.name for f in outcome.files] == ["big.bin"]
        assert [c.args[0] for c in pane.client.calls if c.name == "upload"] == ["big.bin"]

    run(scenario)


async def link_a_mail_with_a_file(host: FakeHost) -> Pane:
    """Signed in, "Primo" (one attachment, a.pdf) open, its suggested record picked, Link clicked."""
    pane = make_pane(host=host)
    pane.app.start(mail("Primo", attachments=(attachment("a.pdf", 10),)))
    await sign_in(pane)
    pane.app.pick_suggestion("4x10")
    pane.app.link()
    return pane


def test_a_file_goes_up_while_the_next_is_still_read_from_the_host() -> None:
    """Uploads do not wait for the whole mail to be read: the attachment is on its way while Outlook is
    still handing over the original .eml (the .eml's read is held until the attachment was sent)."""

    async def scenario() -> None:
        eml_read = asyncio.Event()
        release = asyncio.Event()

        class SlowEml(FakeHost):
            async def eml(self, mail: Any) -> bytes:
                eml_read.set()
                await release.wait()
                return await super().eml(mail)

        pane = await link_a_mail_with_a_file(SlowEml())
        await settle()
        assert eml_read.is_set() and pane.state.screen == "linking"
        uploads = [c.args for c in pane.client.calls if c.name == "upload"]
        assert uploads == [("a.pdf", "application/pdf")]  # sent while the .eml is still being read
        assert [i.status for i in pane.state.progress.items] == ["done", "reading"]
        release.set()
        await settle()
        assert [c.args[0] for c in pane.client.calls if c.name == "upload"] == ["a.pdf", "Primo.eml"]
        assert pane.state.screen == "receipt" and len(pane.client.linked) == 1

    run(scenario)


def test_switching_mail_while_the_eml_is_read_after_an_attachment_went_up_links_nothing() -> None:
    async def scenario() -> None:
        host = FakeHost(eml_bytes=HostRefused("changed", reason="ITEM_CHANGED"))
        pane = await link_a_mail_with_a_file(host)
        pane.app.item_changed(mail("Secondo", message_id="<s@x>", item_id="b"))
        await settle()
        assert pane.client.linked == []
        (notice,) = pane.state.notices
        assert notice.message.key == "notice.link_failed"
        assert notice.message.cause is not None and notice.message.cause.key == "error.ITEM_CHANGED"

    run(scenario)


def test_switching_mail_while_it_is_being_read_stores_nothing_and_says_so() -> None:
    async def scenario() -> None:
        host = FakeHost(contents={"att-a.pdf": HostRefused("changed", reason="ITEM_CHANGED")})
        pane = await link_a_mail_with_a_file(host)
        pane.app.item_changed(mail("Secondo", message_id="<s@x>", item_id="b"))
        await settle()
        assert pane.client.linked == [] and "upload" not in pane.client.names()
        (notice,) = pane.state.notices
        assert notice.message.key == "notice.link_failed"
        assert notice.message.cause is not None and notice.message.cause.key == "error.ITEM_CHANGED"

    run(scenario)
