"""The `store` fixture: each test of the shared suite runs once per store kind (memory,
SQLite in a temporary file, Redis on a real redis-server)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from frameio_oauth_mock.mockserver.store import MemoryStore, Store, StoreLimits
from tests.store.redis_support import RedisServer

# Small bounds, so the suite reaches every cap quickly.
LIMITS = StoreLimits(max_retired_tokens=4, max_pending_authorizations=3, max_sessions=3)
_PREFIXES = itertools.count(1)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened: Store
    if request.param == "memory":
        opened = MemoryStore(LIMITS)
    elif request.param == "sqlite":
        from frameio_oauth_mock.mockserver.store.sqlite import SQLiteStore

        opened = SQLiteStore(tmp_path / "store.db", LIMITS)
    else:
        import redis.asyncio as aioredis

        from frameio_oauth_mock.mockserver.store.redis import RedisStore

        server: RedisServer = request.getfixturevalue("redis_server")
        client = aioredis.Redis.from_url(server.url, decode_responses=True)
        # A prefix of its own per test: tests never see each other's keys.
        opened = RedisStore(client, LIMITS, prefix=f"test-{next(_PREFIXES)}:")
    try:
        yield opened
    finally:
        await opened.close()
