"""frameio-oauth-mock: a local, faithful stand-in for Frame.io's OAuth 2 authorization server."""

from mockserver.faults import Fault, FaultError
from mockserver.requestlog import LoggedRequest, fingerprint
from mockserver.settings import ClientConfig, ConfigError, Settings, UserConfig
from mockserver.testing import MockServer

__version__ = "0.1.0"

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
