"""Calls that go out no earlier than a given moment: a search handed over at the keystroke, sent when its
debounce ends.

The search flow builds its request while the user types and sets a `Hold` for its own task; every CRM
call that task makes (the rows, and `describe` beside them on a module's first search: tasks it starts
inherit the hold) waits until the hold's end. In a browser the wait is the page's (`FetchTransport` gives
`page.mjs` the request ready to send, and a timer sends it), so that no Python runs between the end of
the debounce and the request leaving: the page's main thread is free at once, which is when a browser
sends a `fetch`. Elsewhere the connection sleeps out the hold before sending. A hold dropped before its
end (the user typed on) drops its calls unsent. Calls made after the end, or by tasks the holding task
did not start, are not held.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(eq=False)
class Hold:
    """Calls made under this hold are sent no earlier than `due`, a reading of `clock`; `sleep` waits on
    the same clock (the app's: tests move it by hand)."""

    due: float
    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[None]]
    dropped: bool = False
    _drops: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def remaining(self) -> float:
        """Seconds until the calls may go out (0 once they may)."""
        return max(0.0, self.due - self.clock())

    async def wait(self) -> None:
        if (seconds := self.remaining()) > 0:
            await self.sleep(seconds)

    def on_drop(self, drop: Callable[[], None]) -> None:
        """`drop` gives up a call handed over under this hold (the page's `abort`): called by `drop()`,
        or at once if that already happened."""
        if self.dropped:
            drop()
        else:
            self._drops.append(drop)

    def drop(self) -> None:
        """The calls handed over under this hold are given up now, unsent if still held. Synchronous, so
        that no timer of the page can send one between the user's next keystroke and the cancellation of
        the task that made them (which only runs at the event loop's next turn)."""
        self.dropped = True
        drops, self._drops = self._drops, []
        for drop in drops:
            drop()


_CURRENT: ContextVar[Hold | None] = ContextVar("mailconnector.crm.hold", default=None)


def hold_calls(hold: Hold) -> None:
    """The CRM calls of the calling task (and of the tasks it starts from now on) wait for `hold`. An
    asyncio task runs in a context of its own, so this ends with the task."""
    _CURRENT.set(hold)


def current_hold() -> Hold | None:
    """The hold the calling task's CRM calls wait for, if one is still running."""
    hold = _CURRENT.get()
    return hold if hold is not None and hold.remaining() > 0 else None
