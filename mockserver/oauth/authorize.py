"""The authorization endpoint's decisions: validate a request in Hydra's order, then mint a code.

Checks run client -> response_mode -> redirect_uri -> scope -> audience -> response_type ->
state -> PKCE. Until the redirect_uri is trusted, errors carry no redirect target, so the web
layer shows an error page.
"""

from __future__ import annotations

from collections.abc import Iterable

from frameio_oauth_mock.mockserver.oauth.audience import check_audience
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.oauth.minting import mint_for
from frameio_oauth_mock.mockserver.oauth.params import (
    AUTHORIZE_PARAMETERS,
    audiences,
    go_len,
    single_values,
    split_scope,
)
from frameio_oauth_mock.mockserver.oauth.pkce import check_challenge
from frameio_oauth_mock.mockserver.oauth.redirects import (
    choose_redirect_uri,
    with_fragment,
    with_query,
)
from frameio_oauth_mock.mockserver.store import AuthorizationRequest, CodeRecord, Grant
from frameio_oauth_mock.mockserver.store.records import grant_id_for_code

__all__ = ["AuthorizationError", "AuthorizationRequest", "AuthorizationResponse"]


class AuthorizationResponse:
    """An answer for the client's redirect_uri, in the request's response_mode.

    Read-only by convention (with_params makes a changed copy). A plain class, not a
    dataclass: one is made per authorization, and dataclass() costs start-up time.
    """

    __slots__ = ("client_id", "params", "redirect_uri", "response_mode")

    def __init__(
        self,
        redirect_uri: str,
        params: dict[str, str],
        response_mode: str = "query",
        # Whose answer it is: scripted faults that tamper with answers may name a client.
        client_id: str = "",
    ) -> None:
        self.redirect_uri = redirect_uri
        self.params = params
        self.response_mode = response_mode
        self.client_id = client_id

    def with_params(self, params: dict[str, str]) -> AuthorizationResponse:
        return AuthorizationResponse(self.redirect_uri, params, self.response_mode, self.client_id)

    def location(self) -> str:
        """The redirect target (query or fragment mode; form_post is a page instead)."""
        if self.response_mode == "fragment":
            return with_fragment(self.redirect_uri, self.params)
        return with_query(self.redirect_uri, self.params)


