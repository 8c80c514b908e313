"""The immutable records a store hands the engine, and the limits every store keeps.

A `Grant` is one approved authorization. Its code and every token issued from it form one
family, so ending the family (code reuse, refresh-token reuse, revocation) is one operation.
Records are values: the engine reads them, and only the store's transitions change state (by
making new ones). They are not `frozen` dataclasses, though: a frozen dataclass sets each field
through object.__setattr__ (about 1 µs more per record, and a flow makes several); their
equality and hash (from the fields) are what frozen ones would have.

Each is a slots dataclass (so `dataclasses.fields`, `replace` and `asdict` work on it) with
its `__init__` written out and `__eq__`, `__hash__` and `__repr__` from `Fieldwise`, rather
than generated: the generated ones are compiled from source when the module is imported, about
0.5 ms per class at every start-up (fieldwise.py). They do what the generated ones did
(tests/property/test_record_classes.py compares them with the dataclasses they replace). A
new field goes into the class body and into its `__init__`.
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass
from enum import Enum

from frameio_oauth_mock.mockserver.fieldwise import Fieldwise
from frameio_oauth_mock.mockserver.settings import ClientConfig

# Keep expired refresh tokens this long past expiry, so their use answers "expired" rather
# than "not valid"; a family is dropped once every token of it is past that point.
EXPIRED_REFRESH_RETENTION = 24 * 3600


@dataclass(frozen=True, slots=True, init=False, repr=False, eq=False)
class StoreLimits(Fieldwise):
    """What bounds a store's memory; all of it is configurable under [server]."""

    # Rotated refresh tokens (and the access tokens retired with them) kept per family so
    # that presenting one again is caught as reuse; older ones answer as unknown.
    max_retired_tokens: int = 50
    max_pending_authorizations: int = 10_000
    max_sessions: int = 10_000

    def __init__(
        self,
        max_retired_tokens: int = 50,
        max_pending_authorizations: int = 10_000,
        max_sessions: int = 10_000,
    ) -> None:
        # Frozen: set as a frozen dataclass's own __init__ does, past its __setattr__.
        object.__setattr__(self, "max_retired_tokens", max_retired_tokens)
        object.__setattr__(self, "max_pending_authorizations", max_pending_authorizations)
        object.__setattr__(self, "max_sessions", max_sessions)


@dataclass(slots=True, init=False, repr=False, eq=False)
class Grant(Fieldwise):
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

    def __init__(
        self,
        id: str,
        client_id: str,
        subject: str,
        scopes: tuple[str, ...],
        redirect_uri: str | None,
        code_challenge: str | None,
        code_challenge_method: str | None,
        auth_time: float,
        nonce: str | None = None,
        requested_at: float = 0.0,
        session_id: str = "",
        acr: str | None = None,
        kind: str = "authorization_code",
    ) -> None:
        self.id = id
        self.client_id = client_id
        self.subject = subject
        self.scopes = scopes
        self.redirect_uri = redirect_uri
        self.code_challenge = code_challenge
        self.code_challenge_method = code_challenge_method
        self.auth_time = auth_time
        self.nonce = nonce
        self.requested_at = requested_at
        self.session_id = session_id
        self.acr = acr
        self.kind = kind


def grant_id_for_code(code: str) -> str:
    """The id of the grant an authorization code is issued for: a digest of the code.

    A store can then trace a code it no longer holds back to its grant (the memory store
    keeps no entry for such a code at all), to answer "already used" and end the family
    (RFC 6749 4.1.2) for as long as the family lives. The digest reveals nothing of the code,
    and nobody can name a code of a given grant without having been sent it.
    """
    global _last_named
    named, grant_id = _last_named
    if code is named:
        _last_named = _NOTHING_NAMED  # used once: the code is not kept past its request
        return grant_id
    digest = _GRANT_OF_CODE.copy()
    digest.update(code.encode("utf-8", "surrogateescape"))
    encoded = binascii.b2a_base64(digest.digest(), newline=False)
    grant_id = encoded.translate(_URLSAFE).rstrip(b"=").decode("ascii")
    _last_named = (code, grant_id)
    return grant_id


# blake2b's parameters are set up once; each digest copies them (cheaper than the keywords).
_GRANT_OF_CODE = hashlib.blake2b(digest_size=16, person=b"grant-of-code")
_URLSAFE = bytes.maketrans(b"+/", b"-_")
# The last code named and its grant's id: issue_code names a grant after its code and the
# store's add_code checks that name a moment later, with the very same string (a cache of
# one, by identity, and used once, so a code is not held after its request: cheaper than an
# lru_cache, whose misses cost more than it saved).
_NOTHING_NAMED: tuple[object, str] = (object(), "")
_last_named = _NOTHING_NAMED


@dataclass(slots=True, init=False, repr=False, eq=False)
class CodeRecord(Fieldwise):
    """An authorization code and the grant it was issued for."""

    value: str
    grant: Grant
    expires_at: float
    redeemed: bool = False
    # fosite deletes a code's PKCE record at the first exchange that reaches the PKCE check,
    # even a failed one: a retry then finds no PKCE data.
    pkce_consumed: bool = False

    def __init__(
        self,
        value: str,
        grant: Grant,
        expires_at: float,
        redeemed: bool = False,
        pkce_consumed: bool = False,
    ) -> None:
        self.value = value
        self.grant = grant
        self.expires_at = expires_at
        self.redeemed = redeemed
        self.pkce_consumed = pkce_consumed


