"""What each screen shows for a state (pure vdom trees, no browser): text stays text, no inline
style or handler ever (the pane's CSP forbids them), links only to http(s), the right texts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime
from typing import Any

import pytest

from mailconnector.core.state import AppState, ItemProgress
from mailconnector.models import LookupLink
from mailconnector.ui import screens
from mailconnector.ui.i18n import Translator
from mailconnector.ui.screens_link import progress_row
from mailconnector.ui.vdom import El, h
from mailconnector.ui.view import Change, changes_of_element
from tests.unit.core_fakes import MARIO, Pane, attachment, mail, make_pane, settle, sign_in

HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(1)> &amp; "quotes"'
NOW = datetime(2024, 12, 1, 12, 0, tzinfo=UTC)


def render(state: AppState, language: str = "en-GB") -> El:
    return h("main", {"id": "app"}, screens.pane(state, Translator(language), NOW, "1.0.0"))


def collect(scenario: Callable[[Pane], Coroutine[Any, Any, None]], **pane_args: Any) -> list[AppState]:
    """Every state a scenario went through."""
    pane = make_pane(**pane_args)

    async def run() -> None:
        await scenario(pane)

    asyncio.run(run())
    return pane.states


def assert_safe(trees: Iterable[El]) -> None:
    for tree in trees:
        for element in tree.walk():
            assert element.tag not in ("script", "style", "iframe", "img", "object", "embed")
            for name, value in element.attrs:
                assert name != "style" and not name.startswith("on"), (element.tag, name)
                if name == "href":
                    assert str(value).startswith(("https://", "http://")), value


async def whole_flow(pane: Pane) -> None:
    pane.app.start(mail(HOSTILE, attachments=(attachment(f"{HOSTILE}.pdf", 2048),
                                              attachment("Capitolato.docx", 10**7, kind="cloud"))))
    pane.app.signin.edit_address("http://crm.example.com")
    pane.app.signin.edit_address("crm.example.com")
    await sign_in(pane)
    await settle()
    pane.app.pick_suggestion(MARIO.id)
    pane.app.link()
    await settle()


def test_every_state_of_a_whole_flow_renders_safely_and_keeps_hostile_text_as_text() -> None:
    states = collect(whole_flow)
    screens_seen = {s.screen for s in states}
    assert screens_seen >= {"connect", "password", "record", "preflight", "linking", "receipt"}
    trees = [render(s, lang) for s in states for lang in ("en-US", "it-IT")]
    assert_safe(trees)
    last = render(states[-1])
    subject = last.find("h2", id="mail-subject")
    assert subject.children == (HOSTILE,)  # one text node, exactly as written
    assert HOSTILE in last.text()


def test_connect_screen_feedback_and_fields() -> None:
    async def scenario(pane: Pane) -> None:
        pane.app.start(mail())
        pane.app.signin.edit_address("http://crm.example.com")

    tree = render(collect(scenario)[-1])
    assert tree.find("input", id="mc-url").attr("value") == "http://crm.example.com"
    assert tree.find("input", id="mc-url").attr("aria-invalid") == "true"
    hint = tree.find(id="mc-url-hint")
    assert hint.text() == Translator("en").t("url.HTTP_NOT_ALLOWED")
    assert tree.find("form", data_form="connect").find("button").attr("type") == "submit"


def test_preflight_lists_what_is_copied_and_the_receipt_what_is_stored() -> None:
    async def scenario(pane: Pane) -> None:
        pane.app.start(mail(attachments=(attachment("offerta.pdf", 3000),
                                         attachment("Capitolato.docx", 48_213_344, kind="cloud"))))
        await sign_in(pane)
        pane.app.pick_suggestion(MARIO.id)

    states = collect(scenario)
    t = Translator("it-IT")
    tree = render(states[-1], "it-IT")
    rows = tree.find("ul", id="mc-preflight").find_all("li")
    assert [r.attr("data-plan") for r in rows] == ["copy", "copy", "link", "copy"]
    assert rows[1].text().startswith("offerta.pdf") and f"PDF · {t.size(3000)}" in rows[1].text()
    assert t.t("preflight.reason.cloud") in rows[2].text()
    assert tree.find("button", data_action="link").attr("disabled") is None


def test_receipt_says_already_linked_and_offers_the_record() -> None:
    async def scenario(pane: Pane) -> None:
        pane.app.start(mail())
        await sign_in(pane)
        for _ in range(2):
            pane.app.pick_suggestion(MARIO.id)
            pane.app.link()
            await settle()
            pane.app.link_again()
            await settle()
        pane.app.pick_suggestion(MARIO.id)
        pane.app.link()
        await settle()

    tree = render(collect(scenario)[-1])
    t = Translator("en-GB")
    title = tree.find(class_="banner banner-info receipt-title")
    assert title.text() == t.t("receipt.already", module="Contact", record="Mario Rossi")
    link = tree.find("a")
    assert link.attr("href") == "https://crm.example.com/index.php?module=Contacts&action=DetailView&record=10"
    assert link.attr("rel") == "noopener noreferrer" and link.attr("target") == "_blank"


@pytest.mark.parametrize("language", ["en-US", "it-IT"])
def test_the_record_screen_shows_where_the_mail_is_already_linked(language: str) -> None:
    link = LookupLink(module="HelpDesk", id="9x1042", label="TT-1042", message="40x7", linked_by="Anna",
                      linked_at="2024-11-12 10:00:00")

    async def scenario(pane: Pane) -> None:
        pane.app.start(mail())
        await sign_in(pane)

    tree = render(collect(scenario, script=lambda c: c.answer("lookup", (link,)))[-1], language)
    t = Translator(language)
    banner = tree.find(class_="banner banner-success linked")
    day = "Nov 12" if language == "en-US" else "12 nov"
    assert t.t("linked.item", module="Ticket", record="TT-1042", user="Anna", when=day) in banner.text()
    assert banner.find("a").attr("href") == (
        "https://crm.example.com/index.php?module=HelpDesk&action=DetailView&record=1042")


def test_vdom_drops_empty_parts_and_keeps_strings() -> None:
    tree = h("p", {"class": "x", "hidden": False, "title": None}, None, "a", False, ["b", [h("b", None, "c")]], "")
    assert tree.attrs == (("class", "x"),)
    assert tree.children == ("a", "b", h("b", None, "c"))
    assert tree.text() == "abc"


def test_sections_kept_from_the_last_render_are_exactly_what_a_fresh_render_draws() -> None:
    """The pane keeps a section's tree while its inputs stay the same (so a search redraws only the
    results); every state of a flow must still draw exactly what a render from nothing draws."""

    async def scenario(pane: Pane) -> None:
        pane.app.start(mail())
        await sign_in(pane)
        for text in ("mario", "rossi", "mario"):
            pane.app.type_query(text)
            pane.app.search_now()
            await settle()
        pane.app.item_changed(mail("Un'altra mail", message_id="<m2@example.it>", from_="giulia@example.it"))
        await settle()

    states = collect(scenario)
    kept_t = Translator("it-IT")
    kept = [screens.pane(state, kept_t, NOW, "1.0.0") for state in states]
    fresh = [screens.pane(state, Translator("it-IT"), NOW, "1.0.0") for state in states]
    assert kept == fresh
    # and a search's states share the very header and footer trees of the state before them
    searched = [i for i, s in enumerate(states) if s.choice.search.status == "results"]
    assert searched, "the scenario reaches search results"
    first = searched[0]
    assert kept[first][0] is kept[first - 1][0] and kept[first][-1] is kept[first - 1][-1]
    # a new mail draws a new header
    assert kept[-1][0].text() != kept[first][0].text() and "altra mail" in kept[-1][0].text()


def test_a_file_outlook_is_handing_over_has_a_moving_bar_and_a_file_being_sent_says_how_much() -> None:
    """Outlook gives no progress while it hands a file over (a 100 MB attachment takes seconds): that file's
    bar is indeterminate (no value: the browser and the stylesheet animate it), not a bar stuck at zero."""
    states = [s for s in collect(whole_flow) if s.screen == "linking" and s.progress is not None]

    def bars(status: str) -> list[El]:
        return [row.find("progress") for s in states for row in render(s).find_all("li", data_status=status)]

    reading, uploading, done = bars("reading"), bars("uploading"), bars("done")
    assert reading and all(bar.attr("value") is None for bar in reading)
    assert uploading and all(bar.attr("value") is not None for bar in uploading)
    assert done and all(bar.attr("value") == bar.attr("max") for bar in done)


def test_the_page_is_told_to_drop_the_bar_s_value_when_a_file_is_read_and_to_set_it_again_after() -> None:
    """What the browser depends on: a <progress> without a `value` attribute is indeterminate, so the patch
    must remove it when a file starts being read (and set it when its upload starts)."""
    t = Translator("en-GB")
    waiting, reading, uploading = (
        progress_row(ItemProgress(name="offerta.pdf", size=2048, sent=sent, status=status), t)
        for status, sent in (("waiting", 0), ("reading", 0), ("uploading", 1024))
    )
    bar = next(i for i, child in enumerate(waiting.children) if isinstance(child, El) and child.tag == "progress")
    to_reading: list[Change] = []
    changes_of_element((), waiting, reading, to_reading)
    to_uploading: list[Change] = []
    changes_of_element((), reading, uploading, to_uploading)
    assert ("unset", (bar,), "value") in to_reading
    assert ("set", (bar,), "value", "1024") in to_uploading
