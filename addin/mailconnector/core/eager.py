"""Run a coroutine at once, up to its first real wait, and await the rest of it later.

What Python 3.12's eager tasks do (`asyncio.eager_task_factory`), without a task: the core is tested
under CPython 3.11, which has none, and one behaviour in the tests and in the pane is worth the few lines.
The search uses it to have its request on the wire before the page says "searching": drawing that
(~0.8 ms in Pyodide) used to come first and delay the request by as much.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Eager(Generic[T]):
    """`coro`, run up to its first suspension in the caller's own task; `await` it for the rest.

    Awaited from the task that made it (its first step ran there), exactly once. `done` is True when
    it finished without waiting at all: its result or error is then ready to be awaited."""

    def __init__(self, coro: Coroutine[Any, Any, T]) -> None:
        self._coro = coro
        self._pending: Any = None
        self._result: Any = None
        self._error: BaseException | None = None
        self.done = False
        try:
            self._pending = coro.send(None)
        except StopIteration as stop:
            self.done, self._result = True, stop.value
        except BaseException as error:  # kept for the await, where it belongs
            self.done, self._error = True, error

    def __await__(self) -> Generator[Any, Any, T]:
        if self.done:
            if self._error is not None:
                raise self._error
            return self._result  # type: ignore[no-any-return]
        # The awaiting task now waits on what the coroutine waits on, and resumes it as it would have
        # resumed it in a task of its own: a value sent in, or an error thrown in (a cancellation).
        pending = self._pending
        while True:
            try:
                try:
                    sent = yield pending
                except GeneratorExit:
                    self._coro.close()
                    raise
                except BaseException as error:  # the coroutine's to handle: a cancellation
                    pending = self._coro.throw(error)
                else:
                    pending = self._coro.send(sent)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
