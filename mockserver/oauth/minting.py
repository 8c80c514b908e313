"""Minting codes and tokens in the profile's format: opaque (Hydra) or signed JWTs (IMS)."""

from __future__ import annotations

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.store import Grant

_PREFIXES = {
    "code": "code_prefix",
    "access_token": "access_token_prefix",
    "refresh_token": "refresh_token_prefix",
}


def mint(ctx: Context, kind: str, grant: Grant, now: float, ttl: int) -> str:
    """A new credential of `kind` ("code", "access_token", "refresh_token") for `grant`."""
    return mint_for(ctx, kind, grant.client_id, grant.subject, grant.scopes, now, ttl)


def mint_for(
    ctx: Context,
    kind: str,
    client_id: str,
    subject: str,
    scopes: tuple[str, ...],
    now: float,
    ttl: int,
) -> str:
    """As `mint`, before the grant exists: a code comes first, as its grant is named after
    it (store.records.grant_id_for_code)."""
    profile = ctx.profile
    if profile.token_format != "jwt":
        return ctx.tokens.mint(getattr(profile, _PREFIXES[kind]))
    # Shaped like IMS's own tokens; clients must treat them as opaque all the same.
    return ctx.signer.sign(
        {
            "id": ctx.tokens.opaque_id(),
            "type": kind if kind != "code" else "authorization_code",
            "client_id": client_id,
            "user_id": subject,
            "as": "ims-na1",
            "created_at": str(int(now * 1000)),
            "expires_in": str(ttl * 1000),
            "scope": ",".join(scopes),
        }
    )
