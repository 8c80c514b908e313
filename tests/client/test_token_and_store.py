"""Token (lenient reading, serialisation) and the token stores (atomic, 0600)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from frameio_oauth_mock.client import (
    FileTokenStore,
    InvalidResponseError,
    MemoryTokenStore,
    Token,
    TokenStore,
    TokenStoreError,
)

NOW = 1_700_000_000.0
FULL = Token(
    access_token="ory_at_a",
    refresh_token="ory_rt_r",
    scope="account.read offline",
    expires_at=NOW + 3600,
    token_type="bearer",
    id_token="h.p.s",
)


def test_a_frameio_response_becomes_a_token() -> None:
    body = {
        "access_token": "ory_at_a",
        "expires_in": 3600,
        "refresh_token": "ory_rt_r",
        "scope": "account.read offline",
        "token_type": "bearer",
        "id_token": "h.p.s",
    }
    assert Token.from_response(body, NOW) == FULL
    assert FULL.scopes == ("account.read", "offline")
    assert FULL.expires_in(NOW + 600) == 3000
    assert FULL.authorization == "Bearer ory_at_a"


def test_reading_is_lenient_where_rfc_6749_allows() -> None:
    token = Token.from_response(
        {"access_token": "at", "token_type": "BeArEr", "unknown": {"x": 1}, "expires_in": "60"},
        NOW,
        requested_scope="account.read",
    )
    assert token.token_type == "BeArEr"
    assert token.expires_at == NOW + 60
    assert token.scope == "account.read"  # no scope in the answer: the requested one
    assert token.refresh_token is None
    no_expiry = Token.from_response({"access_token": "at", "token_type": "bearer"}, NOW)
    assert no_expiry.expires_at is None
    assert not no_expiry.is_expired(NOW + 10**9)


@pytest.mark.parametrize(
    "body", [{}, {"access_token": ""}, {"access_token": "at", "token_type": "mac"}]
)
def test_unusable_responses_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(InvalidResponseError):
        Token.from_response(body, NOW)


def test_expiry_with_leeway() -> None:
    assert not FULL.is_expired(NOW)
    assert FULL.is_expired(NOW + 3590, leeway=60)
    assert FULL.is_expired(NOW + 3600)


def test_round_trips_through_dict_and_json() -> None:
    assert Token.from_dict(FULL.to_dict()) == FULL
    assert Token.from_json(FULL.to_json()) == FULL
    minimal = Token.from_dict({"access_token": "at", "future_field": True})
    assert minimal == Token(access_token="at")
    with pytest.raises(TokenStoreError):
        Token.from_dict({"refresh_token": "rt"})
    with pytest.raises(TokenStoreError):
        Token.from_json("[1, 2]")
    with pytest.raises(TokenStoreError):
        Token.from_dict({"access_token": "at", "expires_at": "tomorrow"})


def test_repr_shows_no_secret() -> None:
    text = repr(FULL)
    assert "ory_at_a" not in text and "ory_rt_r" not in text and "h.p.s" not in text
    assert "account.read offline" in text


def test_successor_keeps_the_old_refresh_token_only_when_none_came() -> None:
    assert FULL.successor(Token(access_token="new")).refresh_token == "ory_rt_r"
    rotated = FULL.successor(Token(access_token="new", refresh_token="ory_rt_2"))
    assert rotated.refresh_token == "ory_rt_2"
    assert rotated.scope == FULL.scope


@pytest.mark.parametrize("store", [MemoryTokenStore(), FileTokenStore("/nonexistent/x")])
def test_both_stores_follow_the_protocol(store: TokenStore) -> None:
    assert isinstance(store, TokenStore)


def test_memory_store() -> None:
    store = MemoryTokenStore()
    assert store.load() is None
    store.save(FULL)
    assert store.load() == FULL
    store.clear()
    assert store.load() is None


def test_file_store_round_trip_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "token.json"
    store = FileTokenStore(path)
    assert store.load() is None
    store.save(FULL)
    assert store.load() == FULL
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    store.save(Token(access_token="second"))
    assert FileTokenStore(path).load() == Token(access_token="second")
    assert sorted(p.name for p in path.parent.iterdir()) == ["token.json"]  # no temp files left
    store.clear()
    assert not path.exists()
    store.clear()  # clearing twice is fine


def test_an_existing_readable_file_becomes_0600(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("{}")
    path.chmod(0o644)
    FileTokenStore(path).save(FULL)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_store_writes_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "token.json"
    store = FileTokenStore(path)
    store.save(FULL)

    def crash(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(TokenStoreError, match="disk full"):
        store.save(Token(access_token="never-written"))
    assert FileTokenStore(path).load() == FULL  # the old token is intact
    assert [p.name for p in tmp_path.iterdir()] == ["token.json"]


def test_a_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("{not json")
    with pytest.raises(TokenStoreError, match=r"token\.json"):
        FileTokenStore(path).load()
