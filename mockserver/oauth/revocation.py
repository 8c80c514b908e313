"""RFC 7009 revocation and RFC 7662 introspection, authenticated like the token endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockserver.oauth.client_auth import authenticate_client
from mockserver.oauth.context import Context
from mockserver.oauth.errors import invalid_request
from mockserver.oauth.params import REVOCATION_PARAMETERS, post_parameters, query_for
from mockserver.settings import ClientConfig


def _parameters(
    ctx: Context,
    http_method: str,
    body: Sequence[tuple[str, str]] | None,
    query: Sequence[tuple[str, str]],
) -> dict[str, str]:
    extra = query_for(ctx.profile, query)
    return post_parameters(http_method, body, REVOCATION_PARAMETERS, extra)


def _authenticate(ctx: Context, authorization: str | None, params: dict[str, str]) -> ClientConfig:
    interchangeable = ctx.profile.secret_methods_interchangeable
    return authenticate_client(ctx.clients, authorization, params, interchangeable)


def _token_parameter(params: dict[str, str]) -> str:
    token = params.get("token")
    if not token:
        raise invalid_request("Request parameter 'token' is missing")
    return token


def handle_revocation(
    ctx: Context,
    http_method: str,
    body: Sequence[tuple[str, str]] | None,
    authorization: str | None,
    query: Sequence[tuple[str, str]] = (),
) -> None:
    """Revoke the token's whole family (access and refresh) if the caller's client owns it.

    Unknown tokens and other clients' tokens are answered with success too (RFC 7009 2.2),
    so the endpoint reveals nothing about tokens the caller does not own.
    """
    params = _parameters(ctx, http_method, body, query)
    client = _authenticate(ctx, authorization, params)
    token = ctx.store.find_token(_token_parameter(params))
    if token is not None and token.grant.client_id == client.client_id:
        ctx.store.revoke_grant(token.grant)


def handle_introspection(
    ctx: Context,
    http_method: str,
    body: Sequence[tuple[str, str]] | None,
    authorization: str | None,
    issuer: str,
    query: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    params = _parameters(ctx, http_method, body, query)
    _authenticate(ctx, authorization, params)
    token = ctx.store.find_token(_token_parameter(params))
    if token is None or not ctx.owns(token.grant) or not token.is_live(ctx.clock.now()):
        return {"active": False}
    grant = token.grant
    user = ctx.registry.user_by_id(grant.subject)
    answer: dict[str, Any] = {
        "active": True,
        "aud": [],
        "client_id": grant.client_id,
        "exp": int(token.expires_at),
        "iat": int(token.issued_at),
        "iss": issuer,
        "nbf": int(token.issued_at),
        "scope": " ".join(grant.scopes),
        "sub": grant.subject,
        "token_type": "Bearer",
        "token_use": token.kind,
    }
    if user is not None:
        answer["username"] = user.email
    return answer
