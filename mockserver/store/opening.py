"""The store a `[server] store` URL names: memory, sqlite:///path or redis://host:port/db."""

from __future__ import annotations

from frameio_oauth_mock.mockserver.store.base import Store
from frameio_oauth_mock.mockserver.store.memory import MemoryStore
from frameio_oauth_mock.mockserver.store.records import StoreLimits


class StoreUnavailable(Exception):
    """The store cannot be opened; the message is meant for the user."""


def open_store(url: str, limits: StoreLimits) -> Store:
    if url == "memory":
        return MemoryStore(limits)
    if url.startswith("sqlite:"):
        import sqlite3

        from frameio_oauth_mock.mockserver.store.sqlite import SQLiteStore

        try:
            return SQLiteStore.from_url(url, limits)
        except sqlite3.Error as error:
            raise StoreUnavailable(f"cannot open store {url!r}: {error}") from None
    try:
        from frameio_oauth_mock.mockserver.store.redis import RedisStore
    except ImportError:
        raise StoreUnavailable(
            "the redis store needs the 'redis' package: "
            "pip install redis (or '.[redis]' in the clone)"
        ) from None
    return RedisStore.from_url(url, limits)
