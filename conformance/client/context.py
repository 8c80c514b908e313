"""What every client check receives: the running mock, the client under test (as an adapter
factory), the registered apps, and the scenarios already played (each is played once a run)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.client.adapter import AdapterFactory, ClientSetup
from conformance.client.play import App, User, play
from conformance.client.scenario import (
    PKCE_APP,
    SECRET_APP,
    SPECIAL_SECRET_APP,
    Scenario,
    ScenarioRun,
)
from conformance.client.scenarios import SCENARIOS
from conformance.redact import Redactor
from mockserver.testing import MockServer

REDIRECT_URI = "http://127.0.0.1:8765/callback"  # loopback: any port is accepted
SCOPES = ("account.read", "offline")
REGISTERED_SCOPES = ["account.read", "asset.read", "offline", "openid"]
USER = User("dev@example.com", "conformance-user-password-4Kq")
APPS = {
    PKCE_APP: App("conformance-pkce-app", None),
    SECRET_APP: App("conformance-secret-app", "conformance-secret-Vb83nQ"),
    # RFC 6749 2.3.1: form-urlencoding changes every one of these characters.
    SPECIAL_SECRET_APP: App("conformance-special-app", "s3 cr:t+%&/é"),
}


def start_mock() -> MockServer:
    """The mock the harness grades against: real uvicorn on a free loopback port."""
    clients = [
        {
            "client_id": app.client_id,
            "redirect_uris": [REDIRECT_URI],
            "scopes": REGISTERED_SCOPES,
            **({"client_secret": app.secret} if app.secret else {}),
        }
        for app in APPS.values()
    ]
    user = {"email": USER.email, "password": USER.password}
    return MockServer(clients=clients, users=[user]).start()


@dataclass
class ClientContext:
    mock: MockServer
    factory: AdapterFactory
    redirect_uri: str = REDIRECT_URI
    runs: dict[str, ScenarioRun] = field(default_factory=dict)
    redactor: Redactor = field(
        default_factory=lambda: Redactor([*(a.secret or "" for a in APPS.values()), USER.password])
    )

    def setup(self, app_name: str) -> ClientSetup:
        app = APPS[app_name]
        mock = self.mock
        return ClientSetup(
            client_id=app.client_id,
            client_secret=app.secret,
            redirect_uri=self.redirect_uri,
            scopes=SCOPES,
            issuer=mock.url,
            authorization_endpoint=mock.authorize_url,
            token_endpoint=mock.token_url,
            metadata_url=mock.url + "/.well-known/oauth-authorization-server",
            resource_url=mock.api_url + "/v2/me",
            clock=mock.clock.now,
        )

    def play(self, scenario: Scenario) -> ScenarioRun:
        run = self.runs.get(scenario.name)
        if run is None:
            setup = self.setup(scenario.app)
            run = play(self.mock, scenario, self.factory, setup, USER, self.redactor)
            run.redactor = self.redactor
            self.runs[scenario.name] = run
        return run

    def play_all(self, scenarios: Iterable[Scenario] | None = None) -> list[ScenarioRun]:
        return [self.play(scenario) for scenario in scenarios or SCENARIOS]

    def describe(self) -> dict[str, Any]:
        return {
            "mock": self.mock.url,
            "clients": {name: app.client_id for name, app in APPS.items()},
            "scopes": list(SCOPES),
            "scenarios": {
                name: {"seconds": round(run.seconds, 3), "broken": run.broken or None}
                for name, run in self.runs.items()
            },
        }
