"""What differs between the real servers the mock copies, as data.

The engine and the web layer read a `Profile`; they never branch on a profile's name.
`frameio-v2` copies Frame.io's legacy server, which is Ory Hydra v2 (ory/fosite) with its
default lifetimes; see docs/fidelity.md.
"""

# Annotations are evaluated here (no `from __future__ import annotations`): typing.NamedTuple
# compiles every string annotation, which every start-up would pay (~0.5 ms for Profile).

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

# The types here are named tuples, immutable data: this module loads at every start-up, where
# frozen dataclasses would cost about 3 ms to create (Python 3.11 compiles each generated
# method with exec(); Profile alone has 51 fields).


class ErrorSpec(NamedTuple):
    """How one OAuth error code is answered: HTTP status and the base error_description."""

    status: int
    description: str


class Paths(NamedTuple):
    """Where a profile's endpoints live; None where the real server has no such endpoint."""

    authorize: str
    token: str
    login: str
    consent: str
    revoke: str
    userinfo: str
    jwks: str
    # RFC 8414 / OpenID discovery documents, served at each of these paths.
    metadata: tuple[str, ...]
    introspect: str | None = None
    # The resource API that tokens unlock (Frame.io: GET https://api.frame.io/v2/me).
    me: str | None = None
    # Where Frame.io's V4 API (/v4/me, /v4/accounts...) is served, for this profile's tokens.
    v4: str | None = None

    def endpoint_names(self) -> dict[str, str]:
        """Path -> the endpoint name that faults and the request log use."""
        names = {
            self.authorize: "authorize",
            self.login: "login",
            self.consent: "consent",
            self.token: "token",
            self.revoke: "revoke",
            self.userinfo: "userinfo",
            self.jwks: "jwks",
        }
        if self.introspect:
            names[self.introspect] = "introspect"
        if self.me:
            names[self.me] = "api"
        if self.v4:
            names[self.v4 + "/me"] = names[self.v4 + "/accounts"] = "api"
        names.update(dict.fromkeys(self.metadata, "metadata"))
        return names


