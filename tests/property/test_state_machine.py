"""A stateful property test of both flows (issue 6): random interleavings against a model.

A hypothesis RuleBasedStateMachine drives the app in-process (tests/property/support.py's
synchronous ASGI driver) with a frozen clock. Every run starts with one to three apps signed
in (an offline session each); its rules then interleave:

- authorize / authorize_anything: a confidential client_secret_basic app, a
  client_secret_post app or a public PKCE app (or an unknown one); valid and invalid
  redirect_uri (registered, omitted, loopback with another port, unregistered, changed query,
  "localhost", another path), scope, response_type, state and PKCE parameters; with or
  without offline and login_hint; auto-approved, allowed or denied on the consent page
  (logging in when the browser has no session), or turned into access_denied by an authorize
  fault;
- redeem / redeem_anyhow: codes, with the right or a wrong or malformed verifier, client,
  redirect_uri and credentials (wrong secret, wrong method, none, a public app's Basic with
  an empty secret), replays included;
- refresh / refresh_anyhow: the current, a rotated, another client's or a bogus refresh
  token, or an access token in its place;
- revoke (access or refresh, own or another client's), call_me (/v2/me), introspect;
- time_passes: onto, or one second either side of, a code's or token's expiry or the end of
  a refresh token's retention; or on by a fixed amount.

A plain-Python model says what each answer must be (status, error, exact error_description,
token shapes, redirect target and query) and what must be live afterwards. The invariants,
checked after every step: no 5xx and no redirect off the client's registered URIs (request
log); the server holds exactly the model's live tokens; every live token introspects active
and every token that just died inactive (and /v2/me refuses it); nothing of a family with a
live token is forgotten; a rotated refresh token of a live family is held as used; no code
got two successful answers. Expected texts come from docs/fidelity.md (via
tests/http/token_support.py and tests/property/support.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from frameio_oauth_mock.mockserver.settings import UserConfig
from frameio_oauth_mock.mockserver.store import TokenState, run_now
from frameio_oauth_mock.mockserver.testing import MockServer
from tests.conftest import s256
from tests.http.authorize_support import (
    ACCESS_DENIED,
    CONSENT_DENIED,
    assert_error_page,
)
from tests.http.token_support import (
    CODE_OTHER_CLIENT,
    CODE_USED,
    PKCE_NOT_STARTED,
    PKCE_REQUIRED,
    REDIRECT_MISMATCH,
    REFRESH_EXPIRED,
    REFRESH_INVALID,
    REFRESH_OTHER_CLIENT,
    REFRESH_USED,
    expect_error,
    expect_tokens,
)
from tests.property.model import (
    APP_BY_ID,
    APPS,
    BASIC,
    EVIL_REDIRECT,
    GHOST,
    OFFLINE_SCOPES,
    OTHER_USER,
    USER,
    USERS,
    App,
    Approved,
    ErrorPage,
    ErrorRedirect,
    authorize_oracle,
    other_app,
    verifier_refusal,
)
from tests.property.support import (
    BASE_URL,
    Driver,
    assert_goes_to_registered,
    form_fields,
    query_pairs,
    registered_target,
    target_of,
)

START = 1_700_000_000.0
CODE_TTL = 600
ACCESS_TTL = 3600
REFRESH_TTL = 30 * 24 * 3600
# The mock keeps an expired refresh token this long so its use answers "expired".
REFRESH_RETENTION = 24 * 3600
# Retired tokens kept per family (small, so long refresh chains reach the cap): older ones
# are forgotten, and answer as unknown.
MAX_RETIRED = 6
SESSION_TTL = 24 * 3600
# How a token request authenticates: as the credential's own app, as another app, or wrongly.
CLIENTS = ["own", "other", "alternate", "wrong-secret", "wrong-method", "missing"]


# The model ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Family:
    """One approved authorization: its code and every token issued from it."""

    number: int
    app: App
    scopes: tuple[str, ...]
    redirect_sent: str | None
    verifier: str | None  # None: no PKCE
    user: UserConfig
    code: str
    code_expires_at: float
    redeemed: bool = False
    revoked: bool = False
    # fosite deletes the code's PKCE record at the first exchange that reaches the PKCE check.
    pkce_consumed: bool = False
    tokens: list[Token] = field(default_factory=list)

    @property
    def offline(self) -> bool:
        return any(scope in OFFLINE_SCOPES for scope in self.scopes)

    def __repr__(self) -> str:
        return f"Family#{self.number}({self.app.client_id})"


@dataclass(eq=False)
class Token:
    value: str
    kind: str  # "access_token" or "refresh_token"
    family: Family
    expires_at: float
    # "rotated" (refresh, exchanged), "retired" (access, after a refresh), "deleted" (a
    # rotated refresh token presented again: Hydra deleted it)
    state: str = "active"

    def live(self, now: float) -> bool:
        return self.state == "active" and not self.family.revoked and now < self.expires_at


# Strategies --------------------------------------------------------------------------------

PICK = st.integers(min_value=0, max_value=1 << 16)
# A client that comes back only around an expiry: None (at once), or seconds from it.
LATE = st.sampled_from([None, None, None, -1, 0, 1])
SCOPE_PICKS = st.lists(
    st.sampled_from(["account.read", "asset.read", "project.read"]), unique=True, max_size=3
)
DECISIONS = ["auto", "auto", "consent-allow", "consent-deny", "fault-deny"]
REDIRECTS = ["registered", "registered", "omitted", "other-port"]
BAD_REDIRECTS = ["unregistered", "changed-query", "localhost", "other-path"]
STATES = ["valid", "short", "missing", "eight-ascii", "seven-ascii", "four-accented"]
PKCE_VARIANTS = ["S256", "none", "plain", "no-method", "S512"]


def redirect_for(app: App, variant: str, index: int) -> str | None:
    """A redirect_uri parameter: a registered URI (the index-th), or a variant of it."""
    uri = app.redirect_uris[index % len(app.redirect_uris)]
    parts = urlsplit(uri)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname or ""
    if variant == "registered":
        return uri
    if variant == "omitted":
        return None
    if variant == "other-port":
        return urlunsplit(parts._replace(netloc=f"{host}:54321"))
    if variant == "unregistered":
        return EVIL_REDIRECT
    if variant == "changed-query":
        return uri + ("&" if parts.query else "?") + "injected=1"
    if variant == "localhost":
        port = f":{parts.port}" if parts.port else ""
        return urlunsplit(parts._replace(netloc=f"localhost{port}"))
    assert variant == "other-path"
    return urlunsplit(parts._replace(path=parts.path + "/extra"))


def any_port_allowed(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1")


def state_for(variant: str, number: int) -> str | None:
    return {
        "valid": f"state-{number:06d}",
        "short": "abc",
        "missing": None,
        "eight-ascii": "8chars!!",
        "seven-ascii": "7chars!",
        "four-accented": "éééé",  # 4 characters, 8 bytes: long enough for fosite
    }[variant]


# The machine -------------------------------------------------------------------------------


class OAuthMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.mock = MockServer(
            clients=[app.config() for app in APPS],
            users=[USER, OTHER_USER],
            seed=6,
            max_retired_tokens=MAX_RETIRED,
        )
        self.now = START
        self.mock.clock.freeze(START)
        self.http = Driver(self.mock.app)
        self.families: list[Family] = []
        self.tokens: list[Token] = []
        self.counter = 0
        self.live_before: set[str] = set()
        # The browser's login at the consent pages: its user, until when the mock keeps it.
        self.session: tuple[UserConfig, float] | None = None
        self.consent_location = ""  # where the last login sent the browser
        self.log_seen = 0  # request-log entries already checked

    # What the server must still remember ------------------------------------------------
    def _family_live(self, family: Family) -> bool:
        return any(token.live(self.now) for token in family.tokens)

    def _token_remembered(self, token: Token) -> bool:
        """Whether the server still holds `token` (asked before a request, which may purge).

        It must while the token is within its lifetime (a refresh token: plus the day it is
        kept to answer "expired") and while anything of its family is live. Past that the
        mock may forget it (its memory bound); that cannot matter, as nothing of the family
        lives or can live again, so the model asks the store which answer to expect.
        """
        if self._past_retired_cap(token):
            return False
        retention = REFRESH_RETENTION if token.kind == "refresh_token" else 0
        if self.now < token.expires_at + retention or self._family_live(token.family):
            return True
        return self._held(token.value)

    def _held(self, value: str) -> bool:
        return run_now(self.mock.store.find_token(value)) is not None

    def _past_retired_cap(self, token: Token) -> bool:
        """Whether the family retired MAX_RETIRED tokens after this one (so it is forgotten)."""
        retired = [t for t in token.family.tokens if t.state != "active"]
        return token in retired and retired.index(token) < len(retired) - MAX_RETIRED

    def _code_remembered(self, family: Family) -> bool:
        if self.now < family.code_expires_at or self._family_live(family):
            return True
        return run_now(self.mock.store.find_code(family.code)) is not None

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def new_verifier(self) -> str:
        number = self.next_number()
        text = (
            f"v{number:05d}-" + "abcdefghijklmnopqrstuvwxyz.ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789~"
        )
        return (text * 2)[: 43 + (number * 37) % 86]

    # Authorization ----------------------------------------------------------------------
    @initialize(
        clients=st.lists(st.sampled_from(APPS), min_size=1, max_size=3, unique=True),
        pkce=st.booleans(),
    )
    def signed_in(self, clients: list[App], pkce: bool) -> None:
        """Every run starts with apps holding a fresh offline session each (swarm testing
        switches rules off per run, and every run needs something to refresh and revoke)."""
        for app in clients:
            scopes = ["account.read", app.offline_scope]
            variant = "S256" if pkce or app.method == "none" else "none"
            self._authorize(
                app.client_id, "registered", 0, scopes, "code", "valid", variant, "auto", ""
            )
            self._redeem(self.families[-1], "own", "right", "right")

    @rule(
        client=st.sampled_from([app.client_id for app in APPS]),
        redirect=st.sampled_from(REDIRECTS),
        uri=st.integers(min_value=0, max_value=2),
        scopes=SCOPE_PICKS,
        offline=st.booleans(),
        pkce=st.booleans(),
        decision=st.sampled_from(DECISIONS),
        hint=st.sampled_from(["", USER.email, OTHER_USER.email]),
    )
    def authorize(
        self,
        client: str,
        redirect: str,
        uri: int,
        scopes: list[str],
        offline: bool,
        pkce: bool,
        decision: str,
        hint: str,
    ) -> None:
        """A valid request (the variants that do not apply to this client fall back)."""
        app = APP_BY_ID[client]
        if redirect == "omitted" and len(app.redirect_uris) > 1:
            redirect = "registered"
        if redirect == "other-port" and not any_port_allowed(
            app.redirect_uris[uri % len(app.redirect_uris)]
        ):
            redirect = "registered"
        requested = [scope for scope in scopes if scope in app.scopes]
        if offline:
            requested.append(app.offline_scope)
        variant = "S256" if pkce or app.method == "none" else "none"
        self._authorize(client, redirect, uri, requested, "code", "valid", variant, decision, hint)

    @rule(
        client=st.sampled_from([*(app.client_id for app in APPS), GHOST]),
        redirect=st.sampled_from(REDIRECTS + BAD_REDIRECTS),
        uri=st.integers(min_value=0, max_value=2),
        scopes=SCOPE_PICKS,
        offline=st.booleans(),
        extra_scope=st.sampled_from(["", "team.create", "no.such.scope", "offline_access"]),
        response_type=st.sampled_from(["code", "", "token", "code id_token"]),
        state=st.sampled_from(STATES),
        pkce=st.sampled_from(PKCE_VARIANTS),
        decision=st.sampled_from(DECISIONS),
    )
    def authorize_anything(
        self,
        client: str,
        redirect: str,
        uri: int,
        scopes: list[str],
        offline: bool,
        extra_scope: str,
        response_type: str,
        state: str,
        pkce: str,
        decision: str,
    ) -> None:
        """Any mix of valid and invalid parameters: the oracle says what must happen."""
        app = APP_BY_ID.get(client, BASIC)
        requested = list(scopes)
        if offline:
            requested.append(app.offline_scope)
        if extra_scope:
            requested.append(extra_scope)
        self._authorize(client, redirect, uri, requested, response_type, state, pkce, decision, "")

    def _authorize(
        self,
        client: str,
        redirect: str,
        uri: int,
        scopes: list[str],
        response_type: str,
        state_variant: str,
        pkce: str,
        decision: str,
        hint: str,
    ) -> None:
        app = APP_BY_ID.get(client, BASIC)
        params: dict[str, str] = {"client_id": client}
        if hint:
            params["login_hint"] = hint
        redirect_uri = redirect_for(app, redirect, uri)
        if redirect_uri is not None:
            params["redirect_uri"] = redirect_uri
        if scopes:
            params["scope"] = " ".join(scopes)
        if response_type:
            params["response_type"] = response_type
        state = state_for(state_variant, self.next_number())
        if state is not None:
            params["state"] = state
        verifier = self.new_verifier()
        if pkce != "none":
            params["code_challenge"] = s256(verifier)
        if pkce in ("S256", "plain", "S512"):
            params["code_challenge_method"] = pkce
        outcome = authorize_oracle(params)

        if decision == "fault-deny":
            fault = self.mock.fault("authorize", client_id=client, redirect_error="access_denied")
            try:
                response = self.http.get("/oauth2/auth", params)
            finally:
                self.mock.faults.remove(fault.id)
            if not isinstance(outcome, ErrorPage):  # every redirect to the client is tampered
                outcome = ErrorRedirect(
                    outcome.target, "access_denied", ACCESS_DENIED, outcome.state
                )
            self._check_outcome(response, outcome, app)
            return
        user = USERS[hint] if hint else USER  # auto_approve: login_hint, else the first user
        if decision == "auto":
            response = self.http.get("/oauth2/auth", params)
        else:
            self.mock.configure(auto_approve=False)
            try:
                response = self.http.get("/oauth2/auth", params)
                if isinstance(outcome, Approved):
                    user = self._log_in_if_asked(response, user)
                    response = self._consent(response, decision == "consent-allow")
                    if decision == "consent-deny":
                        outcome = ErrorRedirect(
                            outcome.target, "access_denied", CONSENT_DENIED, outcome.state
                        )
            finally:
                self.mock.configure(auto_approve=True)
        query = self._check_outcome(response, outcome, app)
        if isinstance(outcome, Approved):
            family = Family(
                number=self.next_number(),
                app=app,
                scopes=outcome.scopes,
                redirect_sent=params.get("redirect_uri"),
                verifier=verifier if outcome.challenge else None,
                user=user,
                code=query["code"],
                code_expires_at=self.now + CODE_TTL,
            )
            self.families.append(family)

    def _log_in_if_asked(self, response: httpx.Response, user: UserConfig) -> UserConfig:
        """The user the consent is given as: the browser's session's, else `user` logs in."""
        assert response.status_code == 200, response.text
        logged_in = self.session is not None and self.now < self.session[1]
        assert ('name="password"' not in response.text) == logged_in, response.text
        if self.session is not None and logged_in:
            return self.session[0]
        login = self.http.post(
            "/oauth2/auth/login",
            {**form_fields(response), "email": user.email, "password": user.password},
        )
        assert login.status_code == 303, login.text
        self.consent_location = login.headers["location"]
        assert self.consent_location.startswith("/oauth2/auth/consent?challenge=")
        self.session = (user, self.now + SESSION_TTL)
        return user

    def _consent(self, response: httpx.Response, allow: bool) -> httpx.Response:
        """Allow or deny on the consent page (after a login, the page it redirected to)."""
        if 'name="password"' in response.text:
            response = self.http.get("/oauth2/auth/consent", urlsplit(self.consent_location).query)
        assert response.status_code == 200, response.text
        assert 'value="allow"' in response.text and 'name="password"' not in response.text
        decision = "allow" if allow else "deny"
        return self.http.post(
            "/oauth2/auth/consent", {**form_fields(response), "decision": decision}
        )

    def _check_outcome(
        self,
        response: httpx.Response,
        outcome: Approved | ErrorPage | ErrorRedirect,
        app: App,
    ) -> dict[str, str]:
        if isinstance(outcome, ErrorPage):
            assert_error_page(response, outcome.status, outcome.error, outcome.description)
            return {}
        assert response.status_code == 303, response.text
        location = assert_goes_to_registered(response, app.redirect_uris)
        assert target_of(location) == target_of(outcome.target)
        expected = query_pairs(outcome.target)
        if isinstance(outcome, ErrorRedirect):
            expected += [("error", outcome.error), ("error_description", outcome.description)]
            if outcome.state is not None:
                expected.append(("state", outcome.state))
        else:
            expected += [("scope", " ".join(outcome.scopes)), ("state", outcome.state)]
        got = query_pairs(location)
        codes = [value for name, value in got if name == "code"]
        if isinstance(outcome, Approved):
            assert len(codes) == 1 and codes[0].startswith("ory_ac_"), location
        else:
            assert not codes, location
        assert sorted(pair for pair in got if pair[0] != "code") == sorted(expected), location
        return dict(got)

    # Token endpoint ---------------------------------------------------------------------
    def _send(
        self, path: str, app: App, client: str, pairs: list[tuple[str, str]]
    ) -> tuple[httpx.Response, tuple[str, str] | None]:
        """POST `pairs` authenticated as `client` says; the answer and the refusal it earns."""
        credentials = app.credentials("right" if client in ("own", "other") else client)
        response = self.http.post(path, pairs + credentials.pairs, credentials.headers)
        return response, credentials.refusal

    def _expect_success(self, response: httpx.Response, family: Family) -> None:
        """A token answer for `family`'s scopes; the model records what it issued."""
        body = expect_tokens(response, " ".join(family.scopes), family.offline)
        for kind, ttl in (("access_token", ACCESS_TTL), ("refresh_token", REFRESH_TTL)):
            if kind in body:
                token = Token(str(body[kind]), kind, family, self.now + ttl)
                family.tokens.append(token)
                self.tokens.append(token)

    def _pick_family(self, pick: int, fresh: bool) -> Family:
        """A family; with `fresh`, one of the two unused codes closest to expiry (expired
        this very second included: the boundary is where off-by-ones live), if any."""
        if fresh:
            unused = sorted(
                (
                    family
                    for family in self.families
                    if not family.redeemed and self.now <= family.code_expires_at + 1
                ),
                key=lambda family: family.code_expires_at,
            )
            if unused:
                return unused[pick % min(2, len(unused))]
        return self.families[pick % len(self.families)]

    @precondition(lambda self: self.families)
    @rule(pick=PICK, late=LATE)
    def redeem(self, pick: int, late: int | None) -> None:
        """What a correct client does, with a code it has not used yet if there is one;
        a slow one (`late`) comes back a second before, at or after the code's expiry."""
        family = self._pick_family(pick, True)
        self._wait_until(family.code_expires_at, late)
        self._redeem(family, "own", "right", "right")

    @precondition(lambda self: self.families)
    @rule(
        pick=PICK,
        fresh=st.booleans(),
        client=st.sampled_from(CLIENTS),
        verifier=st.sampled_from(["right", "wrong", "missing", "short", "long", "bad"]),
        redirect=st.sampled_from(["right", "missing", "wrong"]),
    )
    def redeem_anyhow(
        self, pick: int, fresh: bool, client: str, verifier: str, redirect: str
    ) -> None:
        """A fresh code or any (used ones are replays), any client, verifier, redirect_uri."""
        self._redeem(self._pick_family(pick, fresh), client, verifier, redirect)

    def _redeem(self, family: Family, client: str, verifier: str, redirect: str) -> None:
        app = other_app(family.app) if client == "other" else family.app
        pairs = [("grant_type", "authorization_code"), ("code", family.code)]
        sent_redirect = {
            "right": family.redirect_sent,
            "missing": None,
            "wrong": EVIL_REDIRECT,
        }[redirect]
        if sent_redirect is not None:
            pairs.append(("redirect_uri", sent_redirect))
        sent_verifier = {
            "right": family.verifier,
            "wrong": self.new_verifier(),
            "missing": None,
            "short": "a" * 42,
            "long": "a" * 129,
            "bad": "a" * 42 + "!",
        }[verifier]
        if sent_verifier is not None:
            pairs.append(("code_verifier", sent_verifier))
        remembered = self._code_remembered(family)
        response, refusal = self._send("/oauth2/token", app, client, pairs)

        if refusal is not None:
            expect_error(response, *refusal)
        elif family.redeemed and remembered:
            expect_error(response, "invalid_grant", CODE_USED)
            family.revoked = True  # RFC 6749 4.1.2: what the code issued is revoked
        elif self.now >= family.code_expires_at:
            expect_error(response, "invalid_grant")
        elif app is not family.app:
            expect_error(response, "invalid_grant", CODE_OTHER_CLIENT)
        elif family.redirect_sent is not None and sent_redirect != family.redirect_sent:
            expect_error(response, "invalid_grant", REDIRECT_MISMATCH)
        elif family.pkce_consumed:  # no PKCE data left: as if none had been sent
            if sent_verifier:
                expect_error(response, "invalid_grant", PKCE_NOT_STARTED)
            elif app.method == "none":
                expect_error(response, "invalid_request", PKCE_REQUIRED)
            else:
                self._expect_success(response, family)
                family.redeemed = True
        else:
            family.pkce_consumed = family.verifier is not None
            challenge = s256(family.verifier) if family.verifier else None
            hint = verifier_refusal(challenge, sent_verifier)
            if hint is not None:
                expect_error(response, "invalid_grant", hint)
            else:
                self._expect_success(response, family)
                family.redeemed = True

    @precondition(lambda self: any(token.kind == "refresh_token" for token in self.tokens))
    @rule(pick=PICK, late=LATE)
    def refresh(self, pick: int, late: int | None) -> None:
        """What a correct client does: its newest refresh token, its own credentials; a slow
        one (`late`) comes back a second before, at or after the refresh token's expiry."""
        token = self._pick(pick, "current", True)
        if token is not None:
            self._wait_until(token.expires_at, late)
        self._refresh(token, "own", pick % 3 == 0)

    @precondition(lambda self: self.tokens)
    @rule(
        pick=PICK,
        which=st.sampled_from(["current", "rotated", "access", "bogus"]),
        lively=st.booleans(),
        client=st.sampled_from(CLIENTS),
    )
    def refresh_anyhow(self, pick: int, which: str, lively: bool, client: str) -> None:
        """A current, rotated, foreign or bogus token, or an access token instead."""
        self._refresh(self._pick(pick, which, lively), client, False)

    def _refresh(self, token: Token | None, client: str, with_scope: bool) -> None:
        owner = token.family.app if token else BASIC
        app = other_app(owner) if client == "other" else owner
        value = token.value if token else "ory_rt_bogus.bogus"
        pairs = [("grant_type", "refresh_token"), ("refresh_token", value)]
        if with_scope:
            pairs.append(("scope", "team.create"))  # ignored: the granted scopes come back
        remembered = token is not None and self._token_remembered(token)
        response, refusal = self._send("/oauth2/token", app, client, pairs)

        if refusal is not None:
            expect_error(response, *refusal)
            return
        if (
            token is None
            or token.kind != "refresh_token"
            or not remembered
            or token.state == "deleted"
        ):
            expect_error(response, "invalid_grant", REFRESH_INVALID)
            return
        family = token.family
        if token.state == "rotated":
            expect_error(response, "invalid_grant", REFRESH_USED)
            family.revoked = True
            token.state = "deleted"  # Hydra deletes the reused token: next time "not valid"
        elif family.revoked:
            expect_error(response, "invalid_grant", REFRESH_INVALID)
        elif self.now >= token.expires_at:
            expect_error(response, "invalid_grant", REFRESH_EXPIRED)
        elif app is not family.app:
            expect_error(response, "invalid_grant", REFRESH_OTHER_CLIENT)
        else:
            self._expect_success(response, family)
            token.state = "rotated"
            for issued in family.tokens[:-2]:
                if issued.kind == "access_token":
                    issued.state = "retired"

    def _pick(self, pick: int, which: str, lively: bool) -> Token | None:
        """A token of the kind `which` names (falling back to any), or None for a bogus one;
        with `lively`, preferably a live one, else one whose family still has a live token."""
        if which == "bogus" or not self.tokens:
            return None
        wanted: Callable[[Token], bool] = {
            "current": lambda token: token.kind == "refresh_token" and token.state == "active",
            "rotated": lambda token: token.state == "rotated",
            "refresh": lambda token: token.kind == "refresh_token",
            "access": lambda token: token.kind == "access_token",
        }[which]
        candidates = [token for token in self.tokens if wanted(token)] or self.tokens
        if lively:
            candidates = (
                [token for token in candidates if token.live(self.now)]
                or [token for token in candidates if self._family_live(token.family)]
                or candidates
            )
        return candidates[pick % len(candidates)]

    # Revocation, introspection, the API ------------------------------------------------------
    @precondition(lambda self: self.tokens)
    @rule(
        pick=PICK,
        which=st.sampled_from(["access", "refresh", "rotated", "bogus"]),
        lively=st.booleans(),
        client=st.sampled_from(["own", *CLIENTS]),
        hint=st.sampled_from(["", "access_token", "refresh_token"]),
    )
    def revoke(self, pick: int, which: str, lively: bool, client: str, hint: str) -> None:
        token = self._pick(pick, which, lively)
        owner = token.family.app if token else BASIC
        app = other_app(owner) if client == "other" else owner
        pairs = [("token", token.value if token else "ory_at_bogus.bogus")]
        if hint:
            pairs.append(("token_type_hint", hint))
        remembered = token is not None and self._token_remembered(token)
        response, refusal = self._send("/oauth2/revoke", app, client, pairs)
        if refusal is not None:
            expect_error(response, *refusal)
            return
        # RFC 7009 2.2: 200 and an empty body, for unknown and foreign tokens too.
        assert response.status_code == 200, response.text
        assert response.content == b""
        if token is not None and remembered and app is token.family.app:
            token.family.revoked = True  # either token of an authorization revokes both

    @precondition(lambda self: self.tokens)
    @rule(
        pick=PICK,
        which=st.sampled_from(["access", "access", "refresh", "bogus"]),
        lively=st.booleans(),
        late=LATE,
    )
    def call_me(self, pick: int, which: str, lively: bool, late: int | None) -> None:
        token = self._pick(pick, which, lively)
        if token is not None:
            self._wait_until(token.expires_at, late)
        value = token.value if token else "ory_at_bogus.bogus"
        self._check_me(value, token)

    def _check_me(self, value: str, token: Token | None) -> None:
        response = self.http.request(
            "GET", "/v2/me", headers=[("authorization", f"Bearer {value}")]
        )
        live = token is not None and token.kind == "access_token" and token.live(self.now)
        if live and token is not None and "account.read" in token.family.scopes:
            assert response.status_code == 200, response.text
            body = response.json()
            user = token.family.user
            assert (body["id"], body["email"]) == (user.id, user.email)
            return
        status, code = (403, "insufficient_scope") if live else (401, "invalid_token")
        assert response.status_code == status, response.text
        assert response.json()["errors"][0]["code"] == code
        assert f'error="{code}"' in response.headers["www-authenticate"]

    @precondition(lambda self: self.tokens)
    @rule(pick=PICK, which=st.sampled_from(["access", "refresh", "rotated"]))
    def introspect(self, pick: int, which: str) -> None:
        token = self._pick(pick, which, False)
        assert token is not None
        self._check_introspection(token, APPS[pick % len(APPS)])

    def _check_introspection(self, token: Token, app: App) -> None:
        credentials = app.credentials()
        response = self.http.post(
            "/oauth2/introspect", [("token", token.value), *credentials.pairs], credentials.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        # A public client learns only about its own tokens (README "Security model").
        hidden = app.secret is None and token.family.app.client_id != app.client_id
        if not token.live(self.now) or hidden:
            assert body == {"active": False}, (token, body)
            return
        family = token.family
        assert body["active"] is True, token
        assert body["client_id"] == family.app.client_id
        assert body["scope"] == " ".join(family.scopes)
        assert body["token_use"] == token.kind
        assert body["exp"] == int(token.expires_at)
        assert body["sub"] == family.user.id
        assert "username" not in body
        assert body["iss"] == BASE_URL

    # The clock --------------------------------------------------------------------------
    def _advance(self, seconds: float) -> None:
        self.now += seconds
        self.mock.clock.advance(seconds)

    def _wait_until(self, deadline: float, late: int | None) -> None:
        """Let time pass to `deadline` + `late` seconds (None: no waiting), if still ahead."""
        if late is not None and deadline + late > self.now:
            self._advance(deadline + late - self.now)

    @rule(
        pick=PICK,
        to=st.sampled_from(["expiry", "expiry", "later"]),
        what=st.sampled_from(["code", "token", "retention"]),
        offset=st.sampled_from([0, -1, 1]),
        seconds=st.sampled_from([1, 61, 599, 3599, 86400, REFRESH_TTL + REFRESH_RETENTION]),
    )
    def time_passes(self, pick: int, to: str, what: str, offset: int, seconds: int) -> None:
        """The clock steps onto (or one second either side of) a code's or a token's expiry
        or the end of a refresh token's retention; or simply moves on by `seconds`."""
        if what == "code":  # unused codes' expiries first: redeeming on the boundary matters
            unused = [family for family in self.families if not family.redeemed]
            deadlines = [family.code_expires_at for family in unused or self.families]
        else:
            extra = REFRESH_RETENTION if what == "retention" else 0
            deadlines = [token.expires_at + extra for token in self.tokens]
        ahead = sorted({deadline + offset for deadline in deadlines} - {self.now})
        ahead = [moment for moment in ahead if moment > self.now]
        if to == "expiry" and ahead:
            self._advance(ahead[pick % len(ahead)] - self.now)
        else:
            self._advance(seconds)

    # Invariants -------------------------------------------------------------------------
    @invariant()
    def server_holds_exactly_the_live_tokens_of_the_model(self) -> None:
        assert self.mock.clock.now() == self.now
        live = {token.value for token in self.tokens if token.live(self.now)}
        store = self.mock.store
        records = {value: run_now(store.find_token(value)) for value in live}
        dead = {
            value for value, record in records.items() if not record or not record.is_live(self.now)
        }
        assert not dead, f"live in the model only: {dead}"
        # The store keeps no values to list; the count shows it holds no other live token.
        held = store.live_token_count(self.now)
        assert held == len(live), f"{held} live on the server, {len(live)} in the model"

    @invariant()
    def live_tokens_work_and_dead_ones_do_not(self) -> None:
        """Black-box: introspection of every live token and of each one that just died;
        /v2/me for each access token just issued (its user, or 403 without account.read)
        and each one that just died (401)."""
        live = {token.value for token in self.tokens if token.live(self.now)}
        for token in self.tokens:
            if token.value in live or token.value in self.live_before:
                self._check_introspection(token, BASIC)
                changed = (token.value in live) != (token.value in self.live_before)
                if changed and token.kind == "access_token":
                    self._check_me(token.value, token)
        self.live_before = live

    @invariant()
    def nothing_of_a_live_family_is_forgotten(self) -> None:
        for family in self.families:
            if self._family_live(family):
                assert run_now(self.mock.store.find_code(family.code)) is not None, family
                for token in family.tokens:
                    # Within the cap it is held; past it, forgotten (the memory bound).
                    assert self._held(token.value) != self._past_retired_cap(token), token

    @invariant()
    def no_answer_is_a_500_and_no_redirect_leaves_home(self) -> None:
        """By the server's own request log, every request since the last step: no 5xx, and
        every Location is the mock's own page or a URI registered for the request's client."""
        entries = self.mock.requests.all()[self.log_seen :]
        self.log_seen += len(entries)
        for entry in entries:
            assert entry.status < 500, entry
            if entry.location and not entry.location.startswith("/oauth2/auth/"):
                apps = [APP_BY_ID[entry.client_id]] if entry.client_id in APP_BY_ID else APPS
                registered = [uri for app in apps for uri in app.redirect_uris]
                assert registered_target(entry.location, registered), entry

    @invariant()
    def a_code_is_redeemed_at_most_once(self) -> None:
        """By the server's own request log: no code got two successful answers."""
        answers = self.mock.requests.filter("token", grant_type="authorization_code", status=200)
        redeemed = Counter(str(entry.form.get("code")) for entry in answers)
        assert all(count == 1 for count in redeemed.values()), redeemed
        assert len(redeemed) == sum(family.redeemed for family in self.families)

    @invariant()
    def a_rotated_refresh_token_stays_recognisable(self) -> None:
        """While its family lives, the server holds each rotated refresh token as used, so
        presenting it again is caught as reuse (and ends the family)."""
        for token in self.tokens:
            live = self._family_live(token.family)
            if token.state == "rotated" and live and not self._past_retired_cap(token):
                held = run_now(self.mock.store.find_token(token.value))
                assert held is not None and held.state is TokenState.ROTATED, token


TestOAuthMachine = OAuthMachine.TestCase
# Each run is one interleaving of up to stateful_step_count steps, and swarm testing switches
# some rules off per run: the machine gets three times the profile's examples ("ci": 300 runs
# in about 20 s; "deep": 6000).
TestOAuthMachine.settings = settings(max_examples=3 * settings().max_examples)


# Regressions: the shrunk examples of the bugs this machine found, replayed step by step ------
# (RuleBasedStateMachine takes no @example; these are the programs Hypothesis printed, written
# against the current rule signatures.)

INVARIANTS = [
    "no_answer_is_a_500_and_no_redirect_leaves_home",
    "server_holds_exactly_the_live_tokens_of_the_model",
    "live_tokens_work_and_dead_ones_do_not",
    "nothing_of_a_live_family_is_forgotten",
    "a_code_is_redeemed_at_most_once",
    "a_rotated_refresh_token_stays_recognisable",
]


def replay(*steps: tuple[str, dict[str, Any]]) -> None:
    machine = OAuthMachine()
    for name, arguments in steps:
        getattr(machine, name)(**arguments)
        for invariant_name in INVARIANTS:
            getattr(machine, invariant_name)()


AUTO = {"decision": "auto", "redirect": "registered", "uri": 0}


def test_regression_a_state_of_8_bytes_is_strong_enough() -> None:
    """Bug 1: "éééé" (4 characters, 8 bytes) was refused with invalid_state; fosite's
    len(state) counts bytes, so Hydra accepts it."""
    valid = {"response_type": "code", "extra_scope": "", "offline": False, "scopes": []}
    replay(
        (
            "authorize_anything",
            {**AUTO, **valid, "client": "basic-app", "pkce": "S256", "state": "four-accented"},
        )
    )


def test_regression_a_code_replayed_after_its_expiry_still_revokes_its_tokens() -> None:
    """Bug 2: once a redeemed code had expired and been purged (at the next request a minute
    later), its replay answered a bare invalid_grant and left its tokens live; Hydra keeps
    the code and answers "already used", revoking what it issued (RFC 6749 4.1.2)."""
    authorize = {
        **AUTO,
        **{"client": "basic-app", "offline": False, "pkce": False, "scopes": [], "hint": ""},
    }
    passes = {"pick": 0, "what": "code", "offset": -1}
    replay(
        ("authorize", authorize),
        ("time_passes", {**passes, "to": "expiry", "seconds": 1}),
        ("redeem", {"pick": 0, "late": None}),
        ("time_passes", {**passes, "to": "later", "seconds": 61}),
        ("authorize", authorize),
        (
            "redeem_anyhow",
            {"pick": 0, "fresh": False, "client": "own", "verifier": "right", "redirect": "right"},
        ),
    )
