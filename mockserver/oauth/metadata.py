"""RFC 8414 / OpenID Connect discovery: what the server offers, with absolute endpoint URLs."""

from __future__ import annotations

from typing import Any

from frameio_oauth_mock.mockserver.oauth.context import Context


def server_metadata(ctx: Context, issuer: str) -> dict[str, Any]:
    profile = ctx.profile
    paths = profile.paths
    auth_methods = list(profile.token_endpoint_auth_methods)
    metadata: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": issuer + paths.authorize,
        "token_endpoint": issuer + paths.token,
        "revocation_endpoint": issuer + paths.revoke,
        "userinfo_endpoint": issuer + paths.userinfo,
        "jwks_uri": issuer + paths.jwks,
        "scopes_supported": sorted(profile.scopes),
        "response_types_supported": list(profile.response_types),
        "response_modes_supported": ["query"],
        "grant_types_supported": list(profile.grant_types),
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": list(profile.advertised_pkce_methods),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "email",
            "name",
        ],
    }
    if paths.introspect:
        metadata["introspection_endpoint"] = issuer + paths.introspect
        metadata["introspection_endpoint_auth_methods_supported"] = auth_methods
    if profile.send_iss:
        metadata["authorization_response_iss_parameter_supported"] = True
    return metadata