class Profile(NamedTuple):
    """What one real server does differently: paths, lifetimes, token shapes, errors."""

    name: str
    paths: Paths
    access_token_ttl: int
    refresh_token_ttl: int
    code_ttl: int
    # Opaque token shapes: prefix + base64url(random) + "." + base64url(signature).
    access_token_prefix: str
    refresh_token_prefix: str
    code_prefix: str
    scopes: frozenset[str]
    # Granting any of these scopes makes the token endpoint issue a refresh token.
    offline_scopes: frozenset[str]
    grant_types: tuple[str, ...]
    response_types: tuple[str, ...]
    errors: Mapping[str, ErrorSpec]
    # Hint for an unknown grant_type's error (Hydra: invalid_request, never unsupported_grant_type).
    unknown_grant_hint: str
    state_min_length: int
    # PKCE methods accepted at the authorization endpoint; anything else is refused.
    pkce_methods: frozenset[str]
    # Status of every redirect back to the client (success and error).
    redirect_status: int = 303
    token_response_headers: Mapping[str, str] = MappingProxyType({})
    # What the discovery document claims for PKCE (Hydra advertises plain, then refuses it).
    advertised_pkce_methods: tuple[str, ...] = ("plain", "S256")
    # PKCE for every client, not only public ones.
    require_pkce: bool = False
    # RFC 9207: `iss` in every authorization response.
    send_iss: bool = False
    # RFC 6749 5.2: WWW-Authenticate on invalid_client (Hydra sends none).
    invalid_client_challenge: str | None = None
    # Scope the resource API (/v2/me) requires.
    me_scope: str = "account.read"
    # Whose pages these are: the login page's heading and the pages' footer name it.
    brand: str = "Frame.io"
    sign_in_heading: str = "Sign in to Frame.io"
    # Endpoints (by name) a browser app may call from another origin (CORS); never authorize.
    cors_endpoints: frozenset[str] = frozenset()
    # Scope the V4 API requires (every IMS user and server-to-server credential has openid).
    v4_scope: str = "openid"
    # Characters that separate scopes in a request (IMS also takes commas).
    scope_separators: str = " "
    state_max_length: int | None = None
    # A secret client may authenticate with Basic or client_secret_post, whatever it registered.
    secret_methods_interchangeable: bool = False
    # Token, revoke and userinfo parameters may come in the query string as well as the body.
    parameters_in_query: bool = False
    # "opaque" (prefix + random + signature) or "jwt" (RS256, signed like id_tokens).
    token_format: str = "opaque"
    # Token response members besides access_token, token_type, expires_in.
    response_has_scope: bool = True
    # `sub` (the user id) in responses to the authorization_code grant.
    code_response_has_sub: bool = False
    # Refresh responses carry an id_token when openid was granted.
    refresh_response_has_id_token: bool = True
    # "base+hint" (fosite: base description, a space, the hint) or "hint" (the hint alone).
    description_style: str = "base+hint"
    unknown_grant_error: str = "invalid_request"
    token_endpoint_auth_methods: tuple[str, ...] = (
        "client_secret_basic",
        "client_secret_post",
        "none",
    )
    # response_mode values the authorization endpoint answers in; any other is an error page.
    response_modes: tuple[str, ...] = ("query", "fragment", "form_post")
    # OpenID Connect requests must name their redirect_uri (fosite), even with one registered.
    openid_requires_redirect_uri: bool = True
    # `audience` values must be whitelisted for the client (fosite; IMS has no audiences).
    checks_audience: bool = True
    # With openid, a nonce shorter than this fails every code exchange (fosite: 8; 0 = none).
    min_nonce_length: int = 8
    # Error redirects carry `state` even when none was sent (fosite: `state=`).
    error_redirect_has_state: bool = True
    # Non-POST requests to token, revoke and introspect get the router's 405 (Hydra), not an
    # OAuth error.
    router_answers_non_post: bool = True
    # The discovery document's fixed members, as the real server publishes them (endpoint
    # URLs, scopes and PKCE methods are added from the rest of the profile).
    discovery: Mapping[str, object] = MappingProxyType({})
    # None: every scope the profile knows.
    advertised_scopes: tuple[str, ...] | None = None
    # response_type when the request names none (IMS: code); None: it is required.
    default_response_type: str | None = None
    # The token request must repeat the authorization request's redirect_uri (RFC 6749
    # 4.1.3); IMS takes none (a different one is still refused).
    token_requires_redirect_uri: bool = True
    # "hydra": userinfo is the id_token's claims plus the consent step's; "ims": by scope.
    userinfo_style: str = "hydra"
    # Where RP-initiated logout lives (OpenID end_session_endpoint); None: no logout.
    end_session_path: str | None = None
    # Clients may be Adobe Developer Console credentials: a `type` (web, spa, native, s2s), a
    # default redirect URI and a redirect URI pattern (mockserver/credentials.py).
    ims_credentials: bool = False

    def strict(self) -> "Profile":
        """OAuth 2.1 / RFC 9700 behaviour on top of this profile, for grading clients."""
        return self._replace(
            name=f"{self.name}+strict",
            pkce_methods=frozenset(["S256"]),
            advertised_pkce_methods=("S256",),
            require_pkce=True,
            send_iss=True,
            invalid_client_challenge='Basic realm="frameio-oauth-mock"',
        )

    def error(self, code: str) -> ErrorSpec:
        return self.errors.get(code) or ErrorSpec(400, "")


# ory/fosite's error registry (errors.go): status and base description of each error code.
_FOSITE_ERRORS = MappingProxyType(
    {
        "invalid_request": ErrorSpec(
            400,
            "The request is missing a required parameter, includes an invalid parameter value, "
            "includes a parameter more than once, or is otherwise malformed.",
        ),
        "unauthorized_client": ErrorSpec(
            400, "The client is not authorized to request a token using this method."
        ),
        "access_denied": ErrorSpec(
            403, "The resource owner or authorization server denied the request."
        ),
        "unsupported_response_type": ErrorSpec(
            400, "The authorization server does not support obtaining a token using this method."
        ),
        "invalid_scope": ErrorSpec(400, "The requested scope is invalid, unknown, or malformed."),
        "server_error": ErrorSpec(
            500,
            "The authorization server encountered an unexpected condition that prevented it "
            "from fulfilling the request.",
        ),
        "temporarily_unavailable": ErrorSpec(
            503,
            "The authorization server is currently unable to handle the request due to a "
            "temporary overloading or maintenance of the server.",
        ),
        "invalid_client": ErrorSpec(
            401,
            "Client authentication failed (e.g., unknown client, no client authentication "
            "included, or unsupported authentication method).",
        ),
        "invalid_grant": ErrorSpec(
            400,
            "The provided authorization grant (e.g., authorization code, resource owner "
            "credentials) or refresh token is invalid, expired, revoked, does not match the "
            "redirection URI used in the authorization request, or was issued to another client.",
        ),
        "unsupported_grant_type": ErrorSpec(
            400, "The authorization grant type is not supported by the authorization server."
        ),
        "invalid_token": ErrorSpec(
            401,
            "Token is inactive because it is malformed, expired or otherwise invalid. Token "
            "validation failed.",
        ),
        "insufficient_scope": ErrorSpec(
            403,
            "The request requires higher privileges than provided by the access token.",
        ),
        "invalid_state": ErrorSpec(
            400,
            "The state is missing or does not have enough characters and is therefore "
            "considered too weak.",
        ),
        "unsupported_response_mode": ErrorSpec(
            400,
            "The authorization server does not support obtaining a response using this "
            "response mode.",
        ),
        "login_required": ErrorSpec(
            400, "The Authorization Server requires End-User authentication."
        ),
        "insufficient_entropy": ErrorSpec(
            400,
            "The request used a security parameter (e.g., anti-replay, anti-csrf) with "
            "insufficient entropy.",
        ),
        "request_unauthorized": ErrorSpec(401, "The request could not be authorized."),
    }
)

