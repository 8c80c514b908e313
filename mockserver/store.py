"""All server state behind one small interface, kept in memory.

A `Grant` is one approved authorization: its code and every token issued from it form one
family, so revoking the family (code reuse, refresh-token reuse, revocation) is one operation.
Engine code runs without awaiting, so each token-endpoint decision is atomic on the event loop;
the lock additionally guards against threads (a MockServer driven from a test thread).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frameio_oauth_mock.mockserver.oauth.authorize import AuthorizationRequest

# Keep expired refresh tokens this long past expiry, so their use answers "expired"
# rather than "not valid"; everything else is dropped as soon as it expires (and nothing
# of a family is dropped while one of its tokens is live).
EXPIRED_REFRESH_RETENTION = 24 * 3600
PURGE_INTERVAL = 60.0


@dataclass
class Grant:
    """What the user approved: client, user, scopes, and the authorization request's bindings."""

    id: str
    client_id: str
    subject: str
    scopes: tuple[str, ...]
    redirect_uri: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: float
    nonce: str | None = None
    # When the authorization request arrived, the login session it used, and the acr
    # granted (OpenID id_token `rat`, `sid`, `acr`).
    requested_at: float = 0.0
    session_id: str = ""
    acr: str | None = None
    # How it was granted: "authorization_code" (a user approved) or "client_credentials".
    kind: str = "authorization_code"
    tokens: set[str] = field(default_factory=set)
    revoked: bool = False


@dataclass
class AuthorizationCode:
    grant: Grant
    expires_at: float
    redeemed: bool = False
    # fosite deletes a code's PKCE record at the first exchange that reaches the PKCE check,
    # even a failed one: a retry then finds no PKCE data.
    pkce_consumed: bool = False


class TokenState(Enum):
    ACTIVE = "active"
    ROTATED = "rotated"  # a refresh token that was exchanged; presenting it again is reuse
    REVOKED = "revoked"


@dataclass
class IssuedToken:
    value: str
    kind: str  # "access_token" or "refresh_token"
    grant: Grant
    issued_at: float
    expires_at: float
    state: TokenState = TokenState.ACTIVE

    def is_live(self, now: float) -> bool:
        return self.state is TokenState.ACTIVE and not self.grant.revoked and now < self.expires_at


@dataclass
class PendingAuthorization:
    """A validated authorization request waiting for the user's login and consent."""

    id: str
    csrf_token: str
    request: AuthorizationRequest
    expires_at: float
    subject: str | None = None  # set once the user has logged in
    auth_time: float | None = None
    session_id: str = ""


@dataclass
class Session:
    """A browser's login, remembered by cookie."""

    id: str
    subject: str
    auth_time: float
    expires_at: float


class MemoryStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.codes: dict[str, AuthorizationCode] = {}
        self.tokens: dict[str, IssuedToken] = {}
        self.pending: dict[str, PendingAuthorization] = {}
        self.sessions: dict[str, Session] = {}
        self._next_purge = 0.0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            yield

    # Codes -----------------------------------------------------------------------------
    def add_code(self, code: str, record: AuthorizationCode) -> None:
        with self.lock:
            self.codes[code] = record

    def find_code(self, code: str, now: float) -> AuthorizationCode | None:
        record = self.codes.get(code)
        if record is None or now >= record.expires_at:
            return None
        return record

    # Tokens ----------------------------------------------------------------------------
    def add_token(self, token: IssuedToken) -> None:
        with self.lock:
            self.tokens[token.value] = token
            token.grant.tokens.add(token.value)

    def find_token(self, value: str) -> IssuedToken | None:
        return self.tokens.get(value)

    def revoke_grant(self, grant: Grant) -> None:
        """Revoke every token of the family; it can never issue another one."""
        with self.lock:
            grant.revoked = True
            for value in grant.tokens:
                token = self.tokens.get(value)
                # A rotated refresh token stays "rotated": presenting it again is still reuse.
                if token is not None and token.state is TokenState.ACTIVE:
                    token.state = TokenState.REVOKED

    # Pending authorizations and sessions -----------------------------------------------
    def add_pending(self, pending: PendingAuthorization) -> None:
        with self.lock:
            self.pending[pending.id] = pending

    def find_pending(self, pending_id: str, now: float) -> PendingAuthorization | None:
        pending = self.pending.get(pending_id)
        if pending is None or now >= pending.expires_at:
            return None
        return pending

    def take_pending(self, pending_id: str) -> PendingAuthorization | None:
        with self.lock:
            return self.pending.pop(pending_id, None)

    def add_session(self, session: Session) -> None:
        with self.lock:
            self.sessions[session.id] = session

    def end_session(self, session_id: str) -> None:
        """Forget a browser's login (RP-initiated logout)."""
        with self.lock:
            self.sessions.pop(session_id, None)

    def find_session(self, session_id: str, now: float) -> Session | None:
        session = self.sessions.get(session_id)
        if session is None or now >= session.expires_at:
            return None
        return session

    # Housekeeping ----------------------------------------------------------------------
    def purge_expired(self, now: float, force: bool = False) -> None:
        """Drop what has expired, at most once a minute, so memory stays bounded."""
        if not force and now < self._next_purge:
            return
        with self.lock:
            self._next_purge = now + PURGE_INTERVAL
            self.pending = {k: v for k, v in self.pending.items() if now < v.expires_at}
            self.sessions = {k: v for k, v in self.sessions.items() if now < v.expires_at}
            # While a family still has a live token, all its records stay (as in Hydra's
            # database): replaying its code or a rotated refresh token, or revoking one of its
            # expired tokens, must still end the family.
            live_grants = {t.grant.id for t in self.tokens.values() if t.is_live(now)}
            kept: dict[str, IssuedToken] = {}
            for value, token in self.tokens.items():
                retention = EXPIRED_REFRESH_RETENTION if token.kind == "refresh_token" else 0
                if now < token.expires_at + retention or token.grant.id in live_grants:
                    kept[value] = token
                else:
                    token.grant.tokens.discard(value)
            self.tokens = kept
            self.codes = {
                k: v
                for k, v in self.codes.items()
                if now < v.expires_at or (v.redeemed and v.grant.id in live_grants)
            }

    def clear(self) -> None:
        with self.lock:
            self.codes.clear()
            self.tokens.clear()
            self.pending.clear()
            self.sessions.clear()
