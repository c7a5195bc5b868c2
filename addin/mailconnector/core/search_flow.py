"""The search of the record screen: what the user types, when it is sent, and what the page shows.

Debounced from the keystroke (Enter sends at once); one round trip to the hits (the count follows
and can only add "too many"); a newer query cancels an older one (its request dropped unsent, or its
fetch aborted) and a late answer is never shown; the spinner only for an answer still awaited after
SEARCH_SPINNER_DELAY.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mailconnector.core import decisions
from mailconnector.core.ports import CrmSession
from mailconnector.core.state import SearchView
from mailconnector.crm import errors
from mailconnector.crm.hold import Hold, hold_calls
from mailconnector.models import LinkableModule, SearchResult

if TYPE_CHECKING:
    from mailconnector.core.app import App

SEARCH_DEBOUNCE = 0.15  # seconds of quiet typing before a search is sent (Enter sends at once)
SEARCH_SPINNER_DELAY = 0.3  # seconds a search's answer takes before its spinner shows ("searching")


class SearchFlow:
    """States: "waiting" from the keystroke to the answer (the debounce, then the request), which the
    page shows as "Searching" without a spinner; "searching" once the answer has taken longer than
    SEARCH_SPINNER_DELAY (the spinner); then the answer's own.

    Nothing runs in the pane when the request goes out: the browser sends a `fetch` only once the page's
    main thread is free again. Drawing "searching" right after the fetch held it back: it reached the
    local CRM 1.3 ms later than the same request sent from plain JavaScript, 0.6 ms without the drawing
    (one run each, the CRM's own clock; bench/results/issue13-session22.md). So the request is built at
    the keystroke and held until the debounce ends (crm/hold.py): in a browser the page's timer sends
    it, with no Python before it."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._task: asyncio.Task[Any] | None = None
        self._spinner: asyncio.Task[Any] | None = None
        self._generation = 0
        self._sent = False  # the current search's request is built and handed over (it goes out when `_hold` ends)
        self._hold: Hold | None = None  # what the current search's calls wait for (crm/hold.py)

    def cancel(self) -> None:
        """Another mail: the search in flight is dropped, and its answer will not be shown."""
        if self._hold is not None:
            self._hold.drop()  # its request, still held, never leaves (an abort only if it already left)
            self._hold = None
        for task in (self._task, self._spinner):
            if task is not None:
                task.cancel()
        self._task = self._spinner = None
        self._sent = False
        self._generation += 1

    def now(self) -> bool:
        """Enter in the search field: the search waiting out its debounce starts now (True)."""
        if self.app.state.choice.search.status != "waiting":
            return False
        if self._sent and (self._hold is None or not self._hold.remaining()):
            return False  # already out: not sent twice
        self.start(self.app.state.choice.query, debounce=0.0)
        return True

    def start(self, text: str, *, debounce: float | None = None, query: str | None = None, since: float = 0.0) -> None:
        """Debounced; a newer query cancels an older one (its request dropped unsent, or its fetch aborted),
        and a late answer is never shown. `query`: the search field's new text, set in the same state.
        `since`: seconds between the keystroke and this call (the debounce counts from the keystroke)."""
        app = self.app
        typed = app.clock() - since
        self.cancel()
        generation = self._generation
        field = {} if query is None else {"query": query}
        module = app.state.choice.current_module
        if not text.strip() or module is None:
            app._choice(search=SearchView(), **field)
            return
        app._choice(search=replace(app.state.choice.search, status="waiting", problem=None), **field)
        delay = app.debounce if debounce is None else debounce
        self._hold = Hold(typed + delay, app.clock, app.sleep)
        self._task = app._spawn(self._search(generation, text, self._hold), mail_bound=True)
        # The spinner's timer is set now, so that no task of the pane's but the request's runs when it goes out.
        spin_at = typed + delay + SEARCH_SPINNER_DELAY
        self._spinner = app._spawn(self._spin_if_slow(generation, spin_at), mail_bound=True)
        if delay > 0 and app._client is not None:
            app._client.prepare_search()  # the browser's CORS check of the search, while the user types

    async def _search(self, generation: int, text: str, hold: Hold) -> None:
        app = self.app
        module = app.state.choice.current_module
        client = app._client
        if generation != self._generation or module is None or client is None:
            return
        self._sent = True
        # The request is built now and goes out when the debounce ends (counted from the keystroke): in a
        # browser the page's own timer sends it, with no Python left to run first (crm/hold.py). Typing on
        # drops it unsent. An answer that needs no request (nothing left to search for once the text is
        # cleaned, not signed in) shows at once.
        hold_calls(hold)
        await self._answer(generation, module, client, text)

    async def _spin_if_slow(self, generation: int, at: float) -> None:
        if (wait := at - self.app.clock()) > 0:
            await self.app.sleep(wait)
        search = self.app.state.choice.search
        if generation == self._generation and self._sent and search.status == "waiting":
            self.app._choice(search=replace(search, status="searching"))

    async def _answer(self, generation: int, module: LinkableModule, client: CrmSession, text: str) -> None:
        app = self.app

        def rows_in(hits: SearchResult) -> None:
            # the hits show while the count is still on its way (it can only add "too many")
            if generation == self._generation:
                app._choice(search=decisions.search_view(hits))

        try:
            result = await client.search(module, text, resolve_references=False, on_rows=rows_in)
        except errors.CrmError as exc:
            if generation != self._generation:
                return
            problem = await app._failed(exc)
            if problem:
                app._choice(search=SearchView(status="error", text=text, problem=problem))
            return
        if generation != self._generation:
            return
        # The hits show after one round trip; company and owner names follow (cached per session).
        app._choice(search=decisions.search_view(result))
        try:
            named = await client.with_references(result)
        except errors.CrmError:
            return  # the names only add detail: the hits stay as they are
        if generation == self._generation and named != result:
            app._choice(search=decisions.search_view(named))
