"""Protected resources (userinfo, Frame.io's /v2/me): RFC 6750 bearer-token checks and claims."""

from __future__ import annotations

from typing import Any

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.settings import UserConfig
from frameio_oauth_mock.mockserver.store import TokenRecord


class BearerError(Exception):
    """A refused resource request: status, RFC 6750 error code (may be empty), description."""

    def __init__(self, status: int, error: str, description: str, scope: str = "") -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.scope = scope

    def challenge(self) -> str:
        """The WWW-Authenticate value (RFC 6750 3)."""
        parts = ['Bearer realm="frameio-oauth-mock"']
        if self.error:
            parts.append(f'error="{self.error}"')
            parts.append(f'error_description="{self.description}"')
        if self.scope:
            parts.append(f'scope="{self.scope}"')
        return ", ".join(parts)


async def authenticate_bearer(
    ctx: Context,
    authorization: str | None,
    token_elsewhere: bool,
    required_scope: str,
    technical_accounts: bool = False,
) -> tuple[TokenRecord, UserConfig]:
    """The live access token in the Authorization header, and its user.

    Tokens in the query string or form body (RFC 6750 2.2, 2.3) are refused: a client that
    sends them leaks the token into logs and histories. With `technical_accounts`, a
    client_credentials token acts as its client's technical account (Frame.io V4 API).
    """
    if not authorization or authorization[:7].lower() != "bearer ":
        if token_elsewhere:
            raise BearerError(
                401,
                "invalid_request",
                "The access token must be sent in the Authorization header, "
                "not in the query string or body.",
            )
        raise BearerError(401, "", "No access token was sent in the Authorization header.")
    value = authorization[7:].strip()
    token = await ctx.store.find_token(value)
    if (
        token is None
        or token.kind != "access_token"
        or not ctx.owns(token.grant)
        or not token.is_live(ctx.clock.now())
    ):
        raise BearerError(
            401, "invalid_token", "The access token is malformed, expired, revoked or unknown."
        )
    if technical_accounts and token.grant.kind == "client_credentials":
        user: UserConfig | None = technical_account(token.grant.client_id)
    else:
        user = ctx.registry.user_by_id(token.grant.subject)
    if user is None:
        raise BearerError(401, "invalid_token", "The access token's user no longer exists.")
    if required_scope and required_scope not in token.grant.scopes:
        raise BearerError(
            403,
            "insufficient_scope",
            f"The access token was not granted the '{required_scope}' scope.",
            scope=required_scope,
        )
    return token, user


def technical_account(client_id: str) -> UserConfig:
    """The user a server-to-server credential acts as (Adobe's "technical account")."""
    return UserConfig(
        email=f"{client_id}@techacct.adobe.com", password="", name=f"{client_id} (technical)"
    )


def userinfo_claims(user: UserConfig) -> dict[str, Any]:
    return {"sub": user.id, "email": user.email, "email_verified": True, "name": user.name}


def frameio_v2_me(user: UserConfig) -> dict[str, Any]:
    """The user as Frame.io's v2 API returns it from GET /v2/me (the fields a client reads)."""
    return {
        "_type": "user",
        "id": user.id,
        "account_id": user.account_id,
        "email": user.email,
        "name": user.name,
        "bio": None,
        "location": None,
        "phone": None,
        "timezone_value": "Etc/UTC",
        "profile_image": None,
        "roles": {},
        "joined_via": "organic",
        "from_google": False,
        "deleted_at": None,
        "email_confirm_by": None,
        "inserted_at": "2020-01-01T00:00:00.000000Z",
        "updated_at": "2020-01-01T00:00:00.000000Z",
    }
