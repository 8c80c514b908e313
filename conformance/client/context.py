"""What every client check receives: the running mock, the client under test (as an adapter
factory), the registered apps, and the scenarios already played (each is played once a run)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from frameio_oauth_mock.conformance.client.adapter import (
    AdapterFactory,
    ClientSetup,
    graded_by_adapter,
)
from frameio_oauth_mock.conformance.client.compatibility import frameio_findings
from frameio_oauth_mock.conformance.client.fronts import MetadataFront, TlsFront
from frameio_oauth_mock.conformance.client.play import App, User, play
from frameio_oauth_mock.conformance.client.scenario import (
    AUTHORIZE,
    PKCE_APP,
    REJECTED,
    SECRET_APP,
    SPECIAL_SECRET_APP,
    UNSUPPORTED,
    Scenario,
    ScenarioRun,
)
from frameio_oauth_mock.conformance.client.scenarios import SCENARIOS
from frameio_oauth_mock.conformance.redact import Redactor
from frameio_oauth_mock.mockserver.testing import MockServer

REDIRECT_URI = "http://127.0.0.1:8765/callback"  # loopback: any port is accepted
SCOPES = ("account.read", "offline")
REGISTERED_SCOPES = ["account.read", "asset.read", "offline", "openid"]


@dataclass(frozen=True)
class HarnessProfile:
    """Which of the mock's profiles the clients are registered with, and what they ask for."""

    name: str
    scopes: tuple[str, ...]
    registered_scopes: tuple[str, ...]
    resource_path: str  # GET it with the access token
    resource_endpoint: str  # its name in the mock's request log
    metadata_path: str
    server_options: Mapping[str, Any] = field(default_factory=dict)


PROFILES = {
    "frameio-v2": HarnessProfile(
        "frameio-v2",
        SCOPES,
        tuple(REGISTERED_SCOPES),
        "/v2/me",
        "api",
        "/.well-known/oauth-authorization-server",
    ),
    # Frame.io V4: IMS userinfo (needs openid) is the resource. The access token lifetime is
    # the legacy one (1 h, not IMS's 24 h) so access_token_expiry's clock advance applies;
    # IMS refresh tokens (14 days) already expire within refresh_expired's 31 days.
    "adobe-ims": HarnessProfile(
        "adobe-ims",
        ("openid", "AdobeID", "offline_access"),
        ("openid", "AdobeID", "offline_access", "email", "profile"),
        "/ims/userinfo/v2",
        "userinfo",
        "/ims/.well-known/openid-configuration",
        {"access_token_ttl": 3600},
    ),
}
DEFAULT_PROFILE = "frameio-v2"
USER = User("dev@example.com", "conformance-user-password-4Kq")
APPS = {
    PKCE_APP: App("conformance-pkce-app", None),
    SECRET_APP: App("conformance-secret-app", "conformance-secret-Vb83nQ"),
    # RFC 6749 2.3.1: form-urlencoding changes every one of these characters; all are VSCHAR
    # (%x20-7E, Appendix A.2), so a secret a correct library must accept.
    SPECIAL_SECRET_APP: App("conformance-special-app", "s3 cr:t+%&/=x"),
}


def start_mock(profile: HarnessProfile = PROFILES[DEFAULT_PROFILE]) -> MockServer:
    """The mock the harness grades against: real uvicorn on a free loopback port, serving
    `profile` by default, with the apps registered with it."""
    clients = [
        {
            "client_id": app.client_id,
            "redirect_uris": [REDIRECT_URI],
            "scopes": list(profile.registered_scopes),
            "profile": profile.name,
            **({"client_secret": app.secret} if app.secret else {}),
        }
        for app in APPS.values()
    ]
    user = {"email": USER.email, "password": USER.password}
    # The apps with a secret may use either method the metadata advertises: C14 and C15
    # grade the choice, the mock does not refuse it.
    options = {"profile": profile.name, "any_secret_method": True, **profile.server_options}
    return MockServer(clients=clients, users=[user], **options).start()


