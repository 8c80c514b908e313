"""OpenID Connect RP-initiated logout (GET|POST /oauth2/sessions/logout), as Hydra does it.

Without an id_token_hint the browser's own login session ends and it lands on the fallback
page; with one, the hint must be an id_token this server signed, naming a registered client
(its `aud`) and the login session (`sid`) to end, and `post_logout_redirect_uri` must be one
the client registered. Hydra would first show its logout app; the mock ends the session at
once, as a logout app that always confirms.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import invalid_request
from frameio_oauth_mock.mockserver.settings import ClientConfig
from frameio_oauth_mock.mockserver.store import Session

# Where Hydra sends a browser after logout when no post_logout_redirect_uri applies.
FALLBACK_PATH = "/oauth2/fallbacks/logout/callback"


def public_sid(session_id: str) -> str:
    """The `sid` an id_token names: derived from the session, never the cookie value itself
    (a client holding an id_token must not be able to forge the browser's cookie)."""
    if not session_id:
        return ""
    digest = hashlib.sha256(b"frameio-mock sid\0" + session_id.encode()).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode("ascii")


class LogoutOutcome:
    """Where the browser goes next, and which login session (if any) ends.

    (A plain class: dataclass() would cost every start-up half a millisecond.)
    """

    __slots__ = ("ended_session", "redirect_to")

    def __init__(self, redirect_to: str, ended_session: str | None) -> None:
        self.redirect_to = redirect_to
        self.ended_session = ended_session


async def handle_logout(
    ctx: Context, params: dict[str, str], browser_session: Session | None, issuer: str
) -> LogoutOutcome:
    hint = params.get("id_token_hint", "")
    state = params.get("state", "")
    requested = params.get("post_logout_redirect_uri", "")
    fallback = issuer + FALLBACK_PATH
    if not hint:
        if state:
            raise invalid_request(
                "Logout failed because query parameter state is set but id_token_hint is missing."
            )
        if requested:
            raise invalid_request(
                "Logout failed because query parameter post_logout_redirect_uri is set but "
                "id_token_hint is missing."
            )
        ended = browser_session.id if browser_session else None
        return LogoutOutcome(fallback, await _end(ctx, ended))
    claims = _hint_claims(ctx, hint, issuer)
    client = _client_of(ctx, claims)
    redirect_to = fallback
    if requested:
        if requested not in client.post_logout_redirect_uris:
            raise invalid_request(
                "Logout failed because query parameter post_logout_redirect_uri is not a "
                "whitelisted as a post_logout_redirect_uri for the client."
            )
        # Hydra's urlx.SetQuery: the query becomes `state` alone (or nothing).
        parts = urlsplit(requested)
        query = urlencode({"state": state}) if state else ""
        redirect_to = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
    session = await _session_with_sid(ctx, str(claims["sid"]))
    return LogoutOutcome(redirect_to, await _end(ctx, session.id if session else None))


def _hint_claims(ctx: Context, hint: str, issuer: str) -> dict[str, Any]:
    claims = ctx.signer.verify(hint)  # an expired hint is fine, as in Hydra
    if claims is None:
        raise invalid_request(
            "Logout failed because query parameter id_token_hint is not an ID Token issued by "
            "this server."
        )
    if claims.get("iss") != issuer:
        raise invalid_request(
            f"Logout failed because issuer claim value '{claims.get('iss', '')}' from query "
            f"parameter id_token_hint does not match with issuer value from configuration "
            f"'{issuer}'."
        )
    now = int(ctx.clock.now())
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or iat > now:
        shown = f"{iat:.0f}" if isinstance(iat, int | float) else "0"
        raise invalid_request(
            f"Logout failed because iat claim value '{shown}' from query parameter "
            f"id_token_hint is before now ('{now}')."
        )
    if not claims.get("sid"):
        raise invalid_request(
            "Logout failed because query parameter id_token_hint is missing sid claim."
        )
    if not claims.get("sub"):
        raise invalid_request(
            "Logout failed because query parameter id_token_hint is missing sub claim."
        )
    return claims


def _client_of(ctx: Context, claims: dict[str, Any]) -> ClientConfig:
    audience = claims.get("aud")
    for client_id in audience if isinstance(audience, list) else [audience]:
        client = ctx.clients.get(client_id) if isinstance(client_id, str) else None
        if client is not None:
            return client
    raise invalid_request(
        "Logout failed because none of the listed audiences is a registered OAuth 2.0 Client."
    )


async def _session_with_sid(ctx: Context, sid: str) -> Session | None:
    # A look through the live sessions (at most max_sessions): logout is rare.
    for session in await ctx.store.live_sessions(ctx.clock.now()):
        if public_sid(session.id) == sid:
            return session
    return None


async def _end(ctx: Context, session_id: str | None) -> str | None:
    if session_id is not None:
        await ctx.store.end_session(session_id)
    return session_id
