"""The flow steps checks are built from: authorization requests (through the login driver),
token requests with each client-authentication method, refresh, and token liveness probes.

Each step returns what it saw (Calls carry their evidence), so a check decides and cites.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from frameio_oauth_mock.conformance.model import Exchange, Message, check_error, not_applicable
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.http import Call, Http
from frameio_oauth_mock.conformance.server.login import Drive, FormDriver, LoginRequest, load_hook
from frameio_oauth_mock.conformance.server.target import ClientSpec

Pairs = list[tuple[str, str]]


class _Default:
    """Marks "use the usual value" where None means "leave the parameter out"."""


DEFAULT: Any = _Default()


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str
    method: str | None = "S256"

    @classmethod
    def s256(cls, verifier: str | None = None) -> Pkce:
        verifier = verifier if verifier is not None else secrets.token_urlsafe(48)[:64]
        return cls(verifier, s256(verifier), "S256")

    @classmethod
    def plain(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)[:64]
        return cls(verifier, verifier, "plain")


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class Authorization:
    """One authorization request and where it ended."""

    client: ClientSpec
    url: str
    redirect_uri: str | None  # as sent; None when omitted
    state: str | None
    pkce: Pkce | None
    drive: Drive

    @property
    def callback(self) -> str | None:
        return self.drive.callback

    @property
    def params(self) -> dict[str, str]:
        """The response parameters: query, or fragment (implicit), first value of each."""
        if not self.callback:
            return {}
        parts = urlsplit(self.callback)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        pairs += parse_qsl(parts.fragment, keep_blank_values=True)
        result: dict[str, str] = {}
        for name, value in pairs:
            result.setdefault(name, value)
        return result

    @property
    def code(self) -> str | None:
        return self.params.get("code")

    @property
    def error(self) -> str | None:
        return self.params.get("error")

    def evidence(self, note: str = "") -> Exchange:
        """The decisive exchange: the redirect back to the client, else the last answer."""
        last = self.drive.last
        if last is None:
            return Exchange(Message(f"GET {self.url}"), None, note or self.drive.stopped)
        return last.evidence(note or self.drive.stopped)

    def first_evidence(self, note: str = "") -> Exchange:
        first = self.drive.first
        return first.evidence(note) if first is not None else self.evidence(note)


def authorization_pairs(
    ctx: ServerContext,
    client: ClientSpec,
    *,
    redirect_uri: str | None = DEFAULT,
    state: str | None = DEFAULT,
    scope: str | None = DEFAULT,
    response_type: str | None = "code",
    pkce: Pkce | None = DEFAULT,
    extra: Sequence[tuple[str, str]] = (),
) -> tuple[Pairs, str | None, str | None, Pkce | None]:
    """The query of an authorization request, and the redirect_uri, state and PKCE it uses."""
    redirect = client.redirect_uri if redirect_uri is DEFAULT else redirect_uri
    state_value = ctx.target.options.state if state is DEFAULT else state
    scope_value = client.scope if scope is DEFAULT else scope
    challenge = Pkce.s256() if pkce is DEFAULT else pkce
    pairs: Pairs = [("client_id", client.client_id)]
    if response_type is not None:
        pairs.append(("response_type", response_type))
    if redirect is not None:
        pairs.append(("redirect_uri", redirect))
    if scope_value:
        pairs.append(("scope", scope_value))
    if state_value is not None:
        pairs.append(("state", state_value))
    if challenge is not None:
        pairs.append(("code_challenge", challenge.challenge))
        if challenge.method is not None:
            pairs.append(("code_challenge_method", challenge.method))
    pairs.extend(ctx.target.authorization_params)
    pairs.extend(extra)
    return pairs, redirect, state_value, challenge


def authorize(
    ctx: ServerContext,
    client: ClientSpec,
    *,
    pairs: Pairs | None = None,
    browser: Http | None = None,
    decision: str = "allow",
    method: str = "GET",
    **options: Any,
) -> Authorization:
    """Send an authorization request and drive it to the redirect back to the client.

    `options` are authorization_pairs' keywords; `pairs` replaces the query altogether
    (for repeated or malformed parameters), with redirect_uri, state and pkce read from it.
    """
    if pairs is None:
        pairs, redirect, state, pkce = authorization_pairs(ctx, client, **options)
    else:
        redirect, state, pkce = _read_back(pairs, options.get("pkce"))
    endpoint = ctx.endpoints["authorization"]
    query = urlencode(pairs, quote_via=quote)
    url = f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
    form_driver = driver(ctx, browser or ctx.browser, redirect, decision)
    drive = form_driver.run(endpoint, "POST", pairs) if method == "POST" else form_driver.run(url)
    if drive.stuck and ctx.target.login.strategy == "hook":
        # The server showed a form (login, consent): the user's hook takes it from the start.
        drive = _run_hook(ctx, form_driver, url, decision)
    authorization = Authorization(client, url, redirect, state, pkce, drive)
    if drive.stuck:
        # A page the driver could not operate says nothing about the server: no refusal
        # may be read into it, so the check ends here, naming the page.
        raise check_error(f"the form driver is stuck: {drive.stuck}", authorization.evidence())
    return authorization


def _read_back(pairs: Pairs, pkce: Pkce | None) -> tuple[str | None, str | None, Pkce | None]:
    values = dict(pairs)
    return values.get("redirect_uri"), values.get("state"), pkce


def driver(
    ctx: ServerContext, browser: Http, redirect: str | None, decision: str = "allow"
) -> FormDriver:
    target = ctx.target
    return FormDriver(
        http=browser,
        server_origins=ctx.origins,
        client_prefixes=ctx.client_prefixes(redirect),
        username=target.user.username,
        password=target.user.password,
        fill=target.login.strategy == "form",
        decision=decision,
    )


def _run_hook(ctx: ServerContext, form_driver: FormDriver, url: str, decision: str) -> Drive:
    target = ctx.target
    assert target.login.hook is not None
    hook = load_hook(target.login.hook, str(target.base_dir))
    request = LoginRequest(
        authorize_url=url,
        client=form_driver.http.client,
        username=target.user.username,
        password=target.user.password,
        client_prefixes=form_driver.client_prefixes,
        decision=decision,
    )
    with form_driver.http.recording() as calls:
        try:
            callback = hook(request)
        except Exception as error:  # the user's code: report it as the check's error
            evidence = [call.evidence() for call in calls[-1:]]
            raise check_error(
                f"the login hook {target.login.hook} raised {type(error).__name__}: {error}",
                *evidence,
            ) from None
    drive = Drive(calls=calls, callback=callback)
    if not callback:
        drive.stopped = "the login hook returned None"
    # What the hook POSTed counts as submitted (S22 reads it), login or consent alike.
    drive.submissions = [("form", call) for call in calls if call.method == "POST"]
    return drive


def obtain_code(ctx: ServerContext, client: ClientSpec, **options: Any) -> Authorization:
    """An authorization that must yield a code; otherwise the check cannot run (error)."""
    authorization = authorize(ctx, client, **options)
    if authorization.code is None:
        reason = authorization.drive.stopped or f"error={authorization.error}"
        raise check_error(
            f"could not obtain an authorization code for {client.client_id}: {reason}",
            authorization.evidence(),
        )
    return authorization


# Token endpoint ------------------------------------------------------------------------
def client_auth(client: ClientSpec, method: str | None) -> tuple[dict[str, str], Pairs]:
    """Headers and body pairs that authenticate `client` with `method` (None: nothing)."""
    secret = client.client_secret or ""
    if method == "client_secret_basic":
        # RFC 6749 2.3.1: each part form-urlencoded, then Basic-encoded.
        raw = f"{_form_encode(client.client_id)}:{_form_encode(secret)}"
        token = base64.b64encode(raw.encode("utf-8")).decode("ascii")
        return {"Authorization": f"Basic {token}"}, []
    if method == "client_secret_post":
        return {}, [("client_id", client.client_id), ("client_secret", secret)]
    if method == "none":
        return {}, [("client_id", client.client_id)]
    return {}, []


def _form_encode(text: str) -> str:
    return urlencode({"": text})[1:]


def token_call(
    ctx: ServerContext,
    client: ClientSpec,
    pairs: Pairs,
    *,
    auth: str | None = DEFAULT,
    headers: dict[str, str] | None = None,
    url: str | None = None,
    http_method: str = "POST",
    http: Http | None = None,
) -> Call:
    """A token-endpoint request as `client`, authenticated with `auth` (default: the
    client's own method; None: no authentication at all)."""
    api = http or ctx.api
    method = client.auth_method if auth is DEFAULT else auth
    auth_headers, auth_pairs = client_auth(client, method)
    all_headers = {**auth_headers, **(headers or {})}
    endpoint = url or ctx.endpoints["token"]
    if http_method == "GET":
        query = urlencode(pairs + auth_pairs)
        return api.get(f"{endpoint}?{query}", headers=all_headers)
    return api.post(endpoint, pairs + auth_pairs, headers=all_headers)


def code_pairs(authorization: Authorization, **overrides: str | None) -> Pairs:
    """grant_type, code, redirect_uri (if sent) and code_verifier (if PKCE), with overrides
    (None removes a parameter)."""
    values: dict[str, str | None] = {
        "grant_type": "authorization_code",
        "code": authorization.code,
        "redirect_uri": authorization.redirect_uri,
        "code_verifier": authorization.pkce.verifier if authorization.pkce else None,
    }
    values.update(overrides)
    return [(name, value) for name, value in values.items() if value is not None]


def redeem(
    ctx: ServerContext,
    authorization: Authorization,
    *,
    client: ClientSpec | None = None,
    auth: str | None = DEFAULT,
    **overrides: str | None,
) -> Call:
    return token_call(
        ctx, client or authorization.client, code_pairs(authorization, **overrides), auth=auth
    )


def issued(call: Call) -> bool:
    """Whether a token response handed out an access token."""
    body = call.json()
    return call.status == 200 and body is not None and bool(body.get("access_token"))


def error_code(call: Call) -> str | None:
    body = call.json()
    value = body.get("error") if body else None
    return value if isinstance(value, str) else None


@dataclass
class Tokens:
    authorization: Authorization
    call: Call
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def access_token(self) -> str:
        return str(self.body.get("access_token", ""))

    @property
    def refresh_token(self) -> str | None:
        value = self.body.get("refresh_token")
        return value if isinstance(value, str) and value else None

    @property
    def scope(self) -> str | None:
        value = self.body.get("scope")
        return value if isinstance(value, str) else None


def obtain_tokens(ctx: ServerContext, client: ClientSpec, **options: Any) -> Tokens:
    authorization = obtain_code(ctx, client, **options)
    call = redeem(ctx, authorization)
    if not issued(call):
        raise check_error(
            f"the token endpoint refused a valid code for {client.client_id}",
            call.evidence("a plain, valid redemption"),
        )
    tokens = Tokens(authorization, call, call.json() or {})
    ctx.redactor.add(tokens.access_token)
    ctx.redactor.add(tokens.refresh_token)
    return tokens


def need_refresh_token(ctx: ServerContext, client: ClientSpec) -> Tokens:
    tokens = obtain_tokens(ctx, client)
    if tokens.refresh_token is None:
        raise not_applicable(
            f"the server issued no refresh token to {client.client_id} for scope {client.scope!r}",
            tokens.call.evidence(),
        )
    return tokens


def refresh(
    ctx: ServerContext,
    client: ClientSpec,
    refresh_token: str,
    *,
    auth: str | None = DEFAULT,
    scope: str | None = None,
) -> Call:
    pairs: Pairs = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)]
    if scope is not None:
        pairs.append(("scope", scope))
    call = token_call(ctx, client, pairs, auth=auth)
    body = call.json() or {}
    for name in ("access_token", "refresh_token"):
        value = body.get(name)
        if isinstance(value, str):
            ctx.redactor.add(value)
    return call