class AuthorizationError(Exception):
    """An authorization request refused; `redirect_uri` is None when it must not be redirected."""

    def __init__(
        self,
        error: OAuthError,
        redirect_uri: str | None,
        state: str | None,
        issuer: str | None = None,
        client_id: str | None = None,
        response_mode: str = "query",
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state
        self.issuer = issuer
        self.client_id = client_id
        self.response_mode = response_mode


def _page(error: str, hint: str) -> AuthorizationError:
    return AuthorizationError(OAuthError(error, hint), None, None)


def validate_authorization_request(
    ctx: Context, items: Iterable[tuple[str, str]], issuer: str
) -> AuthorizationRequest:
    """fosite's NewAuthorizeRequest order: client, response_mode, redirect_uri, scope,
    audience, response_type, state, then PKCE."""
    if not isinstance(items, list):  # read twice (audiences reads it again)
        items = list(items)
    try:
        params = single_values(items, AUTHORIZE_PARAMETERS)
    except OAuthError as error:
        raise AuthorizationError(error, None, None) from None
    profile = ctx.profile
    client_id = params.get("client_id", "")
    client = ctx.clients.get(client_id)
    if client is None:
        raise _page("invalid_client", "The requested OAuth 2.0 Client does not exist.")
    # Checked before the redirect_uri is trusted, so an unknown mode is a page, not a redirect.
    response_mode = params.get("response_mode", "query")
    if response_mode not in profile.response_modes:
        raise _page(
            "unsupported_response_mode",
            f"Request with unsupported response_mode '{response_mode}'.",
        )
    scopes = split_scope(params.get("scope"), profile.scope_separators)
    requested_redirect = params.get("redirect_uri")
    if requested_redirect is None and "openid" in scopes and profile.openid_requires_redirect_uri:
        raise _page(
            "invalid_request",
            "The 'redirect_uri' parameter is required when using OpenID Connect 1.0.",
        )
    redirect_uri = choose_redirect_uri(requested_redirect, client)
    if redirect_uri is None:
        raise _page(
            "invalid_request",
            "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's "
            "pre-registered redirect urls.",
        )

    state = params.get("state", "")

    def refuse(error: str, hint: str = "") -> AuthorizationError:
        error_value = OAuthError(error, hint)
        return AuthorizationError(
            error_value, redirect_uri, state, issuer, client_id, response_mode
        )

    for scope in scopes:
        if scope not in client.scopes:
            raise refuse(
                "invalid_scope", f"The OAuth 2.0 Client is not allowed to request scope '{scope}'."
            )
    # single_values keeps every nonempty name: without an `audience` there is none to check.
    audience = audiences(items) if profile.checks_audience and "audience" in params else ()
    if audience:
        audience_error = check_audience(audience, client.audience)
        if audience_error is not None:
            raise refuse(audience_error.error, audience_error.hint)
    response_type = params.get("response_type") or ""
    if not response_type.isalnum():  # "code" needs no splitting; "code id_token" and the odd do
        response_type = " ".join(split_scope(response_type))
    response_type = response_type or profile.default_response_type or ""
    if not response_type:
        raise refuse("unsupported_response_type")
    if response_type not in client.response_types:
        raise refuse(
            "unsupported_response_type",
            f"The client is not allowed to request response_type '{response_type}'.",
        )
    if profile.state_max_length is not None and len(state) > profile.state_max_length:
        raise refuse(
            "invalid_request",
            f"Request parameter 'state' must be at most {profile.state_max_length} characters.",
        )
    if go_len(state) < profile.state_min_length:
        raise refuse(
            "invalid_state",
            f"Request parameter 'state' must be at least be {profile.state_min_length} "
            "characters long to ensure sufficient entropy.",
        )
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    pkce_required = client.is_public or profile.require_pkce
    if challenge or pkce_required:  # else there is nothing to check (a call less)
        pkce_error = check_challenge(challenge, method, profile.pkce_methods, pkce_required)
        if pkce_error is not None:
            raise refuse(pkce_error.error, pkce_error.hint)
    # Positional, in the fields' order (a keyword call costs twice as much; a test keeps
    # the order): client, redirect_uri, requested_redirect_uri, scopes, state,
    # code_challenge, code_challenge_method, nonce, login_hint, issuer, response_mode,
    # prompt, max_age, acr_values, audience, requested_at.
    return AuthorizationRequest(
        client,
        redirect_uri,
        requested_redirect,
        scopes,
        state,
        challenge,
        # fosite records PKCE when either parameter was sent (a method alone included).
        (method or "plain") if challenge else method,
        params.get("nonce"),
        params.get("login_hint"),
        issuer,
        response_mode,
        _prompt(params.get("prompt")),
        _max_age(params.get("max_age")),
        params.get("acr_values"),
        audience,
        ctx.state.clock.now(),
    )


_NO_PROMPT = frozenset([""])


def _prompt(value: str | None) -> frozenset[str]:
    # Hydra splits on spaces only; most requests send no prompt at all.
    return frozenset(value.split(" ")) if value else _NO_PROMPT


def _max_age(value: str | None) -> int | None:
    # Hydra reads max_age with strconv.ParseInt and ignores what does not parse.
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def issue_code(
    ctx: Context,
    request: AuthorizationRequest,
    subject: str,
    auth_time: float,
    session_id: str = "",
) -> AuthorizationResponse:
    """Record the approved grant and answer with the redirect carrying code, scope and state."""
    now = ctx.clock.now()
    code_ttl = ctx.code_ttl
    profile = ctx.profile
    client_id = request.client.client_id
    code = mint_for(ctx, "code", client_id, subject, request.scopes, now, code_ttl)
    # Positional, in the fields' order (compact.py stops the import if it changes): a
    # keyword call costs twice as much.
    grant = Grant(
        grant_id_for_code(code),  # named after its code: a store can trace a used code
        client_id,
        subject,
        request.scopes,
        request.requested_redirect_uri,  # redirect_uri
        request.code_challenge,
        request.code_challenge_method,
        auth_time,
        request.nonce,
        request.requested_at or now,
        session_id,
        "0" if request.acr_values else None,  # acr
    )
    await ctx.store.add_code(CodeRecord(code, grant, now + code_ttl), now)
    params = {"code": code}
    if profile.response_has_scope:
        params["scope"] = " ".join(request.scopes)
    if request.state:
        params["state"] = request.state
    return _respond(
        ctx, request.redirect_uri, params, request.issuer, client_id, request.response_mode
    )


def authorization_response(
    ctx: Context, request: AuthorizationRequest, params: dict[str, str]
) -> AuthorizationResponse:
    """The answer for a validated request (a code or an error)."""
    return _respond(
        ctx,
        request.redirect_uri,
        params,
        request.issuer,
        request.client.client_id,
        request.response_mode,
    )


def _respond(
    ctx: Context,
    redirect_uri: str,
    params: dict[str, str],
    issuer: str | None,
    client_id: str,
    response_mode: str,
) -> AuthorizationResponse:
    """The answer back to the client; RFC 9207 `iss` added when the profile sends it.

    (Scripted faults that tamper with answers apply where the web layer sends them.)
    """
    if ctx.profile.send_iss and issuer:
        params["iss"] = issuer
    return AuthorizationResponse(redirect_uri, params, response_mode, client_id)


def error_response(error: AuthorizationError, ctx: Context) -> AuthorizationResponse:
    """The answer carrying a refused request's error (only for trusted URIs).

    fosite always sets `state`, so an error answer carries `state=` even when none was sent.
    """
    assert error.redirect_uri is not None
    params = error.error.as_json(ctx.profile)
    if error.state or ctx.profile.error_redirect_has_state:
        params["state"] = error.state or ""
    return _respond(
        ctx,
        error.redirect_uri,
        params,
        error.issuer,
        error.client_id or "",
        error.response_mode,
    )
