"""Authlib's requests client (authlib.integrations.requests_client.OAuth2Session), as its docs
show for a web app: create_authorization_url() with a code_verifier from generate_token(48),
fetch_token() with the authorization response, the saved state and verifier,
refresh_token(), and the session itself (which refreshes an expired token) for the API."""

from __future__ import annotations

from typing import Any

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from frameio_oauth_mock.conformance.client.adapter import ClientSetup
from frameio_oauth_mock.conformance.server.http import Call

TIMEOUT = 10.0


class Adapter:
    def __init__(self, setup: ClientSetup) -> None:
        self.setup = setup
        self.session: Any = OAuth2Session(
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
        url, self.state = self.session.create_authorization_url(
            self.setup.authorization_endpoint, code_verifier=self.verifier
        )
        return str(url)

    def deliver(self, callback_url: str) -> Call | None:
        self.session.fetch_token(
            self.setup.token_endpoint,
            authorization_response=callback_url,
            state=self.state,
            code_verifier=self.verifier,
            timeout=TIMEOUT,
        )
        return None

    def refresh(self) -> None:
        self.session.refresh_token(self.setup.token_endpoint, timeout=TIMEOUT)

    def call_api(self) -> None:
        self.session.get(self.setup.resource_url, timeout=TIMEOUT).raise_for_status()

    def close(self) -> None:
        self.session.close()
