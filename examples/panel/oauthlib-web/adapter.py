"""oauthlib's WebApplicationClient, as its docs show: the client builds the requests and parses
the answers, the application sends them (here with httpx). create_code_verifier(48) and an
S256 challenge, prepare_request_uri() with a state from oauthlib.common.generate_token(),
parse_request_uri_response(callback, state=...) (which checks state and raises on an error
response), prepare_request_body() POSTed with HTTP Basic (or client_id in the body for a
PKCE app), parse_request_body_response(), prepare_refresh_body(), and add_token() for the
API. Sending the requests is the adapter's code (the library has no transport).
OAUTHLIB_INSECURE_TRANSPORT is set while it runs: the mock is plain http on loopback."""

from __future__ import annotations

import os
from typing import ClassVar

import httpx
from oauthlib.common import generate_token
from oauthlib.oauth2 import WebApplicationClient

from frameio_oauth_mock.conformance.client.adapter import ClientSetup
from frameio_oauth_mock.conformance.server.http import Call

TIMEOUT = 10.0
_INSECURE = "OAUTHLIB_INSECURE_TRANSPORT"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Adapter:
    adapter_code: ClassVar[dict[str, str]] = {
        "C15": "the adapter sends Basic with httpx's auth=(id, secret): oauthlib builds no header",
        "C20": "the adapter sends the request add_token() prepared",
    }

    def __init__(self, setup: ClientSetup) -> None:
        self.setup = setup
        self._previous = os.environ.get(_INSECURE)
        os.environ[_INSECURE] = "1"
        self.client = WebApplicationClient(setup.client_id)
        self.http = httpx.Client(timeout=TIMEOUT)
        self.auth = None if setup.is_public else (setup.client_id, setup.client_secret or "")
        self.state = ""
        self.verifier = ""

    def begin(self) -> str:
        self.verifier = self.client.create_code_verifier(48)
        challenge = self.client.create_code_challenge(self.verifier, "S256")
        self.state = generate_token()
        return str(
            self.client.prepare_request_uri(
                self.setup.authorization_endpoint,
                redirect_uri=self.setup.redirect_uri,
                scope=list(self.setup.scopes),
                state=self.state,
                code_challenge=challenge,
                code_challenge_method="S256",
            )
        )

    def _token(self, body: str) -> None:
        answer = self.http.post(
            self.setup.token_endpoint, content=body, headers=FORM, auth=self.auth
        )
        self.client.parse_request_body_response(answer.text)  # raises on an error answer

    def deliver(self, callback_url: str) -> Call | None:
        answer = self.client.parse_request_uri_response(callback_url, state=self.state)
        body = self.client.prepare_request_body(
            code=answer["code"],
            redirect_uri=self.setup.redirect_uri,
            code_verifier=self.verifier,
            include_client_id=self.setup.is_public,
        )
        self._token(body)
        return None

    def refresh(self) -> None:
        extra = {"client_id": self.setup.client_id} if self.setup.is_public else {}
        self._token(self.client.prepare_refresh_body(**extra))

    def call_api(self) -> None:
        uri, headers, _ = self.client.add_token(self.setup.resource_url)
        self.http.get(uri, headers=headers).raise_for_status()

    def close(self) -> None:
        self.http.close()
        if self._previous is None:
            os.environ.pop(_INSECURE, None)
        else:
            os.environ[_INSECURE] = self._previous
