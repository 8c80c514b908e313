"""The one interface every store implements, in the style of fosite's storage interfaces.

Each method is one transition, atomic on its own: for the memory store because it never
awaits (and holds a lock against threads), for SQLite because it is one `BEGIN IMMEDIATE`
transaction, for Redis because the commit is one Lua script. Where a transition needs the
engine's judgement (is this code's PKCE verifier right?), the engine passes `check`, which
raises to refuse, and `issue`, which mints the new tokens; the store runs both inside the
transition, so of many concurrent redemptions of one code exactly one succeeds.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from frameio_oauth_mock.mockserver.store.records import (
    CodeRecord,
    Grant,
    PendingAuthorization,
    Session,
    StoreLimits,
    TokenRecord,
)

CodeCheck = Callable[[CodeRecord | None], None]
TokenCheck = Callable[[TokenRecord | None], None]
# Mints the tokens for a grant (the engine's own format: opaque or JWT, and its lifetimes).
Issue = Callable[[Grant], Sequence[TokenRecord]]


@runtime_checkable
class Store(Protocol):
    limits: StoreLimits
    # Whether it outlives the process (then the signing key and added clients come from it).
    persistent: bool

    # Codes and tokens -------------------------------------------------------------------
    async def add_code(self, code: CodeRecord, now: float) -> None:
        """Remember a code that was just issued (its grant becomes a family)."""

    async def redeem_code(
        self, value: str, now: float, check: CodeCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        """Mark the code used and add the tokens `issue` mints, in one step.

        `check` sees the record (None if unknown, whether used or expired) and raises to
        refuse; nothing changes then, except that PkceConsumed marks the code's PKCE record
        spent before its error is raised. Raises CredentialReused if another request redeemed
        the code after `check` approved it.
        """

    async def rotate_refresh(
        self, value: str, now: float, check: TokenCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        """Retire the refresh token and its family's access token, add the new pair.

        As `redeem_code`: `check` judges the record and raises to refuse; CredentialReused
        when another request rotated the token first.
        """

    async def add_grant(self, grant: Grant, tokens: Sequence[TokenRecord], now: float) -> None:
        """A family issued without a code (client_credentials, control-API tokens)."""

    async def find_token(self, value: str) -> TokenRecord | None: ...

    async def find_code(self, value: str) -> CodeRecord | None: ...

    async def revoke_family(self, grant_id: str, reused: str | None = None) -> None:
        """End every token of the family; it can never issue another one. `reused`, a
        rotated refresh token presented again, is ended too (Hydra deletes it)."""

    # Pending authorizations and sessions -------------------------------------------------
    async def add_pending(self, pending: PendingAuthorization, now: float) -> None: ...

    async def find_pending(self, pending_id: str, now: float) -> PendingAuthorization | None: ...

    async def log_in_pending(
        self, pending_id: str, subject: str, auth_time: float, session_id: str
    ) -> PendingAuthorization | None:
        """The pending authorization, now logged in as `subject` (None if it is gone)."""

    async def take_pending(self, pending_id: str, now: float) -> PendingAuthorization | None:
        """Remove and return it: of two consent answers for one request, one gets it."""

    async def add_session(self, session: Session, now: float) -> None: ...

    async def find_session(self, session_id: str, now: float) -> Session | None: ...

    async def live_sessions(self, now: float) -> list[Session]:
        """Every session still live at `now` (at most max_sessions of them)."""

    async def end_session(self, session_id: str) -> None:
        """Forget a browser's login (RP-initiated logout)."""

    # What a restart must keep besides (persistent stores only; memory forgets) ----------
    async def signing_key(self, make: Callable[[], str]) -> str:
        """The id_token signing key (PEM): the stored one, else `make()`'s, stored."""

    async def entries_after(self, number: int) -> list[tuple[int, str, dict[str, Any]]]:
        """Clients and users added while running (kind "client" or "user"), numbered from
        1 in the order they were added: those numbered above `number`."""

    async def add_entry(self, kind: str, entry: dict[str, Any]) -> None: ...

    # Housekeeping -------------------------------------------------------------------------
    async def purge(self, now: float) -> None:
        """Drop what has expired by `now` (incremental: only what is due)."""

    async def clear(self) -> None:
        """Forget everything (reset)."""

    async def close(self) -> None: ...


T = TypeVar("T")


def run_now(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends, without an event loop.

    The memory store's methods never await, so sync callers (MockServer's helpers, a test
    thread) can use them directly; a coroutine that does suspend is a programming error.
    """
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("run_now: the coroutine suspended; it needs an event loop")
