"""requests-oauthlib's OAuth2Session, as its docs show: pkce="S256", authorization_url(),
fetch_token() with the authorization response (the session keeps the state and verifier), its
default client authentication (HTTP Basic for an app with a secret, client_id in the body for a
PKCE app) for refresh_token() too, and auto_refresh_url so a token it sees expired is refreshed
before an API call. OAUTHLIB_INSECURE_TRANSPORT is set while it runs: the mock is plain http on
loopback, which oauthlib otherwise refuses."""

from __future__ import annotations

import os
from typing import Any

from requests_oauthlib import OAuth2Session

from frameio_oauth_mock.conformance.client.adapter import ClientSetup
from frameio_oauth_mock.conformance.server.http import Call

_INSECURE = "OAUTHLIB_INSECURE_TRANSPORT"
TIMEOUT = 10.0


class RequestsOAuthlibClient:
    def __init__(self, setup: ClientSetup) -> None:
        self.setup = setup
        self._previous = os.environ.get(_INSECURE)
        os.environ[_INSECURE] = "1"
        self.auth = None if setup.is_public else (setup.client_id, setup.client_secret)
        self.session: Any = OAuth2Session(
            setup.client_id,
            redirect_uri=setup.redirect_uri,
            scope=list(setup.scopes),
            pkce="S256",
            auto_refresh_url=setup.token_endpoint,
            # A PKCE app identifies itself in the refresh body (the docs' auto_refresh_kwargs).
            auto_refresh_kwargs={"client_id": setup.client_id} if setup.is_public else {},
            token_updater=lambda token: None,
        )

    def begin(self) -> str:
        url, _state = self.session.authorization_url(self.setup.authorization_endpoint)
        return str(url)

    def deliver(self, callback_url: str) -> Call | None:
        self.session.fetch_token(
            self.setup.token_endpoint,
            authorization_response=callback_url,
            client_secret=self.setup.client_secret,
            include_client_id=True if self.setup.is_public else None,
            timeout=TIMEOUT,
        )
        return None

    def refresh(self) -> None:
        self.session.refresh_token(self.setup.token_endpoint, auth=self.auth, timeout=TIMEOUT)

    def call_api(self) -> None:
        # client_id and client_secret: what an automatic refresh authenticates with (Basic).
        response = self.session.get(
            self.setup.resource_url,
            timeout=TIMEOUT,
            client_id=self.setup.client_id,
            client_secret=self.setup.client_secret,
        )
        response.raise_for_status()

    def close(self) -> None:
        self.session.close()
        if self._previous is None:
            os.environ.pop(_INSECURE, None)
        else:
            os.environ[_INSECURE] = self._previous
