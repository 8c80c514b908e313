"""pytest fixtures for frameio-oauth-mock, registered through the `pytest11` entry point.

- `frameio_mock`: a running MockServer (real uvicorn, shared by the whole session so a test
  costs milliseconds), reset before each test.
- `frameio_mock_inprocess`: a fresh MockServer per test that is not started; use its `.app`
  with httpx.ASGITransport, or `.async_client()`.
- `@pytest.mark.frameio_mock(clients=[...], users=[...], strict=True, ...)`: per-test clients,
  users and server options, for either fixture.
- Override the `frameio_mock_settings` fixture (session scope) to start from your own
  configuration instead of the built-in demo.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from frameio_oauth_mock.mockserver.settings import ConfigError, Settings, demo_settings
from frameio_oauth_mock.mockserver.testing import MockServer, check_server_options


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "frameio_mock(clients=(), users=(), **server_options): clients and users to register "
        "and server options (strict, auto_approve, access_token_ttl, ...) for this test's "
        "frameio_mock / frameio_mock_inprocess",
    )


def _apply_marker(mock: MockServer, request: pytest.FixtureRequest) -> None:
    for marker in reversed(list(request.node.iter_markers("frameio_mock"))):
        options = dict(marker.kwargs)
        try:
            if marker.args:
                raise ConfigError("takes keyword arguments only (clients=, users=, options)")
            check_server_options(options, "frameio_mock marker", ("clients", "users"))
            for client in options.pop("clients", ()):
                mock.add_client(client)
            for user in options.pop("users", ()):
                mock.add_user(user)
            if options:
                mock.configure(**options)
        except ConfigError as error:
            # One line naming the bad option, instead of a traceback into the plugin.
            message = str(error)
            if not message.startswith("frameio_mock marker"):
                message = f"frameio_mock marker: {message}"
            pytest.fail(f"@pytest.mark.{message}", pytrace=False)


@pytest.fixture(scope="session")
def frameio_mock_settings() -> Settings:
    """The configuration the fixtures start from: the built-in demo (override to change)."""
    return demo_settings()


@pytest.fixture(scope="session")
def frameio_mock_server(frameio_mock_settings: Settings) -> Iterator[MockServer]:
    with MockServer(settings=frameio_mock_settings) as mock:
        yield mock


@pytest.fixture
def frameio_mock(frameio_mock_server: MockServer, request: pytest.FixtureRequest) -> MockServer:
    """The session's running mock, reset to its configuration before this test."""
    frameio_mock_server.reset()
    _apply_marker(frameio_mock_server, request)
    return frameio_mock_server


@pytest.fixture
def frameio_mock_inprocess(
    frameio_mock_settings: Settings, request: pytest.FixtureRequest
) -> MockServer:
    """A fresh, unstarted MockServer for in-process use through its ASGI `.app`."""
    mock = MockServer(settings=frameio_mock_settings)
    _apply_marker(mock, request)
    return mock
