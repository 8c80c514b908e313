"""OpenID Connect discovery and RFC 8414 metadata: what the server offers, with absolute
endpoint URLs.

The OpenID document is the real server's, member for member (the profile's `discovery`
data). The RFC 8414 document, which Hydra does not serve, is the same plus what only the
mock offers: its introspection endpoint.
"""

from __future__ import annotations

from typing import Any

from frameio_oauth_mock.mockserver.oauth.context import Context


def server_metadata(ctx: Context, issuer: str, rfc8414: bool = False) -> dict[str, Any]:
    profile = ctx.profile
    paths = profile.paths
    scopes = profile.advertised_scopes
    metadata: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": issuer + paths.authorize,
        "token_endpoint": issuer + paths.token,
        "revocation_endpoint": issuer + paths.revoke,
        "userinfo_endpoint": issuer + paths.userinfo,
        "jwks_uri": issuer + paths.jwks,
        "scopes_supported": list(scopes) if scopes is not None else sorted(profile.scopes),
        **profile.discovery,
        "code_challenge_methods_supported": list(profile.advertised_pkce_methods),
    }
    if profile.end_session_path:
        metadata["end_session_endpoint"] = issuer + profile.end_session_path
    if rfc8414 and paths.introspect:
        metadata["introspection_endpoint"] = issuer + paths.introspect
        auth_methods = metadata["token_endpoint_auth_methods_supported"]
        metadata["introspection_endpoint_auth_methods_supported"] = auth_methods
    if profile.send_iss:
        metadata["authorization_response_iss_parameter_supported"] = True
    return metadata
