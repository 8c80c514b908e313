"""The `store` fixture: each test of the shared suite runs once per store kind."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from frameio_oauth_mock.mockserver.store import MemoryStore, Store, StoreLimits

# Small bounds, so the suite reaches every cap quickly.
LIMITS = StoreLimits(max_retired_tokens=4, max_pending_authorizations=3, max_sessions=3)


@pytest.fixture(params=["memory"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    opened: Store = MemoryStore(LIMITS)
    try:
        yield opened
    finally:
        await opened.close()
