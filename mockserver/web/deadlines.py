"""Time limits for many short awaits, kept by one timer per event loop.

Nearly every request body is there by the time it is read, so a timer per read
(`asyncio.timeout`: about 5 µs to set and cancel) costs more than the read. Here a read
notes its task and deadline in a dict, and one timer, set while reads are waiting, cancels
those whose deadline has passed; a read that finishes first just leaves the dict.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# Event loops run a timer up to their clock's resolution early; a deadline that close is due.
CLOCK_TOLERANCE = 0.001


class _LoopDeadlines:
    """The reads waiting on one event loop, and the one timer that watches them."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self.timer: asyncio.TimerHandle | None = None

    def watch(self, task: asyncio.Task[Any], deadline: float) -> None:
        self.waiting[task] = deadline
        if self.timer is None:
            self.timer = self.loop.call_at(deadline, self._sweep)

    def _sweep(self) -> None:
        self.timer = None
        now = self.loop.time() + CLOCK_TOLERANCE
        due = [task for task, deadline in self.waiting.items() if deadline <= now]
        for task in due:
            del self.waiting[task]
            self.expired.add(task)
            task.cancel()
        if self.waiting:
            self.timer = self.loop.call_at(min(self.waiting.values()), self._sweep)


class Deadlines:
    def __init__(self) -> None:
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopDeadlines] = (
            weakref.WeakKeyDictionary()
        )
        self._last: _LoopDeadlines | None = None

    async def within(self, seconds: float, work: Coroutine[Any, Any, T]) -> T | None:
        """What `work` returns, or None when it did not finish within `seconds` (it is then
        cancelled, as asyncio.timeout cancels its body)."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        if task is None:  # not in a task (no one to cancel): no limit can be kept
            return await work
        watched = self._last
        if watched is None or watched.loop is not loop:  # one loop nearly always: no look-up
            watched = self._loops.get(loop)
            if watched is None:
                watched = self._loops[loop] = _LoopDeadlines(loop)
            self._last = watched
        cancelling = task.cancelling()
        watched.watch(task, loop.time() + seconds)
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
