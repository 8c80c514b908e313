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

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("frameio-oauth-mock")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
