"""frameio-oauth-mock: a local, faithful stand-in for Frame.io's OAuth 2 authorization server.

The public names are imported on first use, so `frameio-mock --help` and the server's
start-up do not pay for the test harness (httpx, threads) they do not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.faults import Fault, FaultError
    from mockserver.requestlog import LoggedRequest, fingerprint
    from mockserver.settings import ClientConfig, ConfigError, Settings, UserConfig
    from mockserver.testing import MockServer

__version__ = "0.1.0"

_EXPORTS = {
    "ClientConfig": "mockserver.settings",
    "ConfigError": "mockserver.settings",
    "Fault": "mockserver.faults",
    "FaultError": "mockserver.faults",
    "LoggedRequest": "mockserver.requestlog",
    "MockServer": "mockserver.testing",
    "Settings": "mockserver.settings",
    "UserConfig": "mockserver.settings",
    "fingerprint": "mockserver.requestlog",
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
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
