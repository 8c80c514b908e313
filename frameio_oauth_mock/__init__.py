"""frameio-oauth-mock: a faithful local stand-in for Frame.io's OAuth 2 authorization server.

One installed package with three parts, so that no import can be confused with a user's own
`client` or `conformance` module:

- `frameio_oauth_mock.mockserver`: the server, its test harness and the pytest plugin;
- `frameio_oauth_mock.client`: the OAuth client library;
- `frameio_oauth_mock.conformance`: the server and client conformance suites.

In the repository the three parts live in the top-level folders mockserver/, client/ and
conformance/; this package reaches them through symbolic links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> str:
    # The version is read on first use: importing importlib.metadata costs the server's
    # start-up about 40 ms, and only `--version` and curious users need it.
    if name != "__version__":
        raise AttributeError(f"module 'frameio_oauth_mock' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("frameio-oauth-mock")
    except PackageNotFoundError:  # run from a checkout that was never installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found
