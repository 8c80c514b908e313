"""The OpenID userinfo endpoint and the user claims id_tokens carry, per profile.

Hydra (frameio-v2) answers with the id_token's claims minus the per-token ones (nonce,
at_hash, c_hash, exp, sid, jti), plus what Frame.io's consent step adds (the user's
configured `claims`; by default email, email_verified and name); it needs no `openid`, takes
the token from the Authorization header or an `access_token` parameter, and refuses anything
else with `request_unauthorized`. Adobe IMS answers with claims chosen by the granted scopes.
"""

from __future__ import annotations

from typing import Any

from frameio_oauth_mock.mockserver.oauth.bearer import BearerError, authenticate_bearer
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.settings import UserConfig
from frameio_oauth_mock.mockserver.store import Grant, TokenRecord

REQUEST_UNAUTHORIZED = (
    "The request could not be authorized. Check that you provided valid credentials in the "
    "right format."
)

# Adobe IMS: which claims each granted scope releases.
_IMS_SCOPE_CLAIMS = {
    "email": ("email", "email_verified"),
    "profile": ("name", "given_name", "family_name", "account_type"),
}


class HydraUserinfoError(BearerError):
    """fosite's ErrRequestUnauthorized, with the challenge Hydra builds from it."""

    def __init__(self) -> None:
        super().__init__(401, "request_unauthorized", REQUEST_UNAUTHORIZED)

    def challenge(self) -> str:
        return f'Bearer error="{self.error}",error_description="{self.description}"'


def consent_claims(user: UserConfig) -> dict[str, Any]:
    """What Frame.io's consent step adds to the id_token and userinfo (frameio-v2)."""
    if user.claims is not None:
        return dict(user.claims)
    return {"email": user.email, "email_verified": True, "name": user.name}


def scope_claims(user: UserConfig, scopes: tuple[str, ...]) -> dict[str, Any]:
    """IMS: the claims the granted scopes release (a user's configured claims win)."""
    given, _, family = user.name.partition(" ")
    available: dict[str, Any] = {
        "email": user.email,
        "email_verified": True,
        "name": user.name,
        "given_name": given,
        "family_name": family,
        # Adobe's userinfo reference (AdobeDocs/adobe-dev-console, UserAuthentication/ims.md):
        # account_type is "ind" (an individual account) or "ent" (part of an organization).
        "account_type": "ind",
        **(user.claims or {}),
    }
    return {
        name: available[name]
        for scope in scopes
        for name in _IMS_SCOPE_CLAIMS.get(scope, ())
        if name in available
    }


def user_claims(ctx: Context, user: UserConfig, grant: Grant) -> dict[str, Any]:
    """The user claims an id_token of `grant` carries, the profile's way."""
    if ctx.profile.userinfo_style == "hydra":
        return consent_claims(user)
    return scope_claims(user, grant.scopes)


async def userinfo(
    ctx: Context,
    issuer: str,
    authorization: str | None,
    access_token_parameter: str | None,
) -> dict[str, Any]:
    """The userinfo answer for a request's token; raises BearerError."""
    if ctx.profile.userinfo_style != "hydra":
        token, user = await authenticate_bearer(
            ctx, authorization, access_token_parameter is not None, "openid"
        )
        return {"sub": user.id, **scope_claims(user, token.grant.scopes)}
    token, user = await _hydra_token(ctx, authorization, access_token_parameter)
    grant = token.grant
    answer: dict[str, Any] = {
        **consent_claims(user),
        "sub": user.id,
        "iss": issuer,
        "aud": [grant.client_id],
        "iat": int(token.issued_at),
        "rat": int(grant.requested_at or grant.auth_time),
        "auth_time": int(grant.auth_time),
    }
    if grant.acr:
        answer["acr"] = grant.acr
    return answer


async def _hydra_token(
    ctx: Context, authorization: str | None, parameter: str | None
) -> tuple[TokenRecord, UserConfig]:
    # fosite's AccessTokenFromRequest: the Bearer header, else the access_token parameter.
    if authorization and authorization[:7].lower() == "bearer ":
        value = authorization[7:].strip()
    else:
        value = parameter or ""
    token = await ctx.store.find_token(value) if value else None
    if (
        token is None
        or token.kind != "access_token"
        or not ctx.owns(token.grant)
        or not token.is_live(ctx.clock.now())
    ):
        raise HydraUserinfoError()
    user = ctx.registry.user_by_id(token.grant.subject)
    if user is None:
        raise HydraUserinfoError()
    return token, user
