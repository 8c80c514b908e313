"""The only source of "now" in the mock: real time by default, frozen or shifted in tests."""

from __future__ import annotations

import threading
import time


class Clock:
    """Wall-clock seconds since the epoch, with an offset and an optional freeze.

    Everything that expires (codes, tokens, sessions) asks this clock, so advancing it
    moves all of them together, and `expires_in` follows.
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._frozen_at: float | None = None
        self._lock = threading.Lock()

    def now(self) -> float:
        frozen = self._frozen_at
        if frozen is not None:
            return frozen
        return time.time() + self._offset

    def freeze(self, at: float | None = None) -> None:
        """Stop time at `at` (default: the current time)."""
        with self._lock:
            self._frozen_at = self.now() if at is None else at

    def unfreeze(self) -> None:
        """Let time run again from where it stands now."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None

    def snapshot(self) -> tuple[float, float | None]:
        """Its state (offset, frozen_at), for a shared store to pass to other instances."""
        with self._lock:
            return self._offset, self._frozen_at

    def restore(self, offset: float, frozen_at: float | None) -> None:
        with self._lock:
            self._offset, self._frozen_at = offset, frozen_at

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None
