"""What a token is, for the inspector's token page: the mock's own record of it (kind, client,
user, scopes, lifetime, whether it is live) and, for JWT-shaped tokens and id_tokens, their
decoded header and claims with whether the mock's key signed them."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.requestlog import value_shape
from frameio_oauth_mock.mockserver.store import TokenRecord, TokenState


async def describe_token(ctx: Context, value: str) -> dict[str, Any]:
    """Everything the mock knows about `value`; `live` is the verdict a resource server
    (or the token endpoint, for a refresh token) would reach right now."""
    value = value.strip()
    now = ctx.clock.now()
    answer: dict[str, Any] = {"shape": value_shape(value), "now": now, "live": False}
    token = await ctx.store.find_token(value) if value else None
    if token is not None:
        answer.update(_issued(ctx, token, now))
    else:
        code = await ctx.store.find_code(value) if value else None
        if code is not None and (code.redeemed or now < code.expires_at):
            answer.update(
                kind="authorization_code",
                state="redeemed" if code.redeemed else "unused",
                live=not code.redeemed,
                expires_at=code.expires_at,
                **_grant(ctx, code.grant),
            )
    jwt = _decode_jwt(value)
    if jwt is not None:
        header, claims = jwt
        answer["jwt"] = {"header": header, "claims": claims, "signed_by_mock": _verify(ctx, value)}
        if "kind" not in answer and answer["jwt"]["signed_by_mock"]:
            # Signed here but never stored: an id_token, a statement nobody looks up, so it
            # is good while unexpired (revoking its authorization does not recall it).
            expires = claims.get("exp")
            live = isinstance(expires, int | float) and now < expires
            answer.update(
                kind="id_token",
                live=live,
                state="valid" if live else "expired",
                why="Signed by the mock's key; " + ("unexpired." if live else "expired."),
                expires_at=expires,
            )
    if "kind" not in answer:
        answer["kind"] = "unknown"
        answer["state"] = "unknown"
        answer["why"] = "The mock never issued this value (or it was purged after expiring)."
    return answer


def _issued(ctx: Context, token: TokenRecord, now: float) -> dict[str, Any]:
    if token.state is TokenState.REVOKED:
        state, why = "revoked", "Revoked (revocation, or code or refresh-token reuse)."
    elif token.state is TokenState.ROTATED:
        state, why = "rotated", "Exchanged for a new refresh token; using it again is reuse."
    elif now >= token.expires_at:
        state, why = "expired", "Past its lifetime on the mock's clock."
    else:
        state, why = "active", "Live: the mock accepts it."
    return {
        "kind": token.kind,
        "state": state,
        "why": why,
        "live": state == "active",
        "issued_at": token.issued_at,
        "expires_at": token.expires_at,
        **_grant(ctx, token.grant),
    }


def _grant(ctx: Context, grant: Any) -> dict[str, Any]:
    client = ctx.registry.clients.get(grant.client_id)
    user = ctx.registry.user_by_id(grant.subject)
    return {
        "client_id": grant.client_id,
        "profile": client.profile if client else None,
        "user": user.email if user else None,
        "subject": grant.subject,
        "scopes": list(grant.scopes),
        "grant_kind": grant.kind,
    }


def _segment(text: str) -> Any:
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return json.loads(raw)


def _decode_jwt(value: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    parts = value.split(".")
    if len(parts) != 3:
        return None
    try:
        header, claims = _segment(parts[0]), _segment(parts[1])
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return header, claims


def _verify(ctx: Context, value: str) -> bool:
    from joserfc import jws
    from joserfc.errors import JoseError

    try:
        jws.deserialize_compact(value, ctx.signer.key, algorithms=["RS256"])
    except (JoseError, ValueError):
        return False
    return True