FRAMEIO_SCOPES = frozenset(
    ["account.read", "team.read", "team.create", "team.update", "auditlog.read", "offline"]
    + [
        f"{resource}.{action}"
        for resource in (
            "project",
            "asset",
            "comment",
            "reviewlink",
            "presentation",
            "webhook",
            "action",
        )
        for action in ("read", "create", "update", "delete")
    ]
    # OpenID Connect scopes Hydra always understands.
    + ["openid", "offline_access", "email", "profile"]
)

FRAMEIO_V2 = Profile(
    name="frameio-v2",
    paths=Paths(
        authorize="/oauth2/auth",
        token="/oauth2/token",
        login="/oauth2/auth/login",
        consent="/oauth2/auth/consent",
        revoke="/oauth2/revoke",
        introspect="/oauth2/introspect",
        userinfo="/userinfo",
        jwks="/.well-known/jwks.json",
        metadata=("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"),
        me="/v2/me",
    ),
    access_token_ttl=3600,
    refresh_token_ttl=30 * 24 * 3600,
    code_ttl=600,
    access_token_prefix="ory_at_",
    refresh_token_prefix="ory_rt_",
    code_prefix="ory_ac_",
    scopes=FRAMEIO_SCOPES,
    offline_scopes=frozenset(["offline", "offline_access"]),
    # Hydra has client_credentials: a client not allowed it is unauthorized_client, not unknown.
    grant_types=("authorization_code", "refresh_token", "client_credentials"),
    response_types=("code",),
    errors=_FOSITE_ERRORS,
    unknown_grant_hint=(
        "Make sure that the various parameters are correct, be aware of case sensitivity and "
        "trim your parameters. Make sure that the client you are using has exactly whitelisted "
        "the redirect_uri you specified."
    ),
    state_min_length=8,
    pkce_methods=frozenset(["S256"]),
    redirect_status=303,
    # Hydra v2.3.0's discoverOidcConfiguration, with its default settings.
    discovery=MappingProxyType(
        {
            "response_types_supported": [
                "code",
                "code id_token",
                "id_token",
                "token id_token",
                "token",
                "token id_token code",
            ],
            "grant_types_supported": [
                "authorization_code",
                "implicit",
                "client_credentials",
                "refresh_token",
            ],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "client_secret_basic",
                "private_key_jwt",
                "none",
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "id_token_signed_response_alg": ["RS256"],
            "userinfo_signed_response_alg": ["RS256"],
            "userinfo_signing_alg_values_supported": ["none", "RS256"],
            "request_parameter_supported": True,
            "request_uri_parameter_supported": True,
            "require_request_uri_registration": True,
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "frontchannel_logout_supported": True,
            "frontchannel_logout_session_supported": True,
            "request_object_signing_alg_values_supported": ["none", "RS256", "ES256"],
            "claims_supported": ["sub"],
        }
    ),
    end_session_path="/oauth2/sessions/logout",
    token_response_headers=MappingProxyType(
        {
            "Content-Type": "application/json;charset=UTF-8",
            "Cache-Control": "no-store",
            "Pragma": "no-cache",
        }
    ),
)

