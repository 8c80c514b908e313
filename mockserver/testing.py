"""MockServer: the mock as a Python object, for tests.

    with MockServer(clients=[...], users=[...]) as mock:      # real uvicorn on a free port
        app_under_test.configure(base_url=mock.url)
        mock.faults.add("token", status=429, retry_after=1)
        ...
        assert mock.requests.count("token", grant_type="refresh_token") == 1

Without `with`, `mock.app` is the ASGI app for httpx.ASGITransport: no socket, no thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import fields
from difflib import get_close_matches
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from starlette.applications import Starlette

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.faults import Fault, FaultList
from frameio_oauth_mock.mockserver.oauth.context import Context, store_limits
from frameio_oauth_mock.mockserver.oauth.grants import TokenResponse, issue_without_authorization
from frameio_oauth_mock.mockserver.requestlog import RequestLog
from frameio_oauth_mock.mockserver.serving import (
    NotifyingServer,
    bind_socket,
    socket_url,
    uvicorn_config,
)
from frameio_oauth_mock.mockserver.settings import (
    ClientConfig,
    ConfigError,
    ServerSettings,
    Settings,
    UserConfig,
    load_config,
    read_client,
    read_user,
    validate,
)
from frameio_oauth_mock.mockserver.store import MemoryStore, run_now
from frameio_oauth_mock.mockserver.web import create_app
from frameio_oauth_mock.mockserver.web.harness_state import HarnessState

DEFAULT_USER = UserConfig(email="dev@example.com", password="password", name="Dev User")
START_TIMEOUT = 15.0

ClientSpec = ClientConfig | Mapping[str, Any]
UserSpec = UserConfig | Mapping[str, Any]


def check_server_options(
    options: Iterable[str], where: str, also_known: tuple[str, ...] = ()
) -> None:
    """Refuse an option ServerSettings does not have, in one line naming it (not a TypeError)."""
    known = [*also_known, *(field.name for field in fields(ServerSettings))]
    for option in options:
        if option not in known:
            close = get_close_matches(option, known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ConfigError(
                f"{where}: unknown server option '{option}' ({hint}known: {', '.join(known)})"
            )


def _client(spec: ClientSpec) -> ClientConfig:
    return spec if isinstance(spec, ClientConfig) else read_client(dict(spec), "client")


def _user(spec: UserSpec) -> UserConfig:
    return spec if isinstance(spec, UserConfig) else read_user(dict(spec), "user")


class MockServer:
    """A frameio-oauth-mock server for tests.

    clients, users: ClientConfig / UserConfig objects or dicts shaped like the TOML tables.
    config: a TOML file instead (clients and users given here are added to it).
    auto_approve: approve at /oauth2/auth at once (default True: tests drive flows headlessly).
    seed: codes and tokens from a seeded generator, identical on every run.
    Other keyword arguments are [server] options: strict, access_token_ttl, code_ttl, ...
    """

    def __init__(
        self,
        clients: Iterable[ClientSpec] = (),
        users: Iterable[UserSpec] | None = None,
        *,
        config: str | Path | None = None,
        settings: Settings | None = None,
        auto_approve: bool = True,
        seed: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        **server_options: Any,
    ) -> None:
        check_server_options(server_options, "MockServer()")
        base = settings or (load_config(config) if config else Settings())
        extra_users = tuple(_user(spec) for spec in users or ())
        all_users = base.users + extra_users
        if not all_users and users is None:
            all_users = (DEFAULT_USER,)
        base = Settings(
            server=base.server,
            clients=base.clients + tuple(_client(spec) for spec in clients),
            users=all_users,
        )
        self.settings = validate(
            base.with_server(host=host, port=port, auto_approve=auto_approve, **server_options)
        )
        # Always in memory: its helpers below are synchronous, and each test gets its own.
        self.store = MemoryStore(store_limits(self.settings))
        self.context = Context.from_settings(self.settings, seed=seed, store=self.store)
        server = self.settings.server
        self.harness = HarnessState(server.request_log_entries, server.request_log_bytes)
        self.app: Starlette = create_app(context=self.context, harness=self.harness)
        self._server: NotifyingServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    # Running --------------------------------------------------------------------------------
    def start(self) -> MockServer:
        """Serve on real uvicorn in a background thread; returns once it accepts connections."""
        if self._server is not None:
            return self
        server_options = self.settings.server
        sock = bind_socket(server_options.host, server_options.port)
        self.app.state.exposure.bind(sock)
        ready = threading.Event()
        config = uvicorn_config(self.app, "warning")
        self._server = NotifyingServer(config, on_ready=ready.set)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="frameio-mock", daemon=True
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT):
            self.stop()
            raise RuntimeError("frameio-mock did not start within 15 seconds")
        self._url = socket_url(sock)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
        self._url = None
        self.app.state.exposure.unbind()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # Where it is ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL of the running server (in-process: http://frameio-mock.test)."""
        return self._url or "http://frameio-mock.test"

    @property
    def authorize_url(self) -> str:
        return self.url + self.context.profile.paths.authorize

    @property
    def token_url(self) -> str:
        return self.url + self.context.profile.paths.token

    @property
    def revoke_url(self) -> str:
        return self.url + self.context.profile.paths.revoke

    @property
    def introspect_url(self) -> str:
        return self.url + (self.context.profile.paths.introspect or "")

    @property
    def userinfo_url(self) -> str:
        return self.url + self.context.profile.paths.userinfo

    @property
    def jwks_url(self) -> str:
        return self.url + self.context.profile.paths.jwks

    @property
    def metadata_url(self) -> str:
        return self.url + self.context.profile.paths.metadata[0]

    @property
    def api_url(self) -> str:
        """Where the API the tokens unlock lives (GET {api_url}/v2/me)."""
        return self.url

    def async_client(self, **options: Any) -> httpx.AsyncClient:
        """An httpx.AsyncClient talking to the app in-process (no socket needed)."""
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url=self.url, **options)

    # State ------------------------------------------------------------------------------------
    @property
    def clock(self) -> Clock:
        """The mock's clock: freeze(), advance(seconds), unfreeze()."""
        return self.context.clock

    @property
    def faults(self) -> FaultList:
        return self.harness.faults

    @property
    def requests(self) -> RequestLog:
        return self.harness.log

    def fault(self, endpoint: str, **effect: Any) -> Fault:
        """Shorthand for faults.add(endpoint, ...)."""
        return self.faults.add(endpoint, **effect)

    def add_client(self, spec: ClientSpec | None = None, **client_fields: Any) -> ClientConfig:
        """Register a client now: add_client(client_id="x", redirect_uris=[...], scopes=[...])."""
        client = _client(spec if spec is not None else client_fields)
        # The registry fills in the profile of a client that names none: return that one.
        return self.context.registry.add_client(client)

    def add_user(self, spec: UserSpec | None = None, **user_fields: Any) -> UserConfig:
        user = _user(spec if spec is not None else user_fields)
        self.context.registry.add_user(user)
        return user

    def configure(self, **server_options: Any) -> None:
        """Change server options while running, e.g. configure(strict=True, auto_approve=False)."""
        check_server_options(server_options, "configure()")
        self.context.reconfigure(**server_options)

    def reset(self) -> None:
        """Drop every issued code and token, fault and log entry; clients, users, options and
        clock return to how the server was created."""
        run_now(self.context.reset(self.settings))
        run_now(self.harness.reset())

    def issue_token(
        self, user: str, client_id: str, scopes: Iterable[str] | None = None
    ) -> TokenResponse:
        """Tokens for `user` (an email) and `client_id`, as if they had authorized, no browser.

        `scopes` defaults to every scope the client is registered with.
        """
        chosen = None if scopes is None else tuple(scopes)
        issuer = (self.context.settings.server.issuer or self.url).rstrip("/")
        return run_now(issue_without_authorization(self.context, client_id, user, chosen, issuer))
