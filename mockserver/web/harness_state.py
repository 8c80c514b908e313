"""What the test harness holds besides the OAuth state: scripted faults and the request log.

They belong to the web layer (the middleware applies faults and records requests; the
engine knows neither). `HarnessState` keeps them in this process; a shared store (Redis)
provides a subclass that keeps them, and the clock, where every instance sees them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.faults import Fault, FaultList
from frameio_oauth_mock.mockserver.requestlog import (
    DEFAULT_BYTE_CAPACITY,
    DEFAULT_CAPACITY,
    LoggedRequest,
    RawRequest,
    RequestLog,
)


class HarnessState:
    def __init__(
        self, log_entries: int = DEFAULT_CAPACITY, log_bytes: int = DEFAULT_BYTE_CAPACITY
    ) -> None:
        self.faults = FaultList()
        self.log = RequestLog(capacity=log_entries, max_bytes=log_bytes)

    # Faults ---------------------------------------------------------------------------------
    def may_fire(self, endpoint: str, tampering: bool = False) -> bool:
        """False when no rule can fire at `endpoint`: then the middleware need not work out
        who is calling (client_id, grant_type) to ask `firing`. One dictionary look-up."""
        return self.faults.may_fire(endpoint, tampering)

    async def firing(
        self, endpoint: str, client_id: str | None, grant_type: str | None, tampering: bool
    ) -> Fault | None:
        return self.faults.firing(endpoint, client_id, grant_type, tampering)

    async def add_fault(self, data: Mapping[str, Any]) -> Fault:
        return self.faults.add_from_mapping(data)

    async def all_faults(self) -> list[Fault]:
        return list(self.faults)

    async def remove_fault(self, fault_id: int) -> bool:
        return self.faults.remove(fault_id)

    async def clear_faults(self) -> None:
        self.faults.clear()

    # Request log ----------------------------------------------------------------------------
    async def record(self, entry: LoggedRequest | RawRequest) -> None:
        self.log.append(entry)

    async def requests(self, **criteria: Any) -> list[LoggedRequest]:
        return self.log.filter(**criteria)

    async def clear_requests(self) -> None:
        self.log.clear()

    # The clock (kept by the engine; a shared harness shares it) -------------------------------
    async def load_clock(self, clock: Clock) -> None:
        """Bring `clock` up to date before a request (nothing to do in one process)."""

    async def save_clock(self, clock: Clock) -> None:
        """Publish a change made to `clock` (nothing to do in one process)."""

    async def reset(self) -> None:
        """No faults, an empty log; fault and log ids start at 1 again."""
        self.faults = FaultList()
        self.log = RequestLog(capacity=self.log.capacity, max_bytes=self.log.max_bytes)
