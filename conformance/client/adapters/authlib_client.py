"""Authlib's httpx client (authlib.integrations.httpx_client.OAuth2Client), as its docs show:
create_authorization_url() with a code_verifier from generate_token(48), fetch_token() with the
authorization response, the saved state and verifier, refresh_token(), and the client itself
(which refreshes an expired token before a request) for the API."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning  # installs its "always" filter first

with warnings.catch_warnings():
    # Recent Authlib points httpx users at httpx2; the httpx integration is what is graded.
    warnings.filterwarnings("ignore", "The httpx module", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

from frameio_oauth_mock.conformance.client.adapter import ClientSetup
from frameio_oauth_mock.conformance.server.http import Call


class AuthlibAdapter:
    """An Authlib OAuth 2 client of either integration, used the same way: the httpx
    `OAuth2Client` (below) and the requests `OAuth2Session` (the panel's authlib-requests
    member) share Authlib's OAuth2 mixin, so only the class and the request options differ."""

    client_class: Any
    # Passed to every request the client sends (requests waits for ever without a timeout).
    request_options: Mapping[str, Any] = MappingProxyType({})

    def __init__(self, setup: ClientSetup) -> None:
        self.setup = setup
        self.client: Any = self.client_class(
            setup.client_id,
            setup.client_secret,
            scope=setup.scope,
            redirect_uri=setup.redirect_uri,
            token_endpoint=setup.token_endpoint,
            token_endpoint_auth_method="none" if setup.is_public else "client_secret_basic",
            code_challenge_method="S256",
        )
        self.state: str | None = None
        self.verifier: str | None = None

    def begin(self) -> str:
        self.verifier = generate_token(48)
        url, self.state = self.client.create_authorization_url(
            self.setup.authorization_endpoint, code_verifier=self.verifier
        )
        return str(url)

    def deliver(self, callback_url: str) -> Call | None:
        self.client.fetch_token(
            self.setup.token_endpoint,
            authorization_response=callback_url,
            state=self.state,
            code_verifier=self.verifier,
            **self.request_options,
        )
        return None

    def refresh(self) -> None:
        self.client.refresh_token(self.setup.token_endpoint, **self.request_options)

    def call_api(self) -> None:
        self.client.get(self.setup.resource_url, **self.request_options).raise_for_status()

    def close(self) -> None:
        self.client.close()


class AuthlibClient(AuthlibAdapter):
    client_class = OAuth2Client
