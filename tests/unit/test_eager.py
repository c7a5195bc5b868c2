"""core/eager.py: a coroutine run at once up to its first wait, then awaited like any other."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from mailconnector.core.eager import Eager


def test_it_runs_up_to_its_first_wait_at_once_then_finishes_when_awaited() -> None:
    async def scenario() -> None:
        steps: list[str] = []
        gate = asyncio.Event()

        async def work() -> int:
            steps.append("sent")
            await gate.wait()
            steps.append("answered")
            await asyncio.sleep(0)  # a bare yield to the loop, relayed too
            return 42

        eager = Eager(work())
        assert steps == ["sent"] and not eager.done  # before anything else runs
        waiting = asyncio.get_running_loop().create_task(_await(eager))
        await asyncio.sleep(0)
        assert not waiting.done()
        gate.set()
        assert await waiting == 42
        assert steps == ["sent", "answered"]

    asyncio.run(scenario())


async def _await(eager: Eager[int]) -> int:
    return await eager


def test_one_that_never_waits_is_done_with_its_result_or_its_error() -> None:
    async def scenario() -> None:
        async def quick() -> str:
            return "ready"

        async def refused() -> str:
            raise ValueError("no")

        eager = Eager(quick())
        assert eager.done
        assert await eager == "ready"
        failed = Eager(refused())
        assert failed.done
        with pytest.raises(ValueError, match="no"):
            await failed

    asyncio.run(scenario())


def test_an_error_after_the_wait_reaches_the_awaiting_task() -> None:
    async def scenario() -> None:
        async def work() -> None:
            await asyncio.sleep(0)
            raise LookupError("late")

        with pytest.raises(LookupError, match="late"):
            await Eager(work())

    asyncio.run(scenario())


def test_cancelling_the_awaiting_task_cancels_the_coroutine_where_it_waits() -> None:
    """The search's fetch is aborted by the CancelledError it gets at its await: it must get it."""

    async def scenario() -> None:
        seen: list[str] = []

        async def work() -> None:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                seen.append("aborted")
                raise

        async def search() -> None:
            await Eager(work())

        task = asyncio.get_running_loop().create_task(search())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert seen == ["aborted"]

    asyncio.run(scenario())


def test_a_coroutine_that_handles_the_cancellation_and_goes_on_is_awaited_to_its_end() -> None:
    async def scenario() -> None:
        async def work() -> str:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.Event().wait()
            await asyncio.sleep(0)
            return "tidied up"

        async def search() -> str:
            return await Eager(work())

        task = asyncio.get_running_loop().create_task(search())
        await asyncio.sleep(0)
        task.cancel()
        assert await task == "tidied up"

    asyncio.run(scenario())