# Liveness of a token after an event (reuse, rotation) ------------------------------------
@dataclass
class Probe:
    active: bool | None  # None: the server offers no way to tell
    call: Call | None
    how: str


def probe_access_token(ctx: ServerContext, client: ClientSpec, token: str) -> Probe:
    """Is this access token still accepted? Introspection, else the resource or userinfo."""
    if "introspection" in ctx.endpoints:
        call = token_call(
            ctx,
            client,
            [("token", token), ("token_type_hint", "access_token")],
            url=ctx.endpoints["introspection"],
        )
        body = call.json()
        if call.status == 200 and body is not None and isinstance(body.get("active"), bool):
            return Probe(bool(body["active"]), call, "introspection")
    for name in ("resource", "userinfo"):
        url = ctx.endpoints.get(name)
        if url and _refuses_bogus_tokens(ctx, url):
            call = ctx.api.get(url, headers={"Authorization": f"Bearer {token}"})
            if call.status == 200:
                return Probe(True, call, name)
            if call.status == 401:
                return Probe(False, call, name)
    return Probe(None, None, "no introspection, resource or userinfo endpoint answered")


def _refuses_bogus_tokens(ctx: ServerContext, url: str) -> bool:
    """Whether `url` answers 401 to a made-up token: only then does a 200 mean "active"."""
    key = f"refuses-bogus:{url}"
    if key not in ctx.cache:
        call = ctx.api.get(url, headers={"Authorization": "Bearer conformance-invalid-token"})
        ctx.cache[key] = call.status == 401
    return bool(ctx.cache[key])
