"""The default store: everything in this process's memory, bounded, gone on restart.

A family (one grant) keeps its code, its current access and refresh token and the last
`max_retired_tokens` tokens it retired, so a refresh costs the same after the 100,000th
rotation as after the first. Expiry is incremental: one heap of deadlines, popped as time
passes, so no write ever scans the whole store.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from frameio_oauth_mock.mockserver.store.base import CodeCheck, Issue, TokenCheck
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
        "grant",
        "live",
        "pkce_consumed",
        "redeemed",
        "retired",
        "revoked",
    )

    def __init__(self, grant: Grant, code: str | None, code_expires_at: float) -> None:
        self.grant = grant
        self.code = code
        self.code_expires_at = code_expires_at
        self.redeemed = False
        self.pkce_consumed = False
        self.revoked = False
        self.live: tuple[str, ...] = ()  # the current access (and refresh) token values
        # Oldest first; made at the first rotation (an empty deque alone is ~600 bytes).
        self.retired: deque[str] | None = None


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
        self._codes: dict[str, _Family] = {}
        self._tokens: dict[str, _Token] = {}
        self._deadlines: dict[str, float] = {}  # family id -> when it may be forgotten
        self._pending: dict[str, PendingAuthorization] = {}  # insertion order: oldest first
        self._sessions: dict[str, Session] = {}
        self._heap: list[tuple[float, int, str, str]] = []  # (due, tie, kind, key)
        self._tie = itertools.count()
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
    def _code_record(family: _Family) -> CodeRecord:
        assert family.code is not None
        return CodeRecord(
            family.code, family.grant, family.code_expires_at, family.redeemed, family.pkce_consumed
        )

    # Codes and tokens -----------------------------------------------------------------------
    async def add_code(self, code: CodeRecord, now: float) -> None:
        with self._lock:
            family = _Family(code.grant, code.value, code.expires_at)
            self._families[code.grant.id] = family
            self._codes[code.value] = family
            self._set_deadline(code.grant.id, code.expires_at)
            self._expire(now)

    async def redeem_code(
        self, value: str, now: float, check: CodeCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        with self._lock:
            family = self._codes.get(value)
            try:
                check(None if family is None else self._code_record(family))
            except PkceConsumed as refused:
                assert family is not None
                family.pkce_consumed = True
                raise refused.error from None
            assert family is not None  # check refuses unknown codes
            if family.redeemed:
                raise CredentialReused(family.grant.id)
            tokens = issue(family.grant)
            family.redeemed = True
            self._add_tokens(family, tokens, now)
            self._expire(now)
            return tokens

    async def rotate_refresh(
        self, value: str, now: float, check: TokenCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        with self._lock:
            token = self._tokens.get(value)
            check(None if token is None else self._token_record(value, token))
            assert token is not None  # check refuses unknown tokens
            family = token.family
            if token.state is not TokenState.ACTIVE or family.revoked:
                raise CredentialReused(family.grant.id)
            tokens = issue(family.grant)
            self._retire(family)
            self._add_tokens(family, tokens, now)
            self._expire(now)
            return tokens

    def _retire(self, family: _Family) -> None:
        """The family's live tokens are done: the refresh token rotated, the access revoked."""
        if family.retired is None:
            family.retired = deque()
        for value in family.live:
            token = self._tokens[value]
            token.state = (
                TokenState.ROTATED if token.kind == "refresh_token" else TokenState.REVOKED
            )
            family.retired.append(value)
        family.live = ()
        while len(family.retired) > self.limits.max_retired_tokens:
            self._tokens.pop(family.retired.popleft(), None)

    def _add_tokens(self, family: _Family, tokens: Sequence[TokenRecord], now: float) -> None:
        for record in tokens:
            self._tokens[record.value] = _Token(family, record)
        family.live = tuple(record.value for record in tokens)
        deadline = family_deadline(list(tokens), self._deadlines.get(family.grant.id, now))
        self._set_deadline(family.grant.id, deadline)

    async def add_grant(self, grant: Grant, tokens: Sequence[TokenRecord], now: float) -> None:
        with self._lock:
            family = _Family(grant, None, now)
            self._families[grant.id] = family
            self._add_tokens(family, tokens, now)
            self._expire(now)

    async def find_token(self, value: str) -> TokenRecord | None:
        token = self._tokens.get(value)
        return None if token is None else self._token_record(value, token)

    async def find_code(self, value: str) -> CodeRecord | None:
        family = self._codes.get(value)
        return None if family is None else self._code_record(family)

    async def revoke_family(self, grant_id: str, reused: str | None = None) -> None:
        with self._lock:
            family = self._families.get(grant_id)
            if family is not None:
                family.revoked = True
            token = self._tokens.get(reused) if reused else None
            if token is not None and token.family is family:
                token.state = TokenState.REVOKED  # deleted, as Hydra does: now "not valid"

    # Pending authorizations and sessions -----------------------------------------------------
    async def add_pending(self, pending: PendingAuthorization, now: float) -> None:
        with self._lock:
            self._pending[pending.id] = pending
            self._push(pending.expires_at, "pending", pending.id)
            _drop_oldest(self._pending, self.limits.max_pending_authorizations)
            self._expire(now)

    async def find_pending(self, pending_id: str, now: float) -> PendingAuthorization | None:
        pending = self._pending.get(pending_id)
        return pending if pending is not None and now < pending.expires_at else None

    async def log_in_pending(
        self, pending_id: str, subject: str, auth_time: float, session_id: str
    ) -> PendingAuthorization | None:
        with self._lock:
            pending = self._pending.get(pending_id)
            if pending is None:
                return None
            updated = replace(pending, subject=subject, auth_time=auth_time, session_id=session_id)
            self._pending[pending_id] = updated
            return updated

    async def take_pending(self, pending_id: str, now: float) -> PendingAuthorization | None:
        with self._lock:
            pending = self._pending.pop(pending_id, None)
            return pending if pending is not None and now < pending.expires_at else None

    async def add_session(self, session: Session, now: float) -> None:
        with self._lock:
            self._sessions[session.id] = session
            self._push(session.expires_at, "session", session.id)
            _drop_oldest(self._sessions, self.limits.max_sessions)
            self._expire(now)

    async def find_session(self, session_id: str, now: float) -> Session | None:
        session = self._sessions.get(session_id)
        return session if session is not None and now < session.expires_at else None

    async def live_sessions(self, now: float) -> list[Session]:
        return [session for session in list(self._sessions.values()) if now < session.expires_at]

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
    def _set_deadline(self, grant_id: str, deadline: float) -> None:
        previous = self._deadlines.get(grant_id)
        self._deadlines[grant_id] = deadline
        if previous is None:  # a later deadline is found when the earlier one comes due
            self._push(deadline, "family", grant_id)

    def _push(self, due: float, kind: str, key: str) -> None:
        heapq.heappush(self._heap, (due, next(self._tie), kind, key))
        live = len(self._families) + len(self._pending) + len(self._sessions)
        if len(self._heap) > 2 * live + 1024:  # entries of what the caps dropped: compact
            self._rebuild_heap()

    def _rebuild_heap(self) -> None:
        heap = [(due, next(self._tie), "family", key) for key, due in self._deadlines.items()]
        heap += [(p.expires_at, next(self._tie), "pending", p.id) for p in self._pending.values()]
        heap += [(s.expires_at, next(self._tie), "session", s.id) for s in self._sessions.values()]
        heapq.heapify(heap)
        self._heap = heap

    def _expire(self, now: float) -> None:
        """Drop what is due by `now`: only the heap's head is looked at."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, _, kind, key = heapq.heappop(heap)
            if kind == "family":
                self._expire_family(key, now)
            elif kind == "pending":
                pending = self._pending.get(key)
                if pending is not None and pending.expires_at <= now:
                    del self._pending[key]
            else:
                session = self._sessions.get(key)
                if session is not None and session.expires_at <= now:
                    del self._sessions[key]

    def _expire_family(self, grant_id: str, now: float) -> None:
        deadline = self._deadlines.get(grant_id)
        if deadline is None:
            return
        if deadline > now:  # it was extended since this entry was pushed
            heapq.heappush(self._heap, (deadline, next(self._tie), "family", grant_id))
            return
        family = self._families.pop(grant_id)
        del self._deadlines[grant_id]
        if family.code is not None:
            self._codes.pop(family.code, None)
        for value in (*family.live, *(family.retired or ())):
            self._tokens.pop(value, None)

    async def purge(self, now: float) -> None:
        with self._lock:
            self._expire(now)

    async def clear(self) -> None:
        with self._lock:
            self._families.clear()
            self._codes.clear()
            self._tokens.clear()
            self._deadlines.clear()
            self._pending.clear()
            self._sessions.clear()
            self._heap = []
            self._entries.clear()

    async def close(self) -> None:
        return None

    # For tests and benchmarks: what it holds ---------------------------------------------------
    def counts(self) -> dict[str, int]:
        return {
            "families": len(self._families),
            "codes": len(self._codes),
            "tokens": len(self._tokens),
            "pending": len(self._pending),
            "sessions": len(self._sessions),
        }

    def token_values(self) -> list[str]:
        return list(self._tokens)

    def end_token(self, value: str) -> bool:
        """Revoke one token only, as the real server may end an access token early."""
        with self._lock:
            token = self._tokens.get(value)
            if token is None:
                return False
            token.state = TokenState.REVOKED
            return True


def _drop_oldest(records: dict[str, Any], cap: int) -> None:
    while len(records) > cap:
        del records[next(iter(records))]
