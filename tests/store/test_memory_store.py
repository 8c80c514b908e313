"""What only the memory store promises: the memory it holds per authorization.

The shared suite (test_store_contract.py) judges answers; these tests judge what is kept.
"""

from __future__ import annotations

import gc

import pytest

from frameio_oauth_mock.mockserver.store import CodeRecord, MemoryStore, StoreLimits
from frameio_oauth_mock.mockserver.store.records import grant_id_for_code
from tests.store.test_store_contract import (
    ACCESS_TTL,
    CODE,
    CODE_TTL,
    NOW,
    Minter,
    accept_unused_code,
    grant,
    named_grant,
)

pytestmark = pytest.mark.anyio


async def test_a_code_named_after_its_grant_is_held_as_no_entry_of_its_own() -> None:
    store = MemoryStore(StoreLimits())
    await store.add_code(CodeRecord(CODE, named_grant(), NOW + CODE_TTL), NOW)
    assert store.counts() | {"tokens": 0} == {
        "families": 1,
        "codes": 1,
        "indexed_codes": 0,
        "tokens": 0,
        "pending": 0,
        "sessions": 0,
    }
    await store.redeem_code(CODE, NOW, accept_unused_code, Minter())
    await store.purge(NOW + ACCESS_TTL - 1)  # the code expired: still answered, still no entry
    assert (store.counts()["codes"], store.counts()["indexed_codes"]) == (1, 0)
    assert store.counts()["tokens"] == 2


async def test_a_code_of_a_callers_own_grant_id_is_indexed_until_its_family_goes() -> None:
    store = MemoryStore(StoreLimits())
    await store.add_code(CodeRecord("code-1", grant(), NOW + CODE_TTL), NOW)
    assert store.counts()["indexed_codes"] == 1
    assert grant().id != grant_id_for_code("code-1")
    await store.purge(NOW + CODE_TTL)  # never redeemed: the family and its entry go
    assert (store.counts()["families"], store.counts()["indexed_codes"]) == (0, 0)


async def test_rows_are_out_of_the_garbage_collectors_sight() -> None:
    """A million live authorizations must not be walked by every full collection."""
    store = MemoryStore(StoreLimits())
    for number in range(3):
        code = f"{CODE}{number}"
        await store.add_code(CodeRecord(code, named_grant(code), NOW + CODE_TTL), NOW)
        tokens = await store.redeem_code(code, NOW, accept_unused_code, Minter())
        await store.rotate_refresh(tokens[1].value, NOW, lambda record: None, Minter())
    gc.collect()
    gc.collect()  # a tuple is untracked once the tuples it holds are: the second pass
    rows = list(store._families.values())
    assert len(rows) == 3
    assert not any(gc.is_tracked(row) for row in rows)
