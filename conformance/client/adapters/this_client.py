"""This project's client (client.FrameioOAuth), used as docs/client.md shows for a web app:
authorization_url() on the way out, exchange() with the saved state and verifier on the way
back, refresh(), and me() for the API. discover=True, as the docs advise, so it knows the
server sends RFC 9207 `iss`; clock= the mock's, so advancing the mock's clock expires its
tokens too."""

from __future__ import annotations

from frameio_oauth_mock.client import AuthorizationRequest, FrameioOAuth
from frameio_oauth_mock.conformance.client.adapter import ClientSetup
from frameio_oauth_mock.conformance.server.http import Call


class ThisClient:
    def __init__(self, setup: ClientSetup) -> None:
        if not setup.resource_url.endswith("/v2/me"):  # its paths are fixed: /oauth2/...
            raise ValueError("client.FrameioOAuth supports only the frameio-v2 profile")
        self.oauth = FrameioOAuth(
            setup.client_id,
            setup.client_secret,
            redirect_uri=setup.redirect_uri,
            scopes=setup.scopes,
            base_url=setup.issuer,
            api_url=setup.resource_url.removesuffix("/v2/me"),
            discover=True,
            clock=setup.clock,
        )
        self.session: AuthorizationRequest | None = None

    def begin(self) -> str:
        self.session = self.oauth.authorization_url()
        return self.session.url

    def deliver(self, callback_url: str) -> Call | None:
        if self.session is None:
            raise RuntimeError("no authorization was begun")
        self.oauth.exchange(callback_url, self.session.state, self.session.code_verifier)
        return None

    def refresh(self) -> None:
        self.oauth.refresh()

    def call_api(self) -> None:
        self.oauth.me()

    def close(self) -> None:
        self.oauth.close()
