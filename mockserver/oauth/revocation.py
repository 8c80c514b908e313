"""RFC 7009 revocation and RFC 7662 introspection, authenticated like the token endpoint.

Who may introspect what: Hydra's introspection is an admin API, so the mock's answers
  - the admin token (`Authorization: Bearer <admin token>`) about any token;
  - a confidential client (it proved a secret, as a resource server does) about any token of
    its profile;
  - a public client (a `client_id` anyone can send) only about tokens issued to itself.
Anything else is {"active": false}, exactly as for an unknown token.
"""

from __future__ import annotations

import hmac
from typing import Any

from frameio_oauth_mock.mockserver.oauth.client_auth import authenticate_client
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import invalid_request
from frameio_oauth_mock.mockserver.oauth.params import (
    REVOCATION_PARAMETERS,
    EndpointRequest,
    split_scope,
)
from frameio_oauth_mock.mockserver.settings import ClientConfig


def _authenticated(ctx: Context, request: EndpointRequest) -> tuple[ClientConfig, str]:
    """The calling client and the `token` parameter, after the token endpoint's checks."""
    params = request.parameters(ctx.profile, REVOCATION_PARAMETERS)
    interchangeable = ctx.profile.secret_methods_interchangeable
    client = authenticate_client(ctx.clients, request.authorization, params, interchangeable)
    token = params.get("token")
    if not token:
        raise invalid_request("Request parameter 'token' is missing")
    return client, token


async def handle_revocation(ctx: Context, request: EndpointRequest) -> None:
    """Revoke the token's whole family (access and refresh) if the caller's client owns it.

    Unknown tokens and other clients' tokens are answered with success too (RFC 7009 2.2),
    so the endpoint reveals nothing about tokens the caller does not own.
    """
    client, value = _authenticated(ctx, request)
    token = await ctx.store.find_token(value)
    if token is not None and token.grant.client_id == client.client_id:
        await ctx.store.revoke_family(token.grant.id)


def _is_admin(ctx: Context, authorization: str | None) -> bool:
    admin_token = ctx.settings.server.admin_token
    if not admin_token or not authorization:
        return False
    presented = authorization.encode("utf-8", "surrogateescape")
    return hmac.compare_digest(presented, f"Bearer {admin_token}".encode())


async def handle_introspection(ctx: Context, request: EndpointRequest) -> dict[str, Any]:
    """RFC 7662: the token's facts while it is live, else only {"active": false}."""
    caller: ClientConfig | None = None  # None: the admin
    if _is_admin(ctx, request.authorization):
        value = request.parameters(ctx.profile, REVOCATION_PARAMETERS).get("token")
        if not value:
            raise invalid_request("Request parameter 'token' is missing")
    else:
        caller, value = _authenticated(ctx, request)
    token = await ctx.store.find_token(value)
    if token is None or not ctx.owns(token.grant) or not token.is_live(ctx.clock.now()):
        return {"active": False}
    if (
        caller is not None
        and caller.client_secret is None  # a public client: its own tokens only
        and token.grant.client_id != caller.client_id
    ):
        return {"active": False}
    grant = token.grant
    # fosite: a `scope` parameter the token was not granted makes it inactive for this ask.
    asked = request.parameters(ctx.profile, REVOCATION_PARAMETERS).get("scope")
    if any(scope not in grant.scopes for scope in split_scope(asked)):
        return {"active": False}
    answer: dict[str, Any] = {
        "active": True,
        "aud": [],
        "client_id": grant.client_id,
        "exp": int(token.expires_at),
        "iat": int(token.issued_at),
        "iss": request.issuer,
        "nbf": int(token.issued_at),
        "scope": " ".join(grant.scopes),
        "sub": grant.subject,
        "token_type": "Bearer",
        "token_use": token.kind,
    }
    return answer
