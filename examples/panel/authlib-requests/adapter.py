"""Authlib's requests client (authlib.integrations.requests_client.OAuth2Session), as its docs
show for a web app: create_authorization_url() with a code_verifier from generate_token(48),
fetch_token() with the authorization response, the saved state and verifier,
refresh_token(), and the session itself (which refreshes an expired token) for the API.

The calls are the shipped httpx adapter's (Authlib's two integrations share one OAuth2 mixin);
only the session class and a timeout on every request differ."""

from __future__ import annotations

from types import MappingProxyType

from authlib.integrations.requests_client import OAuth2Session

from frameio_oauth_mock.conformance.client.adapters.authlib_client import AuthlibAdapter


class Adapter(AuthlibAdapter):
    client_class = OAuth2Session
    request_options = MappingProxyType({"timeout": 10.0})  # requests has no default timeout
