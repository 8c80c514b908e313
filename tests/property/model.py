"""The apps, the user and the oracles the property tests share (server side, issue 6).

`authorize_oracle` and `verifier_refusal` say what docs/fidelity.md (profile frameio-v2) makes
the authorization endpoint and the PKCE check answer; they are written from the
specification, independently of mockserver, so the tests can compare the two. The client
module's properties (tests/property/test_client_*.py, to come) can reuse the apps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from frameio_oauth_mock.mockserver.settings import UserConfig
from tests.conftest import s256
from tests.http.authorize_support import (
    BAD_REDIRECT,
    LOGIN_REQUIRED,
    OPENID_NEEDS_REDIRECT,
    PKCE_MISSING,
    PKCE_PLAIN,
    PKCE_UNKNOWN_METHOD,
    UNKNOWN_CLIENT,
    UNSUPPORTED_RESPONSE_TYPE,
    WEAK_STATE,
    audience_refused,
    response_mode_refused,
    response_type_refused,
    scope_refused,
)
from tests.http.token_support import (
    NO_CREDENTIALS,
    PKCE_BAD_CHARACTERS,
    PKCE_MISMATCH,
    PKCE_NOT_STARTED,
    PKCE_TOO_LONG,
    PKCE_TOO_SHORT,
    auth_method_mismatch,
)
from tests.property.support import (
    basic_header,
)

OFFLINE_SCOPES = ("offline", "offline_access")
VERIFIER_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)
USER = UserConfig(email="dev@example.com", password="password", name="Dev User")
OTHER_USER = UserConfig(email="other@example.com", password="hunter22", name="Other User")
USERS = {user.email: user for user in (USER, OTHER_USER)}
EVIL_REDIRECT = "https://evil.example.com/callback"


@dataclass(frozen=True)
class App:
    client_id: str
    secret: str | None
    method: str  # token_endpoint_auth_method
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "client_id": self.client_id,
            "redirect_uris": list(self.redirect_uris),
            "scopes": list(self.scopes),
            "token_endpoint_auth_method": self.method,
        }
        if self.secret is not None:
            config["client_secret"] = self.secret
        return config

    @property
    def offline_scope(self) -> str:
        return next(scope for scope in self.scopes if scope in OFFLINE_SCOPES)

    def credentials(self, how: str = "right") -> Credentials:
        """How a request authenticates as this app (docs/fidelity.md, "Client authentication"):

        right; alternate (a public client's Basic with an empty secret, also accepted);
        wrong-secret; wrong-method (Basic for a body client, the body for a Basic one);
        missing (no credentials at all).
        """
        basic = self.method == "client_secret_basic"
        secret = self.secret or ""
        refusal: tuple[str, str] | None = None
        if how == "missing":
            return Credentials([], [], ("invalid_request", NO_CREDENTIALS))
        if how == "alternate" and self.method == "none":
            return Credentials([], [basic_header(self.client_id, "")], None)
        if how == "wrong-method":
            used = "client_secret_post" if basic else "client_secret_basic"
            refusal = ("invalid_client", auth_method_mismatch(self.method, used))
            if basic:
                pairs = [("client_id", self.client_id), ("client_secret", secret)]
                return Credentials(pairs, [], refusal)
            return Credentials([], [basic_header(self.client_id, secret or "x")], refusal)
        if how == "wrong-secret":
            secret = "not-the-secret"
            refusal = ("invalid_client", "")
            if self.method == "none":  # a public client must send no secret at all
                refusal = ("invalid_client", auth_method_mismatch("none", "client_secret_post"))
        if basic:
            return Credentials([], [basic_header(self.client_id, secret)], refusal)
        pairs = [("client_id", self.client_id)]
        if secret:
            pairs.append(("client_secret", secret))
        return Credentials(pairs, [], refusal)


@dataclass(frozen=True)
class Credentials:
    pairs: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    refusal: tuple[str, str] | None  # the (error, hint) they earn, None when they are right


# Secrets with reserved characters: Basic must form-url-encode them, the body must too.
BASIC = App(
    "basic-app",
    "b4sic:s3cret/%+é",
    "client_secret_basic",
    ("http://127.0.0.1:8765/callback", "https://basic.example.com/cb?tenant=1"),
    ("account.read", "asset.read", "project.read", "offline"),
)
POST = App(
    "post-app",
    "p0st s3cret&=?",
    "client_secret_post",
    ("https://post.example.com/callback?x=1&y=two",),
    ("account.read", "asset.read", "offline_access"),
)
PKCE = App(
    "pkce-app",
    None,
    "none",
    # "localhost" is registered too, but only IP literals get RFC 8252's any-port rule.
    ("http://127.0.0.1/callback", "http://[::1]:9000/cb", "http://localhost:3000/cb"),
    ("account.read", "asset.read", "project.read", "offline"),
)
APPS = (BASIC, POST, PKCE)
APP_BY_ID = {app.client_id: app for app in APPS}
GHOST = "ghost-app"


def other_app(app: App) -> App:
    return APPS[(APPS.index(app) + 1) % len(APPS)]


# What the authorization endpoint must answer ------------------------------------------------


@dataclass(frozen=True)
class Approved:
    target: str
    scopes: tuple[str, ...]
    state: str
    challenge: str | None
    response_mode: str = "query"


@dataclass(frozen=True)
class ErrorPage:
    status: int
    error: str
    description: str


@dataclass(frozen=True)
class ErrorRedirect:
    target: str
    error: str
    description: str
    state: str
    response_mode: str = "query"


# Go's strings.TrimSpace: ASCII whitespace, NEL, NBSP and Unicode's White_Space.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)


def fosite_split(value: str) -> tuple[str, ...]:
    """fosite's RemoveEmpty(strings.Split(value, " ")): trimmed, empties dropped (and, as
    the mock keeps scopes, duplicates)."""
    return tuple(dict.fromkeys(p.strip(GO_SPACE) for p in value.split(" ") if p.strip(GO_SPACE)))


def _loopback_match(requested: str, registered: str) -> bool:
    try:
        got, want = urlsplit(requested), urlsplit(registered)
        got.port  # noqa: B018
    except ValueError:
        return False
    return (
        got.scheme == want.scheme == "http"
        and want.hostname in ("127.0.0.1", "::1")
        and got.hostname == want.hostname
        and (got.path, got.query) == (want.path, want.query)
        and got.username is None
        and not got.fragment
    )


def authorize_oracle(params: dict[str, str]) -> Approved | ErrorPage | ErrorRedirect:
    """docs/fidelity.md's checks in order: client, response_mode, redirect_uri, scope, audience,
    response_type, state, PKCE, then prompt=none (auto-approve mode has no session)."""
    app = APP_BY_ID.get(params.get("client_id", ""))
    if app is None:
        return ErrorPage(401, "invalid_client", UNKNOWN_CLIENT)
    mode = params.get("response_mode", "query")
    if mode not in ("query", "fragment", "form_post"):
        return ErrorPage(400, "unsupported_response_mode", response_mode_refused(mode))
    scopes = fosite_split(params.get("scope", ""))
    requested = params.get("redirect_uri")
    if requested is None and "openid" in scopes:
        return ErrorPage(400, "invalid_request", OPENID_NEEDS_REDIRECT)
    if requested is None:
        target = app.redirect_uris[0] if len(app.redirect_uris) == 1 else None
    elif requested in app.redirect_uris or any(
        _loopback_match(requested, uri) for uri in app.redirect_uris
    ):
        target = requested
    else:
        target = None
    if target is None:
        return ErrorPage(400, "invalid_request", BAD_REDIRECT)
    state = params.get("state", "")

    def refused(error: str, description: str) -> ErrorRedirect:
        return ErrorRedirect(target, error, description, state, mode)

    for scope in scopes:
        if scope not in app.scopes:
            return refused("invalid_scope", scope_refused(scope))
    audiences = fosite_split(params.get("audience", ""))
    if audiences:  # no app whitelists one
        return refused("invalid_request", audience_refused(audiences[0]))
    response_type = params.get("response_type", "")
    if not response_type:
        return refused("unsupported_response_type", UNSUPPORTED_RESPONSE_TYPE)
    if response_type != "code":
        return refused("unsupported_response_type", response_type_refused(response_type))
    if len(state.encode()) < 8:  # fosite: len(state), which counts bytes
        return refused("invalid_state", WEAK_STATE)
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method") or "plain"
    if not challenge:
        if app.method == "none":
            return refused("invalid_request", PKCE_MISSING)
    elif method == "plain":
        return refused("invalid_request", PKCE_PLAIN)
    elif method != "S256":
        return refused("invalid_request", PKCE_UNKNOWN_METHOD)
    if "none" in params.get("prompt", "").split(" "):
        return refused("login_required", LOGIN_REQUIRED)
    return Approved(target, scopes, state, challenge, mode)


def verifier_refusal(challenge: str | None, verifier: str | None) -> str | None:
    """fosite's PKCE hint for this verifier (lengths in bytes, as Go's len), or None."""
    if not challenge:
        return PKCE_NOT_STARTED if verifier else None
    verifier = verifier or ""
    size = len(verifier.encode())
    if size < 43:
        return PKCE_TOO_SHORT
    if size > 128:
        return PKCE_TOO_LONG
    if not set(verifier) <= VERIFIER_CHARACTERS:
        return PKCE_BAD_CHARACTERS
    return None if s256(verifier) == challenge else PKCE_MISMATCH
