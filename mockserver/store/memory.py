"""The default store: everything in this process's memory, bounded, gone on restart.

A family (one grant) keeps its code's state, its current access and refresh token and the
last `max_retired_tokens` tokens it retired, so a refresh costs the same after the 100,000th
rotation as after the first. Expiry is incremental and bounded: deadlines are filed by the
second (see expiry.py) and each write drops at most a few of those that have come due, so no
request pays for a backlog. Lookups never depend on that work: a record whose deadline the
store has seen pass (`_horizon`) reads as gone, exactly as if it had been dropped then.

A family and its tokens are one row of plain values (see compact.py), tokens filed under a
digest of their value, nothing the garbage collector has to walk. A code is not held at
all when its grant is named after it (`grant_id_for_code`, as the engine names every grant
it issues a code for): the family's row says whether its code was redeemed, and a code
presented again, even long after it expired, leads to its family through its digest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from frameio_oauth_mock.mockserver.store.base import CodeCheck, Issue, TokenCheck
from frameio_oauth_mock.mockserver.store.compact import (
    ACTIVE,
    CODE_EXPIRES_AT,
    DEADLINE,
    EXPIRES_AT,
    FLAGS,
    GRANT_SIZE,
    HAS_CODE,
    ISSUED_AT,
    KIND,
    LIVE,
    PKCE_CONSUMED,
    REDEEMED,
    RETIRED,
    REVOKED,
    STATE,
    STATES,
    TOKEN_WIDTH,
    grant_of,
    grant_row,
    key,
)
from frameio_oauth_mock.mockserver.store.expiry import DUE_PER_WRITE, ExpiryQueue
from frameio_oauth_mock.mockserver.store.records import (
    EXPIRED_REFRESH_RETENTION,
    CodeRecord,
    CredentialReused,
    Grant,
    PendingAuthorization,
    PkceConsumed,
    Session,
    StoreLimits,
    TokenRecord,
    TokenState,
    grant_id_for_code,
)

Row = tuple[Any, ...]
_ROTATED = TokenState.ROTATED.value
_REVOKED = TokenState.REVOKED.value
# Where a token was found: its family's row, the tuple holding its values (the row itself
# for a live token, the row's retired tuple otherwise) and the index of its key there.
Found = tuple[Row, Row, int]


class MemoryStore:
    persistent = False  # nothing to load at start-up

    def __init__(self, limits: StoreLimits | None = None) -> None:
        self.limits = limits or StoreLimits()
        self._lock = threading.RLock()
        self._families: dict[str, Row] = {}  # grant id -> family row (compact.py)
        self._tokens: dict[int, str] = {}  # key(token) -> its family's grant id
        # Codes whose grant is not named after them (a caller's own grant ids): key(code)
        # -> grant id, and the way back, so dropping the family drops the entry.
        self._codes: dict[int, str] = {}
        self._code_keys: dict[str, int] = {}
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
    def _family(self, grant_id: str | None) -> Row | None:
        """The live family, unless it is past a deadline expiry has seen (then it is dropped
        now, as eager expiry would have dropped it)."""
        row = self._families.get(grant_id) if grant_id is not None else None
        if row is None:
            return None
        if row[DEADLINE] > self._horizon:
            return row
        self._drop_family(row)
        return None

    def _code_family(self, value: str) -> Row | None:
        """The live family code `value` was issued for."""
        grant_id = self._codes.get(key(value)) if self._codes else None
        row = self._family(grant_id_for_code(value) if grant_id is None else grant_id)
        return row if row is not None and row[FLAGS] & HAS_CODE else None

    def _find(self, token_key: int) -> Found | None:
        grant_id = self._tokens.get(token_key)
        if grant_id is None:
            return None
        row = self._family(grant_id)
        if row is None:
            return None
        try:
            return row, row, row.index(token_key, LIVE)
        except ValueError:
            pass
        retired: Row = row[RETIRED]
        try:
            return row, retired, retired.index(token_key)
        except ValueError:  # its family was filed again under the same id without it
            del self._tokens[token_key]
            return None

    @staticmethod
    def _token_record(value: str, found: Found, grant: Grant | None = None) -> TokenRecord:
        row, held, at = found
        state = STATES[held[at + STATE]]
        if state is TokenState.ACTIVE and row[FLAGS] & REVOKED:
            state = TokenState.REVOKED
        return TokenRecord(
            value,
            held[at + KIND],
            grant or grant_of(row),
            held[at + ISSUED_AT],
            held[at + EXPIRES_AT],
            state,
        )

    @staticmethod
    def _code_record(value: str, row: Row, grant: Grant) -> CodeRecord:
        flags = row[FLAGS]
        return CodeRecord(
            value,
            grant,
            row[CODE_EXPIRES_AT],
            bool(flags & REDEEMED),
            bool(flags & PKCE_CONSUMED),
        )

    def _file(self, row: Row) -> None:
        self._families[row[0]] = row

    @staticmethod
    def _with_flags(row: Row, flags: int) -> Row:
        return (*row[:FLAGS], flags, *row[RETIRED:])

    @staticmethod
    def _with_state(found: Found, state: str) -> Row:
        """The family's row with the found token's state changed."""
        row, held, at = found
        where = at + STATE
        changed = (*held[:where], state, *held[where + 1 :])
        if held is row:
            return changed
        return (*row[:RETIRED], changed, *row[LIVE:])

    # Codes and tokens -----------------------------------------------------------------------
    async def add_code(self, code: CodeRecord, now: float) -> None:
        with self._lock:
            self._clock_at(now)
            grant_id = code.grant.id
            if grant_id != grant_id_for_code(code.value):  # not traceable from the code
                code_key = key(code.value)
                self._codes[code_key] = grant_id
                self._code_keys[grant_id] = code_key
            expires_at = code.expires_at
            self._file(
                (*grant_row(code.grant, self._scope_tuples), expires_at, expires_at, HAS_CODE, ())
            )
            self._family_expiry.add(grant_id, expires_at)
            self._expire(now)

    async def redeem_code(
        self, value: str, now: float, check: CodeCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        with self._lock:
            self._clock_at(now)
            # Looked up as of the last write; expiry catches up after the transition.
            row = self._code_family(value)
            grant = None if row is None else grant_of(row)
            try:
                check(
                    None if row is None or grant is None else self._code_record(value, row, grant)
                )
            except PkceConsumed as refused:
                assert row is not None
                self._file(self._with_flags(row, row[FLAGS] | PKCE_CONSUMED))
                raise refused.error from None
            assert row is not None and grant is not None  # check refuses unknown codes
            flags = row[FLAGS]
            if flags & REDEEMED:
                raise CredentialReused(row[0])
            tokens = issue(grant)
            self._file(self._with_tokens(row, flags | REDEEMED, row[RETIRED], tokens))
            self._expire(now)
            return tokens

    async def rotate_refresh(
        self, value: str, now: float, check: TokenCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        with self._lock:
            self._clock_at(now)
            found = self._find(key(value))
            if found is None:
                check(None)
                raise AssertionError("check refuses unknown tokens")
            row, held, at = found
            grant = grant_of(row)
            check(self._token_record(value, found, grant))
            if held[at + STATE] != ACTIVE or row[FLAGS] & REVOKED:
                raise CredentialReused(row[0])
            tokens = issue(grant)
            self._file(self._with_tokens(row, row[FLAGS], self._retire(row), tokens))
            self._expire(now)
            return tokens

    def _retire(self, row: Row) -> Row:
        """The retired tuple once the family's live tokens are done: the refresh token
        rotated, the access token revoked; only the newest max_retired_tokens are kept."""
        retired = list(row[RETIRED])
        for at in range(LIVE, len(row), TOKEN_WIDTH):
            token_key, kind, issued_at, expires_at, _ = row[at : at + TOKEN_WIDTH]
            state = _ROTATED if kind == "refresh_token" else _REVOKED
            retired += (token_key, kind, issued_at, expires_at, state)
        excess = len(retired) - self.limits.max_retired_tokens * TOKEN_WIDTH
        if excess > 0:
            for token_key in retired[:excess:TOKEN_WIDTH]:
                self._tokens.pop(token_key, None)
            del retired[:excess]
        return tuple(retired)

    def _with_tokens(
        self, row: Row, flags: int, retired: Row, tokens: Sequence[TokenRecord]
    ) -> Row:
        """The family's row with `tokens` as its live ones, each filed under its key."""
        grant_id = row[0]
        deadline = row[DEADLINE]
        live: list[Any] = []
        for record in tokens:
            token_key = key(record.value)
            self._tokens[token_key] = grant_id
            expires_at = record.expires_at
            live += (token_key, record.kind, record.issued_at, expires_at, ACTIVE)
            # As family_deadline: each token's expiry, plus the expired refresh retention.
            if record.kind == "refresh_token":
                expires_at += EXPIRED_REFRESH_RETENTION
            if expires_at > deadline:
                # Only the deadline moves: the queue finds it when the earlier comes due.
                deadline = expires_at
        return (*row[:GRANT_SIZE], row[CODE_EXPIRES_AT], deadline, flags, retired, *live)

    async def add_grant(self, grant: Grant, tokens: Sequence[TokenRecord], now: float) -> None:
        with self._lock:
            self._clock_at(now)
            row = (*grant_row(grant, self._scope_tuples), None, now, 0, ())
            row = self._with_tokens(row, 0, (), tokens)
            self._file(row)
            self._family_expiry.add(grant.id, row[DEADLINE])
            self._expire(now)

    async def find_token(self, value: str) -> TokenRecord | None:
        with self._lock:
            found = self._find(key(value))
            return None if found is None else self._token_record(value, found)

    async def find_code(self, value: str) -> CodeRecord | None:
        with self._lock:
            row = self._code_family(value)
            return None if row is None else self._code_record(value, row, grant_of(row))

    async def revoke_family(self, grant_id: str, reused: str | None = None) -> None:
        with self._lock:
            row = self._family(grant_id)
            if row is None:
                return
            self._file(self._with_flags(row, row[FLAGS] | REVOKED))
            if reused:
                found = self._find(key(reused))
                if found is not None and found[0][0] == grant_id:
                    # Deleted, as Hydra does: now "not valid".
                    self._file(self._with_state(found, _REVOKED))

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
        if now > self._horizon:
            self._horizon = now
        horizon = self._horizon
        if horizon >= self._family_expiry.next_due:
            for grant_id in self._family_expiry.due(horizon, budget):
                row = self._families.get(grant_id)
                if row is None:
                    continue  # dropped already, by a lookup that found it expired
                if row[DEADLINE] > horizon:  # extended since it was filed: file it again
                    self._family_expiry.add(grant_id, row[DEADLINE])
                else:
                    self._drop_family(row)
        if horizon >= self._pending_expiry.next_due:
            for pending_id in self._pending_expiry.due(horizon, budget):
                pending = self._pending.get(pending_id)
                if pending is not None and pending.expires_at <= horizon:
                    del self._pending[pending_id]
        if horizon >= self._session_expiry.next_due:
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

    def _drop_family(self, row: Row) -> None:
        grant_id = row[0]
        del self._families[grant_id]
        code_key = self._code_keys.pop(grant_id, None) if self._code_keys else None
        if code_key is not None:
            self._codes.pop(code_key, None)
        tokens = self._tokens
        for token_key in (*row[LIVE::TOKEN_WIDTH], *row[RETIRED][::TOKEN_WIDTH]):
            tokens.pop(token_key, None)

    async def purge(self, now: float) -> None:
        with self._lock:
            self._clock_at(now)
            self._expire(now, budget=None)

    async def clear(self) -> None:
        with self._lock:
            self._families.clear()
            self._codes.clear()
            self._code_keys.clear()
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
        """Live records by kind; "codes" counts the codes it answers for (used or not), though
        it holds no entry for a code whose grant is named after it."""
        with self._lock:
            self._expire(self._horizon, budget=None)  # what is due is gone: count only the rest
            return {
                "families": len(self._families),
                "codes": sum(1 for row in self._families.values() if row[FLAGS] & HAS_CODE),
                "indexed_codes": len(self._codes),
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
                for row in self._families.values()
                if not row[FLAGS] & REVOKED
                for at in range(LIVE, len(row), TOKEN_WIDTH)
                if row[at + STATE] == ACTIVE and now < row[at + EXPIRES_AT]
            )

    def end_token(self, value: str) -> bool:
        """Revoke one token only, as the real server may end an access token early."""
        with self._lock:
            found = self._find(key(value))
            if found is None:
                return False
            self._file(self._with_state(found, _REVOKED))
            return True


def _drop_oldest(records: dict[str, Any], cap: int) -> None:
    while len(records) > cap:
        del records[next(iter(records))]
