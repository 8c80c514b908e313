"""The shared timer for body reads (web/deadlines.py) keeps each read's own deadline."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from frameio_oauth_mock.mockserver.web.deadlines import Deadlines

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _sleep_then(seconds: float, value: str) -> str:
    await asyncio.sleep(seconds)
    return value


async def test_a_read_within_its_time_gives_its_value() -> None:
    assert await Deadlines().within(1.0, _sleep_then(0.01, "body")) == "body"


async def test_a_read_past_its_time_is_cancelled_and_gives_none() -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await Deadlines().within(0.05, _sleep_then(5, "late")) is None
    assert 0.04 <= loop.time() - started < 1
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_reads_on_one_timer_each_keep_their_own_deadline() -> None:
    deadlines = Deadlines()
    results = await asyncio.gather(
        deadlines.within(0.05, _sleep_then(5, "first, too slow")),
        deadlines.within(1.0, _sleep_then(0.2, "second, in time")),
        deadlines.within(0.3, _sleep_then(5, "third, too slow")),
    )
    assert results == [None, "second, in time", None]


async def test_a_later_read_after_the_first_finished_still_times_out() -> None:
    deadlines = Deadlines()
    assert await deadlines.within(0.05, _sleep_then(0, "quick")) == "quick"
    await asyncio.sleep(0.1)  # the first read's timer has fired with nothing waiting
    assert await deadlines.within(0.05, _sleep_then(5, "slow")) is None


async def test_someone_elses_cancel_still_cancels() -> None:
    deadlines = Deadlines()
    reading = asyncio.create_task(deadlines.within(5, _sleep_then(5, "never")))
    await asyncio.sleep(0.01)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading


async def test_a_read_with_an_earlier_deadline_than_one_waiting_keeps_its_own() -> None:
    deadlines = Deadlines()
    loop = asyncio.get_running_loop()
    started = loop.time()
    slow, quick = await asyncio.gather(
        deadlines.within(1.0, _sleep_then(0.3, "slow, in time")),
        deadlines.within(0.05, _sleep_then(5, "too slow")),
    )
    assert (slow, quick) == ("slow, in time", None)
    assert loop.time() - started < 0.9  # the quick deadline did not wait for the 1 s timer


def test_a_closed_loop_is_not_kept_alive() -> None:
    deadlines = Deadlines()

    async def read() -> None:
        assert await deadlines.within(10, _sleep_then(0, "x")) == "x"

    loop = asyncio.new_event_loop()
    loop.run_until_complete(read())
    loop.close()
    gone = weakref.ref(loop)
    del loop
    gc.collect()
    assert gone() is None


async def _at_once(value: str) -> str:
    return value


async def _fail_at_once() -> str:
    raise ValueError("bad body")


async def _fail_after_waiting() -> str:
    await asyncio.sleep(0.01)
    raise ValueError("bad body, later")


async def test_a_read_that_never_waits_gives_its_value_and_notes_no_deadline() -> None:
    deadlines = Deadlines()
    assert await deadlines.within(0.05, _at_once("body")) == "body"
    assert not deadlines._loops  # no loop record, so no timer either


async def test_a_read_that_waits_many_times_goes_on_where_it_stopped() -> None:
    async def in_parts() -> str:
        parts = []
        for part in ("a", "b", "c"):
            await asyncio.sleep(0)  # a bare yield
            parts.append(part)
            await asyncio.sleep(0.005)  # a future
        return "".join(parts)

    assert await Deadlines().within(1.0, in_parts()) == "abc"


async def test_a_reads_errors_come_out_as_they_would_from_await() -> None:
    with pytest.raises(ValueError, match="bad body"):
        await Deadlines().within(1.0, _fail_at_once())
    with pytest.raises(ValueError, match="bad body, later"):
        await Deadlines().within(1.0, _fail_after_waiting())


async def test_a_read_past_its_time_sees_the_cancellation_where_it_waits() -> None:
    seen: list[str] = []

    async def waits_for_ever() -> str:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            seen.append("cancelled")  # its own clean-up runs, as under asyncio.timeout
            raise
        return "late"

    assert await Deadlines().within(0.05, waits_for_ever()) is None
    assert seen == ["cancelled"]
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_read_that_swallows_its_cancellation_still_gives_its_value() -> None:
    async def finishes_anyway() -> str:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            await asyncio.sleep(0.01)  # waits again after the cancellation: still resumed
            return "finished all the same"
        return "never"

    assert await Deadlines().within(0.05, finishes_anyway()) == "finished all the same"
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_an_awaitable_that_is_no_coroutine_is_awaited_under_the_deadline() -> None:
    loop = asyncio.get_running_loop()
    arrives: asyncio.Future[str] = loop.create_future()
    loop.call_later(0.01, arrives.set_result, "body")
    assert await Deadlines().within(1.0, arrives) == "body"
    never: asyncio.Future[str] = loop.create_future()
    assert await Deadlines().within(0.05, never) is None
    assert never.cancelled()
