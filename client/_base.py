"""Everything FrameioOAuth and AsyncFrameioOAuth share: configuration, the authorization URL,
and the exchange, refresh, revoke and discovery flows (see _protocol for how flows run)."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from frameio_oauth_mock.client._callback import (
    ConsumedCallbacks,
    authorization_code,
    check_state,
    raise_for_error,
    read_callback,
    same_secret,
)
from frameio_oauth_mock.client._errors import (
    DiscoveryError,
    InvalidGrantError,
    IssuerMismatchError,
    ReauthorizationRequired,
)
from frameio_oauth_mock.client._pkce import new_code_verifier, new_state, s256_challenge
from frameio_oauth_mock.client._protocol import (
    AUTHORIZE_PATH,
    METADATA_PATHS,
    REVOKE_PATH,
    TOKEN_PATH,
    ClientCredentials,
    Flow,
    RetryPolicy,
    error_from_response,
    metadata_from_response,
    send,
    token_from_response,
)
from frameio_oauth_mock.client._store import MemoryTokenStore, TokenStore
from frameio_oauth_mock.client._token import Token
from frameio_oauth_mock.hosts import is_loopback_host

FRAMEIO_BASE_URL = "https://applications.frame.io"
FRAMEIO_API_URL = "https://api.frame.io"
# The least an integration needs: read the user (GET /v2/me) and stay logged in (offline).
DEFAULT_SCOPES = ("account.read", "offline")

# Parameters authorization_url() sets itself; extra_params may not override them.
_RESERVED_PARAMETERS = frozenset(
    [
        "response_type",
        "client_id",
        "client_secret",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ]
)


@dataclass(frozen=True)
class AuthorizationRequest:
    """What authorization_url() made: the URL to send the user to, and what exchange() will
    need to check the callback against. Keep it for this user's session only."""

    url: str
    state: str
    code_verifier: str | None = field(repr=False)
    redirect_uri: str


def _checked_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name}: must be an http(s) URL, got {url!r}")
    return url.rstrip("/")


def _checked_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"redirect_uri: must be an absolute http(s) URL, got {uri!r}")
    if parts.fragment or "#" in uri:
        raise ValueError(f"redirect_uri: must not contain a fragment, got {uri!r}")
    # RFC 9700 2.6: plain http only where it cannot leave the machine.
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(f"redirect_uri: http is allowed only on a loopback host, got {uri!r}")
    return uri


def _scope_list(scopes: Iterable[str] | str) -> tuple[str, ...]:
    parts = (
        scopes.split()
        if isinstance(scopes, str)
        else [s for scope in scopes for s in scope.split()]
    )
    return tuple(dict.fromkeys(parts))


def with_port(uri: str, port: int) -> str:
    """`uri` with its port replaced (loopback redirect URIs may use any port, RFC 8252 7.3)."""
    parts = urlsplit(uri)
    host = parts.hostname or ""
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


class _Rotations:
    """Which refresh token replaced which, so a rotated one is never sent again (RFC 9700
    4.14.2: Frame.io revokes the whole family when an old one comes back)."""

    def __init__(self, capacity: int = 64) -> None:
        self._successors: OrderedDict[bytes, Token] = OrderedDict()
        self._capacity = capacity

    def record(self, old_refresh_token: str, new: Token) -> None:
        if new.refresh_token == old_refresh_token:  # not rotated: nothing was retired
            return
        self._successors[_digest(old_refresh_token)] = new
        while len(self._successors) > self._capacity:
            self._successors.popitem(last=False)

    def latest(self, refresh_token: str) -> Token | None:
        """The newest token that descends from `refresh_token`, or None if it is current."""
        newest: Token | None = None
        key = _digest(refresh_token)
        for _ in range(self._capacity + 1):  # bounded: a chain is never longer than the map
            successor = self._successors.get(key)
            if successor is None or successor.refresh_token is None:
                return successor or newest
            newest = successor
            key = _digest(successor.refresh_token)
        return newest


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8")).digest()


