"""The official Frame.io Python SDK's authentication (frameio.auth, 4.0.0), as its docs show:
WebAppAuth for the app with a secret (get_authorization_url(state=...),
exchange_code(code=...)), SPAAuth for the PKCE app (get_authorization_url(state=...) returns
the URL and the code_verifier, exchange_code(code=..., code_verifier=...)), refresh(), and
get_token() (which refreshes a token near expiry) for the API, with ims_base_url pointing at the
mock. The SDK takes the code, not the callback: reading the callback (state, error, code) is
the application's, so this adapter does it (declared in adapter_code). Graded on the mock's
adobe-ims profile."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import httpx
from frameio.auth import SPAAuth, WebAppAuth

from frameio_oauth_mock.conformance.client.adapter import ClientSetup
from frameio_oauth_mock.conformance.server.http import Call

PROFILE = "adobe-ims"


class Adapter:
    adapter_code: ClassVar[dict[str, str]] = {
        "C8": "the adapter makes the state (secrets.token_urlsafe(32))",
        "C9": "the adapter reads the callback and compares state",
        "C10": "the adapter forgets a state once used",
        "C11": "the adapter forgets a state once used",
        "C12": "the adapter reads error= in the callback",
        "C18": "the adapter reads the callback",
        "C25": "the adapter reads the callback (and ignores iss, as the SDK's docs do)",
        "C26": "the adapter reads the callback (and ignores iss, as the SDK's docs do)",
        "C20": "the adapter calls the API with Authorization: Bearer get_token()",
    }

    def __init__(self, setup: ClientSetup) -> None:
        self.setup = setup
        base = setup.issuer
        common: dict[str, Any] = {
            "client_id": setup.client_id,
            "redirect_uri": setup.redirect_uri,
            "scopes": setup.scope,
            "ims_base_url": base,
            "timeout": 10.0,
        }
        self.public = setup.is_public
        self.auth: Any = (
            SPAAuth(**common)
            if self.public
            else WebAppAuth(client_secret=setup.client_secret or "", **common)
        )
        self.pending: dict[str, str] = {}  # state -> code_verifier ("" for WebAppAuth)

    def begin(self) -> str:
        state = secrets.token_urlsafe(32)
        if self.public:
            result = self.auth.get_authorization_url(state=state)
            self.pending[state] = result.code_verifier
            return str(result.url)
        self.pending[state] = ""
        return str(self.auth.get_authorization_url(state=state))

    def deliver(self, callback_url: str) -> Call | None:
        query = dict(parse_qsl(urlsplit(callback_url).query))
        state = query.get("state", "")
        if state not in self.pending:
            raise ValueError("state mismatch")
        verifier = self.pending.pop(state)
        if "error" in query:
            raise ValueError(f"authorization error: {query['error']}")
        if self.public:
            self.auth.exchange_code(code=query["code"], code_verifier=verifier)
        else:
            self.auth.exchange_code(code=query["code"])
        return None

    def refresh(self) -> None:
        self.auth.refresh()

    def call_api(self) -> None:
        headers = {"Authorization": f"Bearer {self.auth.get_token()}"}
        httpx.get(self.setup.resource_url, headers=headers, timeout=10).raise_for_status()

    def close(self) -> None:
        return None
