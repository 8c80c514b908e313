"""Time limits for many short awaits, kept by one timer per event loop.

Nearly every request body is there by the time it is read, so a timer per read
(`asyncio.timeout`: about 5 µs to set and cancel) costs more than the read. Here a read
notes its task and deadline in a dict, and one timer, set while reads are waiting, cancels
those whose deadline has passed; a read that finishes first just leaves the dict.

Nothing here holds an event loop: a `MockServer` started and stopped many times runs one
app on many loops, and a closed loop must be free to go.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Coroutine, Generator
from functools import partial
from types import CoroutineType
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# Event loops run a timer up to their clock's resolution early; a deadline that close is due.
CLOCK_TOLERANCE = max(0.001, time.get_clock_info("monotonic").resolution)


class _LoopDeadlines:
    """The reads waiting on one event loop, and when its timer is due."""

    def __init__(self) -> None:
        self.waiting: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self.timer_at: float | None = None  # the earliest timer set and not yet run

    def watch(
        self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any], deadline: float
    ) -> None:
        self.waiting[task] = deadline
        if self.timer_at is None or deadline < self.timer_at:
            self._set_timer(loop, deadline)

    def _set_timer(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        self.timer_at = when
        # The loop holds the timer, the timer only a weak reference to this record.
        loop.call_at(when, partial(_sweep, weakref.ref(self), when))

    def sweep(self, when: float) -> None:
        if when != self.timer_at:
            return  # a timer set for later, overtaken by an earlier one that ran already
        self.timer_at = None
        loop = asyncio.get_running_loop()
        now = loop.time() + CLOCK_TOLERANCE
        due = [task for task, deadline in self.waiting.items() if deadline <= now]
        for task in due:
            del self.waiting[task]
            self.expired.add(task)
            task.cancel()
        if self.waiting:
            self._set_timer(loop, min(self.waiting.values()))


def _sweep(record: weakref.ref[_LoopDeadlines], when: float) -> None:
    deadlines = record()
    if deadlines is not None:
        deadlines.sweep(when)


class Deadlines:
    def __init__(self) -> None:
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopDeadlines] = (
            weakref.WeakKeyDictionary()
        )
        # The loop last seen and its record: one loop nearly always, so no look-up.
        self._last_loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self._last: _LoopDeadlines | None = None

    def _for(self, loop: asyncio.AbstractEventLoop) -> _LoopDeadlines:
        if self._last is not None and self._last_loop is not None and self._last_loop() is loop:
            return self._last
        watched = self._loops.get(loop)
        if watched is None:
            watched = self._loops[loop] = _LoopDeadlines()
        self._last_loop, self._last = weakref.ref(loop), watched
        return watched

    async def within(self, seconds: float, work: Awaitable[T]) -> T | None:
        """What `work` returns, or None when it did not finish within `seconds` (it is then
        cancelled, as asyncio.timeout cancels its body).

        `work` is first run up to its first wait: a body that came with its head is read
        without waiting at all, and then there is no deadline to note or clear.
        """
        if type(work) is not CoroutineType:  # any other awaitable: awaited as it is
            return await self._watched(seconds, work)
        try:
            waiting = work.send(None)
        except StopIteration as done:
            finished: T = done.value
            return finished
        return await self._watched(seconds, _Resumed(work, waiting))

    async def _watched(self, seconds: float, work: Awaitable[T]) -> T | None:
        """`work` awaited under the deadline (see `within`)."""
        task = asyncio.current_task()
        if task is None:  # not in a task (no one to cancel): no limit can be kept
            return await work
        loop = task.get_loop()
        watched = self._for(loop)
        cancelling = task.cancelling()
        watched.watch(loop, task, loop.time() + seconds)
        try:
            return await work
        except asyncio.CancelledError:
            if task not in watched.expired:
                raise  # cancelled by someone else: not ours to swallow
            watched.expired.discard(task)
            if task.uncancel() > cancelling:
                raise  # cancelled by someone else as well
            return None
        finally:
            watched.waiting.pop(task, None)
            if task in watched.expired:  # expired, but `work` finished all the same
                watched.expired.discard(task)
                task.uncancel()


class _Resumed(Generic[T]):
    """Awaiting it goes on with a coroutine already run to its first wait: what
    `yield from` does, by hand. The task waits for what the coroutine waits for, and its
    results and exceptions (a cancellation among them) go into the coroutine."""

    __slots__ = ("_waiting", "_work")

    def __init__(self, work: Coroutine[Any, Any, T], waiting: Any) -> None:
        self._work = work
        self._waiting = waiting

    def __await__(self) -> Generator[Any, Any, T]:
        work, waiting = self._work, self._waiting
        while True:
            try:
                sent = yield waiting
            except GeneratorExit:
                work.close()
                raise
            except BaseException as error:  # thrown into the task: into the coroutine
                try:
                    waiting = work.throw(error)
                except StopIteration as done:
                    result: T = done.value
                    return result
                continue
            try:
                waiting = work.send(sent)
            except StopIteration as done:
                result = done.value
                return result