class BaseFrameioOAuth:
    """Configuration and the I/O-free half of the client. Use FrameioOAuth or AsyncFrameioOAuth."""

    def __init__(
        self,
        client_id: str,
        client_secret: str | None = None,
        *,
        redirect_uri: str,
        scopes: Iterable[str] | str = DEFAULT_SCOPES,
        base_url: str = FRAMEIO_BASE_URL,
        api_url: str = FRAMEIO_API_URL,
        token_store: TokenStore | None = None,
        retries: int = 3,
        max_retry_wait: float = 30.0,
        use_pkce: bool = True,
        expected_issuer: str | None = None,
        discover: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not client_id:
            raise ValueError("client_id: required")
        if client_secret == "":
            raise ValueError("client_secret: empty; pass None for a PKCE app without a secret")
        if client_secret is None and not use_pkce:
            raise ValueError("use_pkce: apps without a client secret must use PKCE")
        self.client_id = client_id
        self.redirect_uri = _checked_redirect_uri(redirect_uri)
        self.scopes = _scope_list(scopes)
        self.base_url = _checked_url("base_url", base_url)
        self.api_url = _checked_url("api_url", api_url)
        self.token_store: TokenStore = (
            token_store if token_store is not None else MemoryTokenStore()
        )
        self.use_pkce = use_pkce or client_secret is None
        self.expected_issuer = expected_issuer
        self.discover = discover
        self.clock = clock
        self._credentials = ClientCredentials(client_id, client_secret)
        self._retry = RetryPolicy(retries, max_retry_wait)
        self._consumed = ConsumedCallbacks()
        self._rotations = _Rotations()
        self._metadata: dict[str, Any] | None = None
        # RFC 9207 2.4: once this server has sent iss, a response without it is refused.
        self._server_sends_iss = False

    @property
    def is_public(self) -> bool:
        """A PKCE app: no client secret."""
        return self._credentials.client_secret is None

    @property
    def authorization_endpoint(self) -> str:
        return self.base_url + AUTHORIZE_PATH

    @property
    def token_endpoint(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def revocation_endpoint(self) -> str:
        return self.base_url + REVOKE_PATH

    def __repr__(self) -> str:
        kind = "PKCE app" if self.is_public else "app with secret"
        return f"{type(self).__name__}({self.client_id!r}, {kind}, base_url={self.base_url!r})"

    # Step 1: send the user to Frame.io ---------------------------------------------------
    def authorization_url(
        self, *, redirect_uri: str | None = None, extra_params: Mapping[str, str] | None = None
    ) -> AuthorizationRequest:
        """A new authorization request: fresh state and, with PKCE, a fresh S256 challenge.

        `redirect_uri` overrides the configured one (login() uses it for the port it got);
        `extra_params` adds parameters such as login_hint.
        """
        redirect_uri = _checked_redirect_uri(redirect_uri) if redirect_uri else self.redirect_uri
        clash = sorted(set(extra_params or ()) & _RESERVED_PARAMETERS)
        if clash:
            raise ValueError(f"extra_params: {clash[0]!r} is set by authorization_url() itself")
        state = new_state()
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.scopes),
            "state": state,
        }
        verifier = None
        if self.use_pkce:
            verifier = new_code_verifier()
            params["code_challenge"] = s256_challenge(verifier)
            params["code_challenge_method"] = "S256"
        params.update(extra_params or {})
        url = f"{self.authorization_endpoint}?{urlencode(params)}"
        return AuthorizationRequest(url, state, verifier, redirect_uri)

    # Step 2: the callback and the code ---------------------------------------------------
    def _exchange_flow(
        self,
        callback_url: str,
        expected_state: str,
        code_verifier: str | None,
        redirect_uri: str | None,
    ) -> Flow[Token]:
        if self.use_pkce and not code_verifier:
            raise ValueError("code_verifier: required (use the one authorization_url() made)")
        # Every check that can refuse the callback runs before the token request.
        params = read_callback(callback_url)
        state = check_state(params, expected_state)
        self._consumed.take(state, params.get("code"))
        yield from self._check_issuer(params.get("iss"))
        raise_for_error(params)
        form = {
            "grant_type": "authorization_code",
            "code": authorization_code(params),
            "redirect_uri": redirect_uri or self.redirect_uri,
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        response = yield from self._post(self.token_endpoint, form)
        token = token_from_response(response, self.clock(), " ".join(self.scopes))
        self.token_store.save(token)
        return token

    def _check_issuer(self, iss: str | None) -> Flow[None]:
        """RFC 9207: `iss`, when present, must be the expected issuer exactly; it must be
        present when the server's metadata says it sends it. Metadata is fetched only when
        discovery is on, or to learn the issuer a present `iss` is compared with."""
        metadata = None
        if self.discover or (iss is not None and self.expected_issuer is None):
            metadata = yield from self._metadata_flow()
        if iss is not None:
            expected = self.expected_issuer or (metadata or {}).get("issuer", "")
            if not same_secret(iss, expected):
                raise IssuerMismatchError(
                    "issuer_mismatch",
                    f"the callback's iss {iss!r} is not the expected issuer {expected!r}",
                )
            self._server_sends_iss = True
            return
        advertised = bool(
            metadata and metadata.get("authorization_response_iss_parameter_supported") is True
        )
        if advertised or self._server_sends_iss:
            raise IssuerMismatchError(
                "issuer_mismatch", "the callback has no iss, but this server always sends one"
            )

    def _metadata_flow(self) -> Flow[dict[str, Any]]:
        """The server's metadata (RFC 8414), fetched once per client."""
        if self._metadata is not None:
            return self._metadata
        issuer = self.expected_issuer or self.base_url
        for path in METADATA_PATHS:
            url = self.base_url + path
            build = partial(httpx.Request, "GET", url, headers={"Accept": "application/json"})
            response = yield from send(build, self._retry, self.clock)
            if response.status_code == 404:
                continue
            self._metadata = metadata_from_response(response, issuer)
            return self._metadata
        raise DiscoveryError(
            "metadata_unavailable", f"no metadata document at {self.base_url}", 404
        )

    # Later: refresh and revoke -----------------------------------------------------------
    def _refresh_flow(self, token: Token | None) -> Flow[Token]:
        """Callers hold the refresh lock, so checking and recording rotations is race-free."""
        current = token or self.token_store.load()
        if current is None or not current.refresh_token:
            raise ReauthorizationRequired(
                "no_refresh_token", "no refresh token is held; the user must authorize again"
            )
        newer = self._rotations.latest(current.refresh_token)
        if newer is not None:
            return newer  # someone refreshed already; the old refresh token is spent
        form = {"grant_type": "refresh_token", "refresh_token": current.refresh_token}
        response = yield from self._post(self.token_endpoint, form)
        try:
            refreshed = token_from_response(response, self.clock(), current.scope)
        except InvalidGrantError as error:
            # Revoked, expired or reused: no retry can fix it (RFC 6749 5.2), so the token
            # is dropped and the caller told to send the user through authorization again.
            self._forget(current)
            raise ReauthorizationRequired(
                error.error, error.error_description, error.status_code
            ) from error
        new = current.successor(refreshed)
        self._rotations.record(current.refresh_token, new)
        self.token_store.save(new)
        return new

    def _revoke_flow(self, token: Token | str | None) -> Flow[None]:
        """RFC 7009. A Token is revoked through its refresh token when it has one: Frame.io
        then revokes the access token with it."""
        if token is None:
            token = self.token_store.load()
            if token is None:
                return
        if isinstance(token, Token):
            value, hint = (
                (token.refresh_token, "refresh_token")
                if token.refresh_token
                else (token.access_token, "access_token")
            )
        else:
            value, hint = token, None
        form = {"token": value}
        if hint:
            form["token_type_hint"] = hint
        response = yield from self._post(self.revocation_endpoint, form)
        if response.status_code != 200:
            raise error_from_response(response)
        self._forget(token)

    # Helpers -----------------------------------------------------------------------------
    def _post(self, url: str, form: Mapping[str, str]) -> Flow[httpx.Response]:
        build = partial(self._credentials.authenticated_post, url, form)
        return (yield from send(build, self._retry, self.clock))

    def _forget(self, token: Token | str) -> None:
        """Clear the store if it still holds `token` (and not a newer one)."""
        stored = self.token_store.load()
        if stored is None:
            return
        values = {token} if isinstance(token, str) else {token.access_token, token.refresh_token}
        if stored.access_token in values or (
            stored.refresh_token and stored.refresh_token in values
        ):
            self.token_store.clear()
