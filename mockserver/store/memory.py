"""The default store: everything in this process's memory, bounded, gone on restart.

A family (one grant) keeps its code, its current access and refresh token and the last
`max_retired_tokens` tokens it retired, so a refresh costs the same after the 100,000th
rotation as after the first. Expiry is incremental and bounded: deadlines are filed by the
second (see expiry.py) and each write drops at most a few of those that have come due, so no
request pays for a backlog. Lookups never depend on that work: a record whose deadline the
store has seen pass (`_horizon`) reads as gone, exactly as if it had been dropped then.

Families and tokens are rows of plain values (see compact.py), filed under a digest of their
code or token: about 800 bytes per live authorization, and nothing the garbage collector
has to walk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from frameio_oauth_mock.mockserver.store.base import CodeCheck, Issue, TokenCheck
from frameio_oauth_mock.mockserver.store.compact import (
    PKCE_CONSUMED,
    REDEEMED,
    REVOKED,
    STATES,
    FamilyRow,
    TokenRow,
    grant_of,
    grant_row,
    key,
)
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

_ACTIVE = TokenState.ACTIVE.value


class MemoryStore:
    persistent = False  # nothing to load at start-up

    def __init__(self, limits: StoreLimits | None = None) -> None:
        self.limits = limits or StoreLimits()
        self._lock = threading.RLock()
        # Rows are stored as plain tuples (tuple(FamilyRow(...))): see compact.py.
        self._families: dict[str, tuple[Any, ...]] = {}  # grant id -> FamilyRow
        self._codes: dict[bytes, str] = {}  # key(code) -> grant id
        self._tokens: dict[bytes, tuple[Any, ...]] = {}  # key(token) -> TokenRow
        self._pending: dict[str, PendingAuthorization] = {}  # insertion order: oldest first
        self._sessions: dict[str, Session] = {}
        # Deadlines of families, pending authorizations and sessions, and the latest `now`
        # expiry has been run at: whatever is due by then is gone, dropped yet or not.
        self._family_expiry = ExpiryQueue()
        self._pending_expiry = ExpiryQueue()
        self._session_expiry = ExpiryQueue()
        self._horizon = float("-inf")
        self._scope_tuples: dict[tuple[str, ...], tuple[str, ...]] = {}  # see grant_row
        self._entries: list[tuple[int, str, dict[str, Any]]] = []
        self._signing_key: str | None = None

    # Rows ---------------------------------------------------------------------------------
    def _family(self, grant_id: str | None) -> FamilyRow | None:
        """The live family, unless it is past a deadline expiry has seen (then it is dropped
        now, as eager expiry would have dropped it)."""
        row = self._families.get(grant_id) if grant_id is not None else None
        if row is None:
            return None
        family = FamilyRow._make(row)
        if family.deadline > self._horizon:
            return family
        self._drop_family(family)
        return None

    def _file(self, family: FamilyRow) -> None:
        self._families[family.grant_id] = tuple(family)

    def _token(self, token_key: bytes) -> tuple[TokenRow, FamilyRow] | None:
        row = self._tokens.get(token_key)
        if row is None:
            return None
        token = TokenRow._make(row)
        family = self._family(token.grant_id)
        return None if family is None else (token, family)

    @staticmethod
    def _token_record(value: str, token: TokenRow, family: FamilyRow) -> TokenRecord:
        state = STATES[token.state]
        if state is TokenState.ACTIVE and family.flags & REVOKED:
            state = TokenState.REVOKED
        grant = grant_of(family.grant)
        return TokenRecord(value, token.kind, grant, token.issued_at, token.expires_at, state)

    @staticmethod
    def _code_record(value: str, family: FamilyRow) -> CodeRecord:
        return CodeRecord(
            value,
            grant_of(family.grant),
            family.code_expires_at,
            bool(family.flags & REDEEMED),
            bool(family.flags & PKCE_CONSUMED),
        )

    def _set_state(self, token_key: bytes, state: TokenState) -> None:
        row = self._tokens.get(token_key)
        if row is not None:
            self._tokens[token_key] = tuple(TokenRow._make(row)._replace(state=state.value))

    # Codes and tokens -----------------------------------------------------------------------
    async def add_code(self, code: CodeRecord, now: float) -> None:
        with self._lock:
            self._clock_at(now)
            code_key = key(code.value)
            grant = grant_row(code.grant, self._scope_tuples)
            self._file(FamilyRow(grant, code_key, code.expires_at, code.expires_at, 0, (), ()))
            self._codes[code_key] = code.grant.id
            self._family_expiry.add(code.grant.id, code.expires_at)
            self._expire(now)

    async def redeem_code(
        self, value: str, now: float, check: CodeCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        with self._lock:
            self._clock_at(now)
            # Looked up as of the last write; expiry catches up after the transition.
            family = self._family(self._codes.get(key(value)))
            try:
                check(None if family is None else self._code_record(value, family))
            except PkceConsumed as refused:
                assert family is not None
                self._file(family._replace(flags=family.flags | PKCE_CONSUMED))
                raise refused.error from None
            assert family is not None  # check refuses unknown codes
            if family.flags & REDEEMED:
                raise CredentialReused(family.grant_id)
            tokens = issue(grant_of(family.grant))
            family = family._replace(flags=family.flags | REDEEMED)
            self._file(self._add_tokens(family, tokens))
            self._expire(now)
            return tokens

    async def rotate_refresh(
        self, value: str, now: float, check: TokenCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        with self._lock:
            self._clock_at(now)
            found = self._token(key(value))
            check(None if found is None else self._token_record(value, *found))
            assert found is not None  # check refuses unknown tokens
            token, family = found
            if token.state != _ACTIVE or family.flags & REVOKED:
                raise CredentialReused(token.grant_id)
            tokens = issue(grant_of(family.grant))
            self._file(self._add_tokens(self._retire(family), tokens))
            self._expire(now)
            return tokens

    def _retire(self, family: FamilyRow) -> FamilyRow:
        """The family's live tokens are done: the refresh token rotated, the access revoked."""
        for token_key in family.live:
            kind = self._tokens[token_key][1]
            rotated = kind == "refresh_token"
            self._set_state(token_key, TokenState.ROTATED if rotated else TokenState.REVOKED)
        retired = family.retired + family.live
        cap = self.limits.max_retired_tokens
        for token_key in retired[: max(0, len(retired) - cap)]:
            self._tokens.pop(token_key, None)
        return family._replace(live=(), retired=retired[-cap:] if cap else ())

    def _add_tokens(self, family: FamilyRow, tokens: Sequence[TokenRecord]) -> FamilyRow:
        grant_id = family.grant_id
        keys = tuple(key(record.value) for record in tokens)
        for token_key, record in zip(keys, tokens, strict=True):
            self._tokens[token_key] = (
                grant_id,
                record.kind,
                record.issued_at,
                record.expires_at,
                _ACTIVE,
            )
        # Only the deadline moves: the queue finds the later one when the earlier comes due.
        deadline = family_deadline(list(tokens), family.deadline)
        return family._replace(live=keys, deadline=deadline)

    async def add_grant(self, grant: Grant, tokens: Sequence[TokenRecord], now: float) -> None:
        with self._lock:
            self._clock_at(now)
            family = FamilyRow(grant_row(grant, self._scope_tuples), None, now, now, 0, (), ())
            family = self._add_tokens(family, tokens)
            self._file(family)
            self._family_expiry.add(grant.id, family.deadline)
            self._expire(now)

    async def find_token(self, value: str) -> TokenRecord | None:
        with self._lock:
            found = self._token(key(value))
            return None if found is None else self._token_record(value, *found)

    async def find_code(self, value: str) -> CodeRecord | None:
        with self._lock:
            family = self._family(self._codes.get(key(value)))
            return None if family is None else self._code_record(value, family)

    async def revoke_family(self, grant_id: str, reused: str | None = None) -> None:
        with self._lock:
            family = self._family(grant_id)
            if family is None:
                return
            self._file(family._replace(flags=family.flags | REVOKED))
            if reused:
                reused_key = key(reused)
                row = self._tokens.get(reused_key)
                if row is not None and row[0] == grant_id:
                    # Deleted, as Hydra does: now "not valid".
                    self._set_state(reused_key, TokenState.REVOKED)

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
            row = self._families.get(grant_id)
            if row is None:
                continue  # dropped already, by a lookup that found it expired
            family = FamilyRow._make(row)
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

    def _drop_family(self, family: FamilyRow) -> None:
        del self._families[family.grant_id]
        if family.code is not None:
            self._codes.pop(family.code, None)
        for token_key in (*family.live, *family.retired):
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
            revoked = {gid for gid, row in self._families.items() if row[4] & REVOKED}
            return sum(
                1
                for grant_id, _, _, expires_at, state in self._tokens.values()
                if state == _ACTIVE and grant_id not in revoked and now < expires_at
            )

    def end_token(self, value: str) -> bool:
        """Revoke one token only, as the real server may end an access token early."""
        with self._lock:
            token_key = key(value)
            if self._token(token_key) is None:
                return False
            self._set_state(token_key, TokenState.REVOKED)
            return True


def _drop_oldest(records: dict[str, Any], cap: int) -> None:
    while len(records) > cap:
        del records[next(iter(records))]
