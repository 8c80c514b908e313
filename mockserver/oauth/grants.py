"""The token endpoint: request preamble, client authentication, then one handler per grant.

Each handler runs its checks in fosite's order and changes state only after all of them
pass: the checks and the minting run inside the store's one-shot transition (redeem a code,
rotate a refresh token), so of many concurrent requests with the same code or refresh
token exactly one succeeds, on one instance or several sharing a store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from frameio_oauth_mock.mockserver.oauth.client_auth import authenticate_client
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError, invalid_grant, invalid_request
from frameio_oauth_mock.mockserver.oauth.idtoken import at_hash, check_nonce
from frameio_oauth_mock.mockserver.oauth.logout import public_sid
from frameio_oauth_mock.mockserver.oauth.minting import mint
from frameio_oauth_mock.mockserver.oauth.params import (
    TOKEN_PARAMETERS,
    EndpointRequest,
    split_scope,
)
from frameio_oauth_mock.mockserver.oauth.pkce import check_verifier
from frameio_oauth_mock.mockserver.oauth.userinfo import user_claims
from frameio_oauth_mock.mockserver.settings import ClientConfig
from frameio_oauth_mock.mockserver.store import (
    CodeRecord,
    CredentialReused,
    Grant,
    PkceConsumed,
    TokenRecord,
    TokenState,
)

TokenResponse = dict[str, Any]


async def handle_token_request(ctx: Context, request: EndpointRequest) -> TokenResponse:
    """Answer a token request, or raise the OAuthError the real server would give."""
    profile = ctx.profile
    params = request.parameters(profile, TOKEN_PARAMETERS)
    grant_type = params.get("grant_type")
    if not grant_type:
        raise invalid_request("Request parameter 'grant_type' is missing")
    handler = _HANDLERS.get(grant_type)
    if handler is None or grant_type not in profile.grant_types:
        raise OAuthError(profile.unknown_grant_error, profile.unknown_grant_hint)
    clients = ctx.clients
    client = authenticate_client(
        clients, request.authorization, params, profile.secret_methods_interchangeable
    )
    # fosite's client_credentials handler checks scopes first and the grant last.
    if grant_type != "client_credentials":
        require_grant(client, grant_type)
    issuance = _Issuance(ctx, client, ctx.clock.now(), request.issuer, grant_type)
    try:
        await handler(ctx, issuance, params)
    except CredentialReused as reused:
        # RFC 6749 4.1.2 and 10.4: a used code or rotated refresh token presented again
        # (maybe stolen) ends the whole family. Hydra deletes the reused refresh token too,
        # so presenting it again is "not valid".
        if grant_type == "authorization_code":
            await ctx.store.revoke_family(reused.grant_id)
            raise invalid_grant("The authorization code has already been used.") from None
        await ctx.store.revoke_family(reused.grant_id, params.get("refresh_token"))
        raise invalid_grant("The refresh token was already used.") from None
    return issuance.response


async def issue_without_authorization(
    ctx: Context, client_id: str, user_email: str, scopes: tuple[str, ...] | None, issuer: str
) -> TokenResponse:
    """Tokens as if `user_email` had authorized `client_id` for `scopes` (default: all the
    client's scopes): no browser, no code. For tests of code that only needs a token.
    Raises ValueError naming the bad argument.
    """
    registered = ctx.registry.clients.get(client_id)
    if registered is not None:  # answer as the client's own profile (e.g. adobe-ims)
        ctx = ctx.for_profile(registered.profile)
    client = ctx.clients.get(client_id)
    if client is None:
        raise ValueError(f"client_id: no client '{client_id}' is registered")
    user = ctx.registry.user_by_email(user_email)
    if user is None:
        raise ValueError(f"user: no user '{user_email}' is registered")
    if scopes is None:
        scopes = client.scopes
    for scope in scopes:
        if scope not in client.scopes:
            raise ValueError(f"scopes: client '{client_id}' is not allowed scope '{scope}'")
    now = ctx.clock.now()
    grant = Grant(
        id=ctx.tokens.opaque_id(),
        client_id=client_id,
        subject=user.id,
        scopes=tuple(dict.fromkeys(scopes)),
        redirect_uri=None,
        code_challenge=None,
        code_challenge_method=None,
        auth_time=now,
    )
    issuance = _Issuance(ctx, client, now, issuer, "authorization_code")
    await ctx.store.add_grant(grant, issuance(grant), now)
    return issuance.response


async def _redeem_code(ctx: Context, issuance: _Issuance, params: dict[str, str]) -> None:
    client, now = issuance.client, issuance.now
    profile, clients = ctx.profile, ctx.clients

    def check(record: CodeRecord | None) -> None:
        if record is None:
            raise invalid_grant()
        grant = record.grant
        if grant.client_id not in clients:
            raise invalid_grant()  # another profile's code is unknown here
        if record.redeemed:
            raise CredentialReused(grant.id)
        if now >= record.expires_at:
            raise invalid_grant()
        if grant.client_id != client.client_id:
            raise invalid_grant(
                "The OAuth 2.0 Client ID from this request does not match the one from the "
                "authorize request."
            )
        sent_redirect = params.get("redirect_uri")
        if (
            grant.redirect_uri is not None
            and (sent_redirect is not None or profile.token_requires_redirect_uri)
            and sent_redirect != grant.redirect_uri
        ):
            raise invalid_grant(
                "The 'redirect_uri' from this request does not match the one from the "
                "authorize request."
            )
        # fosite deletes a code's PKCE record at the first exchange that reaches the PKCE
        # check, even a failed one: a retry then finds no PKCE data.
        recorded = not record.pkce_consumed and bool(
            grant.code_challenge or grant.code_challenge_method
        )
        verifier = params.get("code_verifier")
        required = client.is_public or profile.require_pkce
        try:
            if recorded or verifier or required:  # else check_verifier finds nothing to check
                check_verifier(
                    grant.code_challenge if recorded else None,
                    grant.code_challenge_method if recorded else None,
                    verifier,
                    recorded,
                    required=required,
                )
            if grant.nonce:  # only a nonce can be too short
                check_nonce(profile, grant)
        except OAuthError as error:
            raise PkceConsumed(error) from None

    await ctx.store.redeem_code(params.get("code", ""), now, check, issuance)


async def _refresh(ctx: Context, issuance: _Issuance, params: dict[str, str]) -> None:
    client, now = issuance.client, issuance.now
    clients = ctx.clients

    def check(token: TokenRecord | None) -> None:
        if (
            token is None
            or token.kind != "refresh_token"
            or token.state is TokenState.REVOKED
            or token.grant.client_id not in clients  # another profile's token is unknown here
        ):
            raise invalid_grant("The refresh token is malformed or not valid.")
        if token.state is TokenState.ROTATED:
            raise CredentialReused(token.grant.id)  # reuse: assume theft
        if now >= token.expires_at:  # fosite validates the token before comparing clients
            raise invalid_grant("The refresh token expired.")
        if token.grant.client_id != client.client_id:
            raise invalid_grant(
                "The OAuth 2.0 Client ID from this request does not match the ID during the "
                "initial token issuance."
            )

    await ctx.store.rotate_refresh(params.get("refresh_token", ""), now, check, issuance)


def require_grant(client: ClientConfig, grant_type: str) -> None:
    if grant_type not in client.grant_types:
        raise OAuthError(
            "unauthorized_client",
            f"The OAuth 2.0 Client is not allowed to use authorization grant '{grant_type}'.",
        )


async def _client_credentials(ctx: Context, issuance: _Issuance, params: dict[str, str]) -> None:
    """Server-to-server: the client acts as itself, with the scopes it asks for.

    fosite's order: scopes, then a public client is refused, then the client's grant types.
    """
    client, now = issuance.client, issuance.now
    scopes = split_scope(params.get("scope"), ctx.profile.scope_separators)
    for scope in scopes:
        if scope not in client.scopes:
            raise OAuthError(
                "invalid_scope", f"The OAuth 2.0 Client is not allowed to request scope '{scope}'."
            )
    if client.is_public:
        raise invalid_grant(
            "The OAuth 2.0 Client is marked as public and is thus not allowed to use "
            "authorization grant 'client_credentials'."
        )
    require_grant(client, "client_credentials")
    grant = Grant(
        id=ctx.tokens.opaque_id(),
        client_id=client.client_id,
        subject=client.client_id,
        scopes=scopes,
        redirect_uri=None,
        code_challenge=None,
        code_challenge_method=None,
        auth_time=now,
        kind="client_credentials",
    )
    await ctx.store.add_grant(grant, issuance(grant), now)


class _Issuance:
    """Mints one answer's tokens when the store calls it, and keeps the answer's JSON.

    The store calls it inside its transition, once every check has passed.
    """

    def __init__(
        self, ctx: Context, client: ClientConfig, now: float, issuer: str, grant_type: str
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.now = now
        self.issuer = issuer
        self.grant_type = grant_type
        self.response: TokenResponse = {}

    def __call__(self, grant: Grant) -> list[TokenRecord]:
        self.response, tokens = _issue_tokens(
            self.ctx, self.client, grant, self.now, self.issuer, self.grant_type
        )
        return tokens


def _issue_tokens(
    ctx: Context, client: ClientConfig, grant: Grant, now: float, issuer: str, grant_type: str
) -> tuple[TokenResponse, list[TokenRecord]]:
    """Mint an access token (and a refresh token when offline was granted) for `grant`.

    Which members the answer has besides the tokens is the profile's: Hydra always sends
    `scope`; IMS sends `sub` with a code's tokens and leaves id_token out of refreshes.
    """
    profile = ctx.profile
    access_ttl = ctx.access_token_ttl  # each a look-up through settings and profile
    access_token = mint(ctx, "access_token", grant, now, access_ttl)
    # TokenRecord(value, kind, grant, issued_at, expires_at): positional, a keyword call
    # costs a third more.
    tokens = [TokenRecord(access_token, "access_token", grant, now, now + access_ttl)]
    # Keys in alphabetical order, as Hydra (Go's encoding/json of a map) writes them.
    response: TokenResponse = {
        "access_token": access_token,
        "expires_in": access_ttl,
    }
    scopes = grant.scopes
    issued_for_user = grant.kind != "client_credentials"
    if (
        issued_for_user
        and not profile.offline_scopes.isdisjoint(scopes)
        and "refresh_token" in client.grant_types
    ):
        refresh_ttl = ctx.refresh_token_ttl
        refresh_token = mint(ctx, "refresh_token", grant, now, refresh_ttl)
        tokens.append(TokenRecord(refresh_token, "refresh_token", grant, now, now + refresh_ttl))
        response["refresh_token"] = refresh_token
    if (
        "openid" in scopes
        and issued_for_user
        and (profile.refresh_response_has_id_token or grant_type != "refresh_token")
    ):
        response["id_token"] = _id_token(ctx, grant, access_token, now, issuer)
    if profile.response_has_scope:
        response["scope"] = " ".join(scopes)
    if profile.code_response_has_sub and grant_type == "authorization_code":
        response["sub"] = grant.subject
    response["token_type"] = "bearer"
    return response, tokens


def _id_token(ctx: Context, grant: Grant, access_token: str, now: float, issuer: str) -> str:
    user = ctx.registry.user_by_id(grant.subject)
    claims: dict[str, Any] = {
        **(user_claims(ctx, user, grant) if user is not None else {}),
        "iss": issuer,
        "sub": grant.subject,
        "aud": [grant.client_id],
        "exp": int(now) + ctx.access_token_ttl,
        "iat": int(now),
        "auth_time": int(grant.auth_time),
        "at_hash": at_hash(access_token),
        "jti": ctx.tokens.opaque_id(),
        "rat": int(grant.requested_at or grant.auth_time),
    }
    if grant.session_id:
        claims["sid"] = public_sid(grant.session_id)
    if grant.nonce:
        claims["nonce"] = grant.nonce
    if grant.acr:
        claims["acr"] = grant.acr
    return ctx.signer.sign(claims)


# A grant handler validates the request and has the store make the one transition it needs,
# minting through the _Issuance.
_Handler = Callable[[Context, _Issuance, dict[str, str]], Awaitable[None]]
_HANDLERS: dict[str, _Handler] = {
    "authorization_code": _redeem_code,
    "refresh_token": _refresh,
    "client_credentials": _client_credentials,
}
