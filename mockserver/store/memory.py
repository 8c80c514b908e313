"""The default store: everything in this process's memory, bounded, gone on restart.

A family (one grant) keeps its code, its current access and refresh token and the last
`max_retired_tokens` tokens it retired, so a refresh costs the same after the 100,000th
rotation as after the first. Expiry is incremental and bounded: deadlines are filed by the
second (see expiry.py) and each write drops at most a few of those that have come due, so no
request pays for a backlog. Lookups never depend on that work: a record whose deadline the
store has seen pass (`_horizon`) reads as gone, exactly as if it had been dropped then.

Memory per live authorization is kept small (about 1 KB): slotted objects, the deadline on
the family, texts every grant repeats (client, user, scopes, redirect URI) shared.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from frameio_oauth_mock.mockserver.store.base import CodeCheck, Issue, TokenCheck
from frameio_oauth_mock.mockserver.store.expiry import DUE_PER_WRITE, ExpiryQueue
from frameio_oauth_mock.mockserver.store.records import (
    CodeRecord,
    CredentialReused,
    Grant,
    PendingAuthorization,
    PkceConsumed,
    Session,
    StoreLimits,
    TokenRecord,
    TokenState,
    family_deadline,
)


class _Family:
    __slots__ = (
        "code",
        "code_expires_at",
        "deadline",
        "grant",
        "live",
        "pkce_consumed",
        "redeemed",
        "retired",
        "revoked",
    )

    def __init__(self, grant: Grant, code: bytes | None, code_expires_at: float) -> None:
        self.grant = grant
        self.code = code
        self.code_expires_at = code_expires_at
        self.deadline = code_expires_at  # when it may be forgotten (see family_deadline)
        self.redeemed = False
        self.pkce_consumed = False
        self.revoked = False
        self.live: tuple[bytes, ...] = ()  # keys of the current access (and refresh) token
        # Oldest first; made at the first rotation (an empty deque alone is ~600 bytes).
        self.retired: deque[bytes] | None = None


class _Token:
    __slots__ = ("expires_at", "family", "issued_at", "kind", "state")

    def __init__(self, family: _Family, record: TokenRecord) -> None:
        self.family = family
        self.kind = record.kind
        self.issued_at = record.issued_at
        self.expires_at = record.expires_at
        self.state = TokenState.ACTIVE


class MemoryStore:
    persistent = False  # nothing to load at start-up

    def __init__(self, limits: StoreLimits | None = None) -> None:
        self.limits = limits or StoreLimits()
        self._lock = threading.RLock()
        self._families: dict[str, _Family] = {}
        # Codes and tokens by key(value): a 16-byte digest is 56 bytes, a Hydra-style value
        # of 94 characters 143 (fosite, too, keeps only a signature of each).
        self._codes: dict[bytes, _Family] = {}
        self._tokens: dict[bytes, _Token] = {}
        self._pending: dict[str, PendingAuthorization] = {}  # insertion order: oldest first
        self._sessions: dict[str, Session] = {}
        # Deadlines of families, pending authorizations and sessions, and the latest `now`
        # expiry has been run at: whatever is due by then is gone, dropped yet or not.
        self._family_expiry = ExpiryQueue()
        self._pending_expiry = ExpiryQueue()
        self._session_expiry = ExpiryQueue()
        self._horizon = float("-inf")
        # One shared copy of each scope tuple grants repeat (bounded: scopes are few).
        self._scope_tuples: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._entries: list[tuple[int, str, dict[str, Any]]] = []
        self._signing_key: str | None = None

    # Records ------------------------------------------------------------------------------
    def _token_record(self, value: str, token: _Token) -> TokenRecord:
        state = token.state
        if state is TokenState.ACTIVE and token.family.revoked:
            state = TokenState.REVOKED
        return TokenRecord(
            value, token.kind, token.family.grant, token.issued_at, token.expires_at, state
        )

    @staticmethod
    def _code_record(value: str, family: _Family) -> CodeRecord:
        return CodeRecord(
            value, family.grant, family.code_expires_at, family.redeemed, family.pkce_consumed
        )

    def _shared(self, grant: Grant) -> Grant:
        """`grant` holding shared copies of the texts every grant of a client repeats."""
        scopes = self._scope_tuples.get(grant.scopes)
        if scopes is None:
            scopes = tuple(map(sys.intern, grant.scopes))
            if len(self._scope_tuples) < 1024:  # requests choose scopes: keep the cache small
                self._scope_tuples[scopes] = scopes
        return replace(
            grant,
            client_id=sys.intern(grant.client_id),
            subject=sys.intern(grant.subject),
            scopes=scopes,
            redirect_uri=_intern(grant.redirect_uri),
            code_challenge_method=_intern(grant.code_challenge_method),
        )

    def _live_family(self, family: _Family | None) -> _Family | None:
        """`family`, unless it is past a deadline expiry has seen (then it is dropped now)."""
        if family is None or family.deadline > self._horizon:
            return family
        self._drop_family(family)
        return None

    def _live_token(self, value: str) -> _Token | None:
        token = self._tokens.get(key(value))
        if token is None or self._live_family(token.family) is None:
            return None
        return token

    def _live_code(self, value: str) -> _Family | None:
        return self._live_family(self._codes.get(key(value)))

    # Codes and tokens -----------------------------------------------------------------------
    async def add_code(self, code: CodeRecord, now: float) -> None:
        with self._lock:
            self._clock_at(now)
            code_key = key(code.value)
            family = _Family(self._shared(code.grant), code_key, code.expires_at)
            self._families[code.grant.id] = family
            self._codes[code_key] = family
            self._family_expiry.add(code.grant.id, family.deadline)
            self._expire(now)

    async def redeem_code(
        self, value: str, now: float, check: CodeCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        with self._lock:
            self._clock_at(now)
            # Looked up as of the last write; expiry catches up after the transition.
            family = self._live_code(value)
            try:
                check(None if family is None else self._code_record(value, family))
            except PkceConsumed as refused:
                assert family is not None
                family.pkce_consumed = True
                raise refused.error from None
            assert family is not None  # check refuses unknown codes
            if family.redeemed:
                raise CredentialReused(family.grant.id)
            tokens = issue(family.grant)
            family.redeemed = True
            self._add_tokens(family, tokens)
            self._expire(now)
            return tokens

    async def rotate_refresh(
        self, value: str, now: float, check: TokenCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        with self._lock:
            self._clock_at(now)
            token = self._live_token(value)
            check(None if token is None else self._token_record(value, token))
            assert token is not None  # check refuses unknown tokens
            family = token.family
            if token.state is not TokenState.ACTIVE or family.revoked:
                raise CredentialReused(family.grant.id)
            tokens = issue(family.grant)
            self._retire(family)
            self._add_tokens(family, tokens)
            self._expire(now)
            return tokens

    def _retire(self, family: _Family) -> None:
        """The family's live tokens are done: the refresh token rotated, the access revoked."""
        if family.retired is None:
            family.retired = deque()
        for token_key in family.live:
            token = self._tokens[token_key]
            token.state = (
                TokenState.ROTATED if token.kind == "refresh_token" else TokenState.REVOKED
            )
            family.retired.append(token_key)
        family.live = ()
        while len(family.retired) > self.limits.max_retired_tokens:
            self._tokens.pop(family.retired.popleft(), None)

    def _add_tokens(self, family: _Family, tokens: Sequence[TokenRecord]) -> None:
        keys = tuple(key(record.value) for record in tokens)
        for token_key, record in zip(keys, tokens, strict=True):
            self._tokens[token_key] = _Token(family, record)
        family.live = keys
        # Only the deadline moves: the queue finds the later one when the earlier comes due.
        family.deadline = family_deadline(list(tokens), family.deadline)

    async def add_grant(self, grant: Grant, tokens: Sequence[TokenRecord], now: float) -> None:
        with self._lock:
            self._clock_at(now)
            family = _Family(self._shared(grant), None, now)
            self._families[grant.id] = family
            self._add_tokens(family, tokens)
            self._family_expiry.add(grant.id, family.deadline)
            self._expire(now)

    async def find_token(self, value: str) -> TokenRecord | None:
        with self._lock:
            token = self._live_token(value)
            return None if token is None else self._token_record(value, token)

    async def find_code(self, value: str) -> CodeRecord | None:
        with self._lock:
            family = self._live_code(value)
            return None if family is None else self._code_record(value, family)

    async def revoke_family(self, grant_id: str, reused: str | None = None) -> None:
        with self._lock:
            family = self._live_family(self._families.get(grant_id))
            if family is not None:
                family.revoked = True
            token = self._tokens.get(key(reused)) if reused else None
            if token is not None and token.family is family:
                token.state = TokenState.REVOKED  # deleted, as Hydra does: now "not valid"

    # Pending authorizations and sessions -----------------------------------------------------
    def _live(self, expires_at: float, now: float) -> bool:
        return now < expires_at and self._horizon < expires_at

    async def add_pending(self, pending: PendingAuthorization, now: float) -> None:
        with self._lock:
            self._clock_at(now)
            self._pending[pending.id] = pending
            self._pending_expiry.add(pending.id, pending.expires_at)
            _drop_oldest(self._pending, self.limits.max_pending_authorizations)
            self._expire(now)

    async def find_pending(self, pending_id: str, now: float) -> PendingAuthorization | None:
        pending = self._pending.get(pending_id)
        return pending if pending is not None and self._live(pending.expires_at, now) else None

    async def log_in_pending(
        self, pending_id: str, subject: str, auth_time: float, session_id: str
    ) -> PendingAuthorization | None:
        with self._lock:
            pending = self._pending.get(pending_id)
            if pending is None or pending.expires_at <= self._horizon:
                return None
            updated = replace(pending, subject=subject, auth_time=auth_time, session_id=session_id)
            self._pending[pending_id] = updated
            return updated

    async def take_pending(self, pending_id: str, now: float) -> PendingAuthorization | None:
        with self._lock:
            pending = self._pending.pop(pending_id, None)
            return pending if pending is not None and self._live(pending.expires_at, now) else None

    async def add_session(self, session: Session, now: float) -> None:
        with self._lock:
            self._clock_at(now)
            self._sessions[session.id] = session
            self._session_expiry.add(session.id, session.expires_at)
            _drop_oldest(self._sessions, self.limits.max_sessions)
            self._expire(now)

    async def find_session(self, session_id: str, now: float) -> Session | None:
        session = self._sessions.get(session_id)
        return session if session is not None and self._live(session.expires_at, now) else None

    async def live_sessions(self, now: float) -> list[Session]:
        return [s for s in list(self._sessions.values()) if self._live(s.expires_at, now)]

    async def end_session(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    # What a restart would keep: held here only for the life of the process ------------------
    async def signing_key(self, make: Callable[[], str]) -> str:
        with self._lock:
            if self._signing_key is None:
                self._signing_key = make()
            return self._signing_key

    async def entries_after(self, number: int) -> list[tuple[int, str, dict[str, Any]]]:
        return [item for item in self._entries[number:]]

    async def add_entry(self, kind: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append((len(self._entries) + 1, kind, dict(entry)))

    # Expiry ------------------------------------------------------------------------------------
    def _expire(self, now: float, budget: int | None = DUE_PER_WRITE) -> None:
        """Drop up to `budget` records of each kind that are due by `now` (None: all)."""
        self._horizon = horizon = max(self._horizon, now)
        for grant_id in self._family_expiry.due(horizon, budget):
            family = self._families.get(grant_id)
            if family is None:
                continue  # dropped already, by a lookup that found it expired
            if family.deadline > horizon:  # extended since it was filed: file it again
                self._family_expiry.add(grant_id, family.deadline)
            else:
                self._drop_family(family)
        for pending_id in self._pending_expiry.due(horizon, budget):
            pending = self._pending.get(pending_id)
            if pending is not None and pending.expires_at <= horizon:
                del self._pending[pending_id]
        for session_id in self._session_expiry.due(horizon, budget):
            session = self._sessions.get(session_id)
            if session is not None and session.expires_at <= horizon:
                del self._sessions[session_id]

    def _clock_at(self, now: float) -> None:
        """Called first by every write: if the clock went back (reset, frozen at an earlier
        time), drop everything the later time made gone, so what is added now lives by `now`."""
        if now < self._horizon:
            self._expire(self._horizon, budget=None)
            self._horizon = now

    def _drop_family(self, family: _Family) -> None:
        del self._families[family.grant.id]
        if family.code is not None:
            self._codes.pop(family.code, None)
        for token_key in (*family.live, *(family.retired or ())):
            self._tokens.pop(token_key, None)

    async def purge(self, now: float) -> None:
        with self._lock:
            self._clock_at(now)
            self._expire(now, budget=None)

    async def clear(self) -> None:
        with self._lock:
            self._families.clear()
            self._codes.clear()
            self._tokens.clear()
            self._pending.clear()
            self._sessions.clear()
            self._family_expiry.clear()
            self._pending_expiry.clear()
            self._session_expiry.clear()
            self._horizon = float("-inf")
            self._entries.clear()

    async def close(self) -> None:
        return None

    # For tests and benchmarks: what it holds ---------------------------------------------------
    def counts(self) -> dict[str, int]:
        with self._lock:
            self._expire(self._horizon, budget=None)  # what is due is gone: count only the rest
            return {
                "families": len(self._families),
                "codes": len(self._codes),
                "tokens": len(self._tokens),
                "pending": len(self._pending),
                "sessions": len(self._sessions),
            }

    def live_token_count(self, now: float) -> int:
        """How many tokens would answer as live at `now` (the store keeps no values to list)."""
        with self._lock:
            self._expire(self._horizon, budget=None)
            return sum(
                1
                for token in self._tokens.values()
                if token.state is TokenState.ACTIVE
                and not token.family.revoked
                and now < token.expires_at
            )

    def end_token(self, value: str) -> bool:
        """Revoke one token only, as the real server may end an access token early."""
        with self._lock:
            token = self._live_token(value)
            if token is None:
                return False
            token.state = TokenState.REVOKED
            return True


def key(value: str) -> bytes:
    """What the store files a code or token under: a 128-bit digest of its value."""
    return hashlib.blake2b(value.encode("utf-8", "surrogateescape"), digest_size=16).digest()


def _intern(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


def _drop_oldest(records: dict[str, Any], cap: int) -> None:
    while len(records) > cap:
        del records[next(iter(records))]