class TokenState(Enum):
    ACTIVE = "active"
    ROTATED = "rotated"  # a refresh token that was exchanged; presenting it again is reuse
    REVOKED = "revoked"


@dataclass(slots=True, init=False, repr=False, eq=False)
class TokenRecord(Fieldwise):
    """An access or refresh token of a grant's family."""

    value: str
    kind: str  # "access_token" or "refresh_token"
    grant: Grant
    issued_at: float
    expires_at: float
    # As the store sees it now: a revoked family's active tokens read as REVOKED.
    state: TokenState = TokenState.ACTIVE

    def __init__(
        self,
        value: str,
        kind: str,
        grant: Grant,
        issued_at: float,
        expires_at: float,
        state: TokenState = TokenState.ACTIVE,
    ) -> None:
        self.value = value
        self.kind = kind
        self.grant = grant
        self.issued_at = issued_at
        self.expires_at = expires_at
        self.state = state

    def is_live(self, now: float) -> bool:
        return self.state is TokenState.ACTIVE and now < self.expires_at


@dataclass(slots=True, init=False, repr=False, eq=False)
class AuthorizationRequest(Fieldwise):
    """A validated authorization request (kept while the user logs in and consents)."""

    client: ClientConfig
    redirect_uri: str
    requested_redirect_uri: str | None
    scopes: tuple[str, ...]
    state: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    login_hint: str | None
    issuer: str
    response_mode: str = "query"
    prompt: frozenset[str] = frozenset()
    # OpenID max_age: a login older than this many seconds must be repeated.
    max_age: int | None = None
    acr_values: str | None = None
    audience: tuple[str, ...] = ()
    # When the request arrived (id_token `rat`).
    requested_at: float = 0.0

    def __init__(
        self,
        client: ClientConfig,
        redirect_uri: str,
        requested_redirect_uri: str | None,
        scopes: tuple[str, ...],
        state: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
        nonce: str | None,
        login_hint: str | None,
        issuer: str,
        response_mode: str = "query",
        prompt: frozenset[str] = frozenset(),
        max_age: int | None = None,
        acr_values: str | None = None,
        audience: tuple[str, ...] = (),
        requested_at: float = 0.0,
    ) -> None:
        self.client = client
        self.redirect_uri = redirect_uri
        self.requested_redirect_uri = requested_redirect_uri
        self.scopes = scopes
        self.state = state
        self.code_challenge = code_challenge
        self.code_challenge_method = code_challenge_method
        self.nonce = nonce
        self.login_hint = login_hint
        self.issuer = issuer
        self.response_mode = response_mode
        self.prompt = prompt
        self.max_age = max_age
        self.acr_values = acr_values
        self.audience = audience
        self.requested_at = requested_at


@dataclass(slots=True, init=False, repr=False, eq=False)
class PendingAuthorization(Fieldwise):
    """A validated authorization request waiting for the user's login and consent."""

    id: str
    csrf_token: str
    request: AuthorizationRequest
    expires_at: float
    subject: str | None = None  # set once the user has logged in
    auth_time: float | None = None
    session_id: str = ""

    def __init__(
        self,
        id: str,
        csrf_token: str,
        request: AuthorizationRequest,
        expires_at: float,
        subject: str | None = None,
        auth_time: float | None = None,
        session_id: str = "",
    ) -> None:
        self.id = id
        self.csrf_token = csrf_token
        self.request = request
        self.expires_at = expires_at
        self.subject = subject
        self.auth_time = auth_time
        self.session_id = session_id


@dataclass(slots=True, init=False, repr=False, eq=False)
class Session(Fieldwise):
    """A browser's login, remembered by cookie."""

    id: str
    subject: str
    auth_time: float
    expires_at: float

    def __init__(self, id: str, subject: str, auth_time: float, expires_at: float) -> None:
        self.id = id
        self.subject = subject
        self.auth_time = auth_time
        self.expires_at = expires_at


class CredentialReused(Exception):
    """A used code or a rotated refresh token was presented again: its family must end.

    Raised by the engine's check when it sees the record already used, and by a store when
    another request (or another instance) used it between the check and the commit.
    """

    def __init__(self, grant_id: str) -> None:
        super().__init__(grant_id)
        self.grant_id = grant_id


class PkceConsumed(Exception):
    """A code exchange refused at or after its PKCE check: the store forgets the code's PKCE
    record (as fosite deletes it even then) and re-raises `error`."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def family_deadline(tokens: tuple[TokenRecord, ...] | list[TokenRecord], floor: float) -> float:
    """When a family holding `tokens` may be forgotten: each token's expiry, plus the
    retention of expired refresh tokens; never before `floor`."""
    deadline = floor
    for token in tokens:
        retention = EXPIRED_REFRESH_RETENTION if token.kind == "refresh_token" else 0
        deadline = max(deadline, token.expires_at + retention)
    return deadline
