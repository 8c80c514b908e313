"""The authorization endpoint's decisions: validate a request in Hydra's order, then mint a code.

Checks run client -> redirect_uri -> scope -> response_type -> state -> PKCE. Until the
redirect_uri is trusted, errors carry no redirect target, so the web layer shows an error page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.oauth.minting import mint
from frameio_oauth_mock.mockserver.oauth.params import (
    AUTHORIZE_PARAMETERS,
    single_values,
    split_scope,
)
from frameio_oauth_mock.mockserver.oauth.pkce import check_challenge
from frameio_oauth_mock.mockserver.oauth.redirects import match_redirect_uri, with_query
from frameio_oauth_mock.mockserver.settings import ClientConfig
from frameio_oauth_mock.mockserver.store import AuthorizationCode, Grant


@dataclass(frozen=True)
class AuthorizationRequest:
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


class AuthorizationError(Exception):
    """An authorization request refused; `redirect_uri` is None when it must not be redirected."""

    def __init__(
        self,
        error: OAuthError,
        redirect_uri: str | None,
        state: str | None,
        issuer: str | None = None,
        client_id: str | None = None,
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state
        self.issuer = issuer
        self.client_id = client_id


def validate_authorization_request(
    ctx: Context, items: Iterable[tuple[str, str]], issuer: str
) -> AuthorizationRequest:
    try:
        params = single_values(items, AUTHORIZE_PARAMETERS)
    except OAuthError as error:
        raise AuthorizationError(error, None, None) from None
    profile = ctx.profile
    client_id = params.get("client_id", "")
    client = ctx.clients.get(client_id)
    if client is None:
        raise AuthorizationError(
            OAuthError("invalid_client", "The requested OAuth 2.0 Client does not exist."),
            None,
            None,
        )
    requested_redirect = params.get("redirect_uri")
    redirect_uri = match_redirect_uri(requested_redirect, client.redirect_uris)
    if redirect_uri is None:
        raise AuthorizationError(
            OAuthError(
                "invalid_request",
                "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's "
                "pre-registered redirect urls.",
            ),
            None,
            None,
        )

    state = params.get("state", "")

    def refuse(error: str, hint: str = "") -> AuthorizationError:
        error_value = OAuthError(error, hint)
        return AuthorizationError(error_value, redirect_uri, state or None, issuer, client_id)

    scopes = split_scope(params.get("scope"), profile.scope_separators)
    for scope in scopes:
        if scope not in client.scopes:
            raise refuse(
                "invalid_scope", f"The OAuth 2.0 Client is not allowed to request scope '{scope}'."
            )
    response_type = " ".join(split_scope(params.get("response_type")))
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
    # fosite compares Go's len(state): UTF-8 bytes, not characters.
    if len(state.encode("utf-8", "surrogateescape")) < profile.state_min_length:
        raise refuse(
            "invalid_state",
            f"Request parameter 'state' must be at least be {profile.state_min_length} "
            "characters long to ensure sufficient entropy.",
        )
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    pkce_required = client.is_public or profile.require_pkce
    pkce_error = check_challenge(challenge, method, profile.pkce_methods, pkce_required)
    if pkce_error is not None:
        raise AuthorizationError(pkce_error, redirect_uri, state, issuer, client_id)
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        requested_redirect_uri=requested_redirect,
        scopes=scopes,
        state=state,
        code_challenge=challenge,
        code_challenge_method=(method or "plain") if challenge else None,
        nonce=params.get("nonce"),
        login_hint=params.get("login_hint"),
        issuer=issuer,
    )


def issue_code(ctx: Context, request: AuthorizationRequest, subject: str, auth_time: float) -> str:
    """Record the approved grant and answer with the redirect carrying code, scope and state."""
    now = ctx.clock.now()
    grant = Grant(
        id=ctx.tokens.opaque_id(),
        client_id=request.client.client_id,
        subject=subject,
        scopes=request.scopes,
        redirect_uri=request.requested_redirect_uri,
        code_challenge=request.code_challenge,
        code_challenge_method=request.code_challenge_method,
        auth_time=auth_time,
        nonce=request.nonce,
    )
    code = mint(ctx, "code", grant, now, ctx.code_ttl)
    ctx.store.add_code(code, AuthorizationCode(grant, expires_at=now + ctx.code_ttl))
    ctx.store.purge_expired(now)
    params = {"code": code}
    if ctx.profile.response_has_scope:
        params["scope"] = " ".join(request.scopes)
    if request.state:
        params["state"] = request.state
    return authorization_response(
        ctx, request.redirect_uri, params, request.issuer, request.client.client_id
    )


def authorization_response(
    ctx: Context, redirect_uri: str, params: dict[str, str], issuer: str | None, client_id: str
) -> str:
    """The redirect back to the client; RFC 9207 `iss` added when the profile sends it.

    Every authorization response passes here, so scripted faults that tamper with them
    (error redirect, wrong or missing state or iss) apply in one place.
    """
    if ctx.profile.send_iss and issuer:
        params["iss"] = issuer
    if ctx.faults:
        fault = ctx.faults.firing("authorize", client_id, None, tampering=True)
        if fault is not None:
            params = fault.tamper(params, lambda error: ctx.profile.error(error).description)
    return with_query(redirect_uri, params)


def error_redirect(error: AuthorizationError, ctx: Context) -> str:
    """The client redirect URL carrying a refused request's error (only for trusted URIs)."""
    assert error.redirect_uri is not None
    params = error.error.as_json(ctx.profile)
    if error.state:
        params["state"] = error.state
    return authorization_response(
        ctx, error.redirect_uri, params, error.issuer, error.client_id or ""
    )