# RFC 6749 5.2's statuses with short descriptions: IMS documents its error codes, not its texts.
_RFC6749_ERRORS = MappingProxyType(
    {
        "invalid_request": ErrorSpec(400, "The request is missing a required parameter."),
        "invalid_client": ErrorSpec(401, "Client authentication failed."),
        "invalid_grant": ErrorSpec(400, "The authorization grant is invalid."),
        "unauthorized_client": ErrorSpec(400, "The client is not authorized to use this grant."),
        "unsupported_grant_type": ErrorSpec(400, "The grant type is not supported."),
        "invalid_scope": ErrorSpec(400, "The requested scope is invalid."),
        "access_denied": ErrorSpec(403, "The user denied the request."),
        "unsupported_response_type": ErrorSpec(400, "The response type is not supported."),
        "server_error": ErrorSpec(500, "The server encountered an unexpected condition."),
        "temporarily_unavailable": ErrorSpec(503, "The server is temporarily unavailable."),
        "invalid_token": ErrorSpec(401, "The access token is invalid or expired."),
        "insufficient_scope": ErrorSpec(403, "The access token lacks the required scope."),
        "unsupported_response_mode": ErrorSpec(400, "The response mode is not supported."),
        "login_required": ErrorSpec(400, "The user is not logged in."),
    }
)

# Adobe IMS (Frame.io V4): docs/fidelity.md, profile adobe-ims.
ADOBE_IMS = Profile(
    name="adobe-ims",
    paths=Paths(
        authorize="/ims/authorize/v2",
        token="/ims/token/v3",
        login="/ims/authorize/v2/login",
        consent="/ims/authorize/v2/consent",
        revoke="/ims/revoke",
        userinfo="/ims/userinfo/v2",
        jwks="/ims/keys",
        metadata=("/ims/.well-known/openid-configuration",),
        v4="/v4",
    ),
    access_token_ttl=86399,
    refresh_token_ttl=14 * 24 * 3600,
    code_ttl=600,
    access_token_prefix="",
    refresh_token_prefix="",
    code_prefix="",
    scopes=frozenset(
        [
            "openid",
            "email",
            "profile",
            "offline_access",
            "AdobeID",
            "additional_info",
            "additional_info.roles",
            "additional_info.projectedProductContext",
            "frame.s2s.all",
        ]
    ),
    offline_scopes=frozenset(["offline_access"]),
    grant_types=("authorization_code", "refresh_token", "client_credentials"),
    response_types=("code",),
    errors=_RFC6749_ERRORS,
    unknown_grant_hint="The grant_type is not supported.",
    unknown_grant_error="unsupported_grant_type",
    state_min_length=0,
    state_max_length=4096,
    pkce_methods=frozenset(["S256", "plain"]),
    redirect_status=302,
    token_response_headers=MappingProxyType(
        {"Content-Type": "application/json;charset=utf-8", "Cache-Control": "no-store"}
    ),
    advertised_pkce_methods=("S256", "plain"),
    # Adobe's sample discovery document (UserAuthentication/ims.md).
    discovery=MappingProxyType(
        {
            "response_types_supported": [
                "code",
                "token",
                "id_token",
                "id_token token",
                "code id_token",
            ],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "grant_types_supported": ["authorization_code", "implicit_grant", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_modes_supported": ["query", "fragment"],
            "claims_supported": [
                "sub",
                "given_name",
                "family_name",
                "name",
                "email",
                "email_verified",
                "address",
            ],
        }
    ),
    advertised_scopes=("openid", "email", "profile"),
    userinfo_style="ims",
    default_response_type="code",
    token_requires_redirect_uri=False,
    me_scope="",
    cors_endpoints=frozenset(["token", "revoke", "userinfo", "jwks"]),
    brand="Adobe",
    sign_in_heading="Sign in with your Adobe ID",
    scope_separators=" ,",
    secret_methods_interchangeable=True,
    parameters_in_query=True,
    token_format="jwt",
    response_has_scope=False,
    code_response_has_sub=True,
    refresh_response_has_id_token=False,
    description_style="hint",
    token_endpoint_auth_methods=("client_secret_basic", "client_secret_post", "none"),
    response_modes=("query", "fragment"),
    openid_requires_redirect_uri=False,
    checks_audience=False,
    min_nonce_length=0,
    error_redirect_has_state=False,
    router_answers_non_post=False,
    ims_credentials=True,
)

PROFILES: Mapping[str, Profile] = MappingProxyType(
    {profile.name: profile for profile in (FRAMEIO_V2, ADOBE_IMS)}
)
