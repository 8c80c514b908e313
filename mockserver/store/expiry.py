"""Deadlines by the second, handed out a few at a time: expiry without pauses.

The memory store files each key under the whole second its deadline falls in (rounded up)
and, on each write, takes at most a small budget of keys that have come due. When the mock's
clock jumps an hour, the hundreds of thousands of deadlines it passed are worked off over
the next requests instead of in one, so no request pays for all of them. The store never
relies on this for correctness: every lookup checks its record's deadline itself.

A key costs one list slot (8 bytes) here; a heap of (deadline, tie, kind, key) tuples cost
about 130 bytes per entry.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator

# Keys handed out per write: enough to keep up with any arrival rate (each write files at
# most a few keys), small enough that no request is held up by a backlog.
DUE_PER_WRITE = 64


class ExpiryQueue:
    __slots__ = ("_buckets", "_seconds", "next_due")

    def __init__(self) -> None:
        self._buckets: dict[int, list[str]] = {}  # second -> keys due by then
        self._seconds: list[int] = []  # a heap of the buckets' seconds
        # The earliest bucket's second (inf when empty): every write compares `now` with it,
        # an attribute read where a call would cost more than the comparison.
        self.next_due: float = math.inf

    def add(self, key: str, deadline: float) -> None:
        second = math.ceil(deadline)
        bucket = self._buckets.get(second)
        if bucket is None:
            self._buckets[second] = bucket = []
            heapq.heappush(self._seconds, second)
            if second < self.next_due:
                self.next_due = second
        bucket.append(key)

    def due(self, now: float, budget: int | None = DUE_PER_WRITE) -> Iterator[str]:
        """Keys whose deadline is <= `now`, at most `budget` of them (None: all). Each is
        handed out once; the caller checks it is still due (a deadline may have moved)."""
        seconds, buckets = self._seconds, self._buckets
        left = budget
        while seconds and seconds[0] <= now:
            bucket = buckets[seconds[0]]
            while bucket:
                if left is not None:
                    if left <= 0:
                        return
                    left -= 1
                yield bucket.pop()
            del buckets[heapq.heappop(seconds)]
            self.next_due = seconds[0] if seconds else math.inf

    def clear(self) -> None:
        self._buckets.clear()
        self._seconds.clear()
        self.next_due = math.inf

    def __len__(self) -> int:
        return sum(map(len, self._buckets.values()))
