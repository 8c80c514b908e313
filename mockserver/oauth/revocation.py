"""RFC 7009 revocation and RFC 7662 introspection, authenticated like the token endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockserver.oauth.client_auth import authenticate_client
from mockserver.oauth.context import Context
from mockserver.oauth.errors import invalid_request
from mockserver.oauth.params import REVOCATION_PARAMETERS, post_parameters


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
) -> None:
    """Revoke the token's whole family (access and refresh) if the caller's client owns it.

    Unknown tokens and other clients' tokens are answered with success too (RFC 7009 2.2),
    so the endpoint reveals nothing about tokens the caller does not own.
    """
    params = post_parameters(http_method, body, REVOCATION_PARAMETERS)
    client = authenticate_client(ctx.registry.clients, authorization, params)
    token = ctx.store.find_token(_token_parameter(params))
    if token is not None and token.grant.client_id == client.client_id:
        ctx.store.revoke_grant(token.grant)


def handle_introspection(
    ctx: Context,
    http_method: str,
    body: Sequence[tuple[str, str]] | None,
    authorization: str | None,
    issuer: str,
) -> dict[str, Any]:
    params = post_parameters(http_method, body, REVOCATION_PARAMETERS)
    authenticate_client(ctx.registry.clients, authorization, params)
    token = ctx.store.find_token(_token_parameter(params))
    if token is None or not token.is_live(ctx.clock.now()):
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
