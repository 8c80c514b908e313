"""frameio-oauth-mock: a local, faithful stand-in for Frame.io's OAuth 2 authorization server.

The public names are imported on first use, so `frameio-mock --help` and the server's
start-up do not pay for the test harness (httpx, threads) they do not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frameio_oauth_mock.mockserver.faults import Fault, FaultError
    from frameio_oauth_mock.mockserver.requestlog import LoggedRequest, fingerprint
    from frameio_oauth_mock.mockserver.settings import (
        ClientConfig,
        ConfigError,
        Settings,
        UserConfig,
    )
    from frameio_oauth_mock.mockserver.testing import MockServer

    __version__: str

_EXPORTS = {
    "__version__": "frameio_oauth_mock",  # read on first use, like the rest
    "ClientConfig": "frameio_oauth_mock.mockserver.settings",
    "ConfigError": "frameio_oauth_mock.mockserver.settings",
    "Fault": "frameio_oauth_mock.mockserver.faults",
    "FaultError": "frameio_oauth_mock.mockserver.faults",
    "LoggedRequest": "frameio_oauth_mock.mockserver.requestlog",
    "MockServer": "frameio_oauth_mock.mockserver.testing",
    "Settings": "frameio_oauth_mock.mockserver.settings",
    "UserConfig": "frameio_oauth_mock.mockserver.settings",
    "fingerprint": "frameio_oauth_mock.mockserver.requestlog",
}

__all__ = [
    "ClientConfig",
    "ConfigError",
    "Fault",
    "FaultError",
    "LoggedRequest",
    "MockServer",
    "Settings",
    "UserConfig",
    "fingerprint",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'frameio_oauth_mock.mockserver' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