@dataclass
class ClientContext:
    mock: MockServer
    factory: AdapterFactory
    profile: HarnessProfile = PROFILES[DEFAULT_PROFILE]
    redirect_uri: str = REDIRECT_URI
    runs: dict[str, ScenarioRun] = field(default_factory=dict)
    began: bool = False  # the client gave an authorization URL at least once
    never_began: str = ""  # why no further scenario is played
    tls: TlsFront | None = None  # started for the first TLS scenario
    redactor: Redactor = field(
        default_factory=lambda: Redactor([*(a.secret or "" for a in APPS.values()), USER.password])
    )

    def setup(self, app_name: str, base: str | None = None) -> ClientSetup:
        """How the app is configured; `base` serves the mock elsewhere (the TLS front)."""
        app = APPS[app_name]
        mock = self.mock
        url = base or mock.url
        return ClientSetup(
            client_id=app.client_id,
            client_secret=app.secret,
            redirect_uri=self.redirect_uri,
            scopes=self.profile.scopes,
            issuer=url,
            authorization_endpoint=url + mock.authorize_url.removeprefix(mock.url),
            token_endpoint=url + mock.token_url.removeprefix(mock.url),
            metadata_url=url + self.profile.metadata_path,
            resource_url=url + self.profile.resource_path,
            clock=mock.clock.now,
        )

    def play(self, scenario: Scenario) -> ScenarioRun:
        run = self.runs.get(scenario.name)
        if run is None:
            setup = self.setup(scenario.app, self._tls_url() if scenario.tls else None)
            control = self.setup(scenario.control_app or scenario.app)
            if self.never_began:  # a client that cannot begin is not waited for again
                run = ScenarioRun(scenario, setup.client_id, setup.scopes, setup.client_secret)
                run.broken = f"not played: {self.never_began}"
            elif scenario.metadata is not None:
                front = MetadataFront(self.mock, self.profile.metadata_path, scenario.metadata)
                try:
                    setup = self.setup(scenario.app, front.url)
                    run = play(
                        self.mock, scenario, self.factory, setup, USER, self.redactor, control
                    )
                finally:
                    front.close()
                run.metadata_reads = front.hits
                self._note_beginning(run)
            else:
                run = play(self.mock, scenario, self.factory, setup, USER, self.redactor, control)
                self._note_beginning(run)
            run.redactor = self.redactor
            run.resource_endpoint = self.profile.resource_endpoint
            run.issuer = setup.issuer
            self.runs[scenario.name] = run
        return run

    def _note_beginning(self, run: ScenarioRun) -> None:
        """Remember a client that has never once given an authorization URL in this run: it
        gets no more scenarios (each would wait --timeout for nothing)."""
        began = [r for r in run.records + run.control if r.step.action == AUTHORIZE]
        if any(record.outcome not in (UNSUPPORTED, REJECTED) for record in began):
            self.began = True
        elif not self.began and began:
            self.never_began = (
                f"the client never began an authorization ({run.name}: {began[0].detail})"
            )

    def _tls_url(self) -> str:
        if self.tls is None:
            self.tls = TlsFront(self.mock)
        return self.tls.url

    def close(self) -> None:
        if self.tls is not None:
            self.tls.close()
            self.tls = None

    def play_all(self, scenarios: Iterable[Scenario] | None = None) -> list[ScenarioRun]:
        return [self.play(scenario) for scenario in scenarios or SCENARIOS]

    @property
    def adapter_code(self) -> Mapping[str, str]:
        """Items the adapter (the application code), not the library, does the work for."""
        return graded_by_adapter(self.factory)

    def describe(self) -> dict[str, Any]:
        return {
            "graded": {
                "default": "the library (or program) under test",
                "adapter code": dict(self.adapter_code),
            },
            "frameio_compatibility": frameio_findings(self.runs.values(), self.profile.name),
            "mock": self.mock.url,
            "profile": self.profile.name,
            "clients": {name: app.client_id for name, app in APPS.items()},
            "scopes": list(self.profile.scopes),
            "scenarios": {
                name: {
                    "seconds": round(run.seconds, 3),
                    "broken": run.broken or None,
                    "client": run.client_notes,
                }
                for name, run in self.runs.items()
            },
        }
