"""Fixed-window call counting, as Frame.io's V4 API limits each user ("100 calls per 1.00
minute(s) per account_user"), on the mock's clock so tests can move past a window."""

# Annotations are evaluated here (no `from __future__ import annotations`): typing.NamedTuple
# compiles every string annotation, which every start-up would pay.

import threading
from typing import NamedTuple


class RateDecision(NamedTuple):
    """Whether one request is within its rate limit, and the figures for its headers.

    A named tuple: this module loads at every start-up, where a frozen dataclass would cost
    half a millisecond to create."""

    allowed: bool
    limit: int
    remaining: int
    window_ms: int
    # Seconds until the current window ends (what a refused caller should wait).
    resets_in: float

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-window": str(self.window_ms),
        }


class RateLimiter:
    """Counts calls per key in windows of `window` seconds that start at a key's first call."""

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window start, calls)
        self._lock = threading.Lock()

    def take(self, key: str, limit: int, now: float) -> RateDecision:
        """Count one call for `key`; refused (not counted) once `limit` calls fill the window."""
        with self._lock:
            start, calls = self._windows.get(key, (now, 0))
            if not start <= now < start + self.window:  # expired, or the clock went back
                start, calls = now, 0
            allowed = calls < limit
            if allowed:
                calls += 1
            self._windows[key] = (start, calls)
        return RateDecision(
            allowed=allowed,
            limit=limit,
            remaining=limit - calls,
            window_ms=int(self.window * 1000),
            resets_in=start + self.window - now,
        )

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()
