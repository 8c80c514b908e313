"""A store in one SQLite file (stdlib sqlite3, WAL): everything survives a restart.

Each one-shot transition is one `BEGIN IMMEDIATE` transaction, so it is atomic against other
requests, threads and even other processes using the same file. The layout mirrors the
memory store: a family row per grant (its code, its live tokens, its deadline), token rows
with a per-family retirement number so the cap is one indexed delete, and deadlines indexed
so expiry only ever touches what is due.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from frameio_oauth_mock.mockserver.store.base import CodeCheck, Issue, TokenCheck
from frameio_oauth_mock.mockserver.store.codec import (
    dump_grant,
    dump_pending,
    dump_session,
    load_grant,
    load_pending,
    load_session,
)
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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS families (
    id TEXT PRIMARY KEY,
    grant_json TEXT NOT NULL,
    code TEXT UNIQUE,
    code_expires_at REAL NOT NULL,
    redeemed INTEGER NOT NULL DEFAULT 0,
    pkce_consumed INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0,
    retired INTEGER NOT NULL DEFAULT 0,
    deadline REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS families_deadline ON families (deadline);
CREATE TABLE IF NOT EXISTS tokens (
    value TEXT PRIMARY KEY,
    family TEXT NOT NULL,
    kind TEXT NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    state TEXT NOT NULL,
    retired_number INTEGER
);
CREATE INDEX IF NOT EXISTS tokens_family ON tokens (family, retired_number);
CREATE TABLE IF NOT EXISTS pending (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    record TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_expiry ON pending (expires_at);
CREATE TABLE IF NOT EXISTS sessions (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    record TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS entries (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    entry TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# How many expired rows one write removes at most: expiry keeps pace with writes in steps.
_EXPIRY_BATCH = 200


class SQLiteStore:
    persistent = True

    def __init__(self, path: str | Path, limits: StoreLimits | None = None) -> None:
        self.limits = limits or StoreLimits()
        self.path = str(path)
        # One connection, used under a lock: MockServer may call from a test thread.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)

    @classmethod
    def from_url(cls, url: str, limits: StoreLimits | None = None) -> SQLiteStore:
        """sqlite:///relative/path or sqlite:////absolute/path, as SQLAlchemy spells them."""
        return cls(url.removeprefix("sqlite:///"), limits)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One BEGIN IMMEDIATE transaction: the write lock is taken before anything is read."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, *args: Any) -> Any:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    # Records ----------------------------------------------------------------------------------
    def _token(self, db: sqlite3.Connection, value: str) -> TokenRecord | None:
        row = db.execute(
            "SELECT t.kind, t.issued_at, t.expires_at, t.state, f.grant_json, f.revoked "
            "FROM tokens t JOIN families f ON f.id = t.family WHERE t.value = ?",
            (value,),
        ).fetchone()
        if row is None:
            return None
        kind, issued_at, expires_at, state, grant_json, revoked = row
        token_state = TokenState(state)
        if token_state is TokenState.ACTIVE and revoked:
            token_state = TokenState.REVOKED
        return TokenRecord(value, kind, load_grant(grant_json), issued_at, expires_at, token_state)

    @staticmethod
    def _code(db: sqlite3.Connection, value: str) -> tuple[str, CodeRecord] | None:
        row = db.execute(
            "SELECT id, grant_json, code_expires_at, redeemed, pkce_consumed "
            "FROM families WHERE code = ?",
            (value,),
        ).fetchone()
        if row is None:
            return None
        family, grant_json, expires_at, redeemed, pkce_consumed = row
        record = CodeRecord(
            value, load_grant(grant_json), expires_at, bool(redeemed), bool(pkce_consumed)
        )
        return family, record

    # Codes and tokens ---------------------------------------------------------------------------
    async def add_code(self, code: CodeRecord, now: float) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO families (id, grant_json, code, code_expires_at, deadline) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    code.grant.id,
                    dump_grant(code.grant),
                    code.value,
                    code.expires_at,
                    code.expires_at,
                ),
            )
            self._expire(db, now)

    async def redeem_code(
        self, value: str, now: float, check: CodeCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        spent: PkceConsumed | None = None
        with self._transaction() as db:
            found = self._code(db, value)
            try:
                check(None if found is None else found[1])
            except PkceConsumed as refused:
                # This change stays though the exchange fails: committed, then refused.
                db.execute("UPDATE families SET pkce_consumed = 1 WHERE code = ?", (value,))
                spent = refused
            else:
                assert found is not None  # check refuses unknown codes
                family, record = found
                if record.redeemed:
                    raise CredentialReused(family)
                tokens = issue(record.grant)
                db.execute("UPDATE families SET redeemed = 1 WHERE id = ?", (family,))
                self._add_tokens(db, family, tokens, now)
                self._expire(db, now)
                return tokens
        raise spent.error

    async def rotate_refresh(
        self, value: str, now: float, check: TokenCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        with self._transaction() as db:
            token = self._token(db, value)
            check(token)
            assert token is not None  # check refuses unknown tokens
            family = token.grant.id
            if token.state is not TokenState.ACTIVE:
                raise CredentialReused(family)
            tokens = issue(token.grant)
            self._retire(db, family)
            self._add_tokens(db, family, tokens, now)
            self._expire(db, now)
            return tokens

    def _retire(self, db: sqlite3.Connection, family: str) -> None:
        """The live pair is done (refresh rotated, access revoked); keep only the newest
        max_retired_tokens retired tokens of the family."""
        (retired,) = db.execute("SELECT retired FROM families WHERE id = ?", (family,)).fetchone()
        live = db.execute(
            "SELECT value, kind FROM tokens WHERE family = ? AND retired_number IS NULL "
            "ORDER BY kind",  # access_token before refresh_token, as they were issued
            (family,),
        ).fetchall()
        for value, kind in live:
            retired += 1
            state = TokenState.ROTATED if kind == "refresh_token" else TokenState.REVOKED
            db.execute(
                "UPDATE tokens SET state = ?, retired_number = ? WHERE value = ?",
                (state.value, retired, value),
            )
        db.execute("UPDATE families SET retired = ? WHERE id = ?", (retired, family))
        db.execute(
            "DELETE FROM tokens WHERE family = ? AND retired_number <= ?",
            (family, retired - self.limits.max_retired_tokens),
        )

    def _add_tokens(
        self, db: sqlite3.Connection, family: str, tokens: Sequence[TokenRecord], now: float
    ) -> None:
        db.executemany(
            "INSERT INTO tokens (value, family, kind, issued_at, expires_at, state) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (t.value, family, t.kind, t.issued_at, t.expires_at, TokenState.ACTIVE.value)
                for t in tokens
            ],
        )
        (deadline,) = db.execute("SELECT deadline FROM families WHERE id = ?", (family,)).fetchone()
        db.execute(
            "UPDATE families SET deadline = ? WHERE id = ?",
            (family_deadline(list(tokens), deadline), family),
        )

    async def add_grant(self, grant: Grant, tokens: Sequence[TokenRecord], now: float) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO families (id, grant_json, code_expires_at, deadline) "
                "VALUES (?, ?, ?, ?)",
                (grant.id, dump_grant(grant), now, now),
            )
            self._add_tokens(db, grant.id, tokens, now)
            self._expire(db, now)

    async def find_token(self, value: str) -> TokenRecord | None:
        with self._lock:
            return self._token(self._db, value)

    async def find_code(self, value: str) -> CodeRecord | None:
        with self._lock:
            found = self._code(self._db, value)
        return None if found is None else found[1]

    async def revoke_family(self, grant_id: str, reused: str | None = None) -> None:
        with self._transaction() as db:
            db.execute("UPDATE families SET revoked = 1 WHERE id = ?", (grant_id,))
            if reused:
                db.execute(
                    "UPDATE tokens SET state = ? WHERE value = ? AND family = ?",
                    (TokenState.REVOKED.value, reused, grant_id),
                )

    # Pending authorizations and sessions ---------------------------------------------------------
    async def add_pending(self, pending: PendingAuthorization, now: float) -> None:
        with self._transaction() as db:
            self._add_capped(
                db,
                "pending",
                pending.id,
                dump_pending(pending),
                pending.expires_at,
                self.limits.max_pending_authorizations,
            )
            self._expire(db, now)

    async def find_pending(self, pending_id: str, now: float) -> PendingAuthorization | None:
        row = self._read(
            "SELECT record FROM pending WHERE id = ? AND expires_at > ?", pending_id, now
        )
        return None if row is None else load_pending(row[0])

    async def log_in_pending(
        self, pending_id: str, subject: str, auth_time: float, session_id: str
    ) -> PendingAuthorization | None:
        with self._transaction() as db:
            row = db.execute("SELECT record FROM pending WHERE id = ?", (pending_id,)).fetchone()
            if row is None:
                return None
            pending = load_pending(row[0])
            updated = PendingAuthorization(
                pending.id,
                pending.csrf_token,
                pending.request,
                pending.expires_at,
                subject,
                auth_time,
                session_id,
            )
            db.execute(
                "UPDATE pending SET record = ? WHERE id = ?", (dump_pending(updated), pending_id)
            )
            return updated

    async def take_pending(self, pending_id: str, now: float) -> PendingAuthorization | None:
        with self._transaction() as db:
            row = db.execute(
                "DELETE FROM pending WHERE id = ? RETURNING record, expires_at", (pending_id,)
            ).fetchone()
        if row is None or now >= row[1]:
            return None
        return load_pending(row[0])

    async def add_session(self, session: Session, now: float) -> None:
        with self._transaction() as db:
            self._add_capped(
                db,
                "sessions",
                session.id,
                dump_session(session),
                session.expires_at,
                self.limits.max_sessions,
            )
            self._expire(db, now)

    async def find_session(self, session_id: str, now: float) -> Session | None:
        row = self._read(
            "SELECT record FROM sessions WHERE id = ? AND expires_at > ?", session_id, now
        )
        return None if row is None else load_session(row[0])

    async def live_sessions(self, now: float) -> list[Session]:
        with self._lock:
            rows = self._db.execute(
                "SELECT record FROM sessions WHERE expires_at > ? ORDER BY number", (now,)
            ).fetchall()
        return [load_session(record) for (record,) in rows]

    async def end_session(self, session_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    @staticmethod
    def _add_capped(
        db: sqlite3.Connection, table: str, key: str, record: str, expires_at: float, cap: int
    ) -> None:
        """Insert, then drop whatever was added more than `cap` insertions ago (oldest first:
        `number` only grows, so this is one indexed range delete, never a count)."""
        cursor = db.execute(
            f"INSERT INTO {table} (id, record, expires_at) VALUES (?, ?, ?)",  # noqa: S608
            (key, record, expires_at),
        )
        newest = cursor.lastrowid or 0
        db.execute(f"DELETE FROM {table} WHERE number <= ?", (newest - cap,))  # noqa: S608

    # What a restart keeps ------------------------------------------------------------------------
    async def signing_key(self, make: Callable[[], str]) -> str:
        row = self._read("SELECT value FROM settings WHERE name = 'signing_key'")
        if row is not None:
            return str(row[0])
        made = make()  # outside the transaction: RSA generation takes a while
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO settings (name, value) VALUES ('signing_key', ?)", (made,)
            )
            (stored,) = db.execute(
                "SELECT value FROM settings WHERE name = 'signing_key'"
            ).fetchone()
        return str(stored)

    async def entries_after(self, number: int) -> list[tuple[int, str, dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT number, kind, entry FROM entries WHERE number > ? ORDER BY number",
                (number,),
            ).fetchall()
        return [(n, kind, json.loads(entry)) for n, kind, entry in rows]

    async def add_entry(self, kind: str, entry: dict[str, Any]) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO entries (kind, entry) VALUES (?, ?)", (kind, json.dumps(entry)))

    # Housekeeping -----------------------------------------------------------------------------
    @staticmethod
    def _expire(db: sqlite3.Connection, now: float) -> None:
        """Drop up to a batch of what is due: the deadline indexes find it without a scan."""
        families = [
            family
            for (family,) in db.execute(
                "SELECT id FROM families WHERE deadline <= ? LIMIT ?", (now, _EXPIRY_BATCH)
            )
        ]
        for family in families:
            db.execute("DELETE FROM tokens WHERE family = ?", (family,))
            db.execute("DELETE FROM families WHERE id = ?", (family,))
        for table in ("pending", "sessions"):
            db.execute(
                f"DELETE FROM {table} WHERE number IN "  # noqa: S608
                f"(SELECT number FROM {table} WHERE expires_at <= ? LIMIT ?)",
                (now, _EXPIRY_BATCH),
            )

    async def purge(self, now: float) -> None:
        with self._transaction() as db:
            self._expire(db, now)

    async def clear(self) -> None:
        with self._transaction() as db:
            for table in ("tokens", "families", "pending", "sessions", "entries"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608

    async def close(self) -> None:
        with self._lock:
            self._db.close()
