"""What the harness asks of a client under test: four operations, nothing about its insides.

An adapter is made for one scenario from a ClientSetup (the mock's URLs and the client's
credentials) and plays one application session:
- `begin` starts an authorization and returns the URL to send the browser to;
- `deliver` hands the client the redirect the browser got back, raising when the client
  rejects it (and returns the page the client's own listener served, if it has one);
- `refresh` and `call_api` do what their names say.
A step the client cannot be asked to do raises Unsupported; a callback that never reached the
client (its listener did not answer) raises NotDelivered; any other exception is the client
saying no.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from frameio_oauth_mock.conformance.server.http import Call


@dataclass(frozen=True)
class ClientSetup:
    """How the client under test is configured for one scenario."""

    client_id: str
    client_secret: str | None  # None: a PKCE app (public client)
    redirect_uri: str
    scopes: tuple[str, ...]
    issuer: str  # also the server's base URL
    authorization_endpoint: str
    token_endpoint: str
    metadata_url: str
    resource_url: str  # GET it with the access token (the mock's /v2/me)
    # The mock's clock, for clients that take one: advancing it expires tokens for both sides.
    clock: Callable[[], float]

    @property
    def is_public(self) -> bool:
        return self.client_secret is None

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)


class Unsupported(Exception):
    """The client under test cannot be asked to do this step (e.g. a process client that
    reads no commands): items that need the step are not shown by the scenario."""


class NotDelivered(Exception):
    """The callback never reached the client (e.g. its listener did not answer): this shows
    nothing about what the client would do with it, so it is not counted as a refusal."""


class ClientAdapter(Protocol):
    def begin(self) -> str:
        """Start an authorization; return the authorization URL."""
        ...

    def deliver(self, callback_url: str) -> Call | None:
        """Hand the client the redirect back; raise if it rejects it. Clients that serve the
        callback themselves (process clients) return the page their listener answered with."""
        ...

    def refresh(self) -> None: ...

    def call_api(self) -> None:
        """GET the resource with the client's access token; raise if that fails."""
        ...

    def close(self) -> None: ...


AdapterFactory = Callable[[ClientSetup], ClientAdapter]


def graded_by_adapter(factory: AdapterFactory) -> Mapping[str, str]:
    """Who is graded: an adapter whose own code does part of the work (say it parses the
    callback and compares state itself) declares it as `adapter_code`, item id -> what its
    code does; those verdicts grade that code, not the library, and the report says so."""
    declared = getattr(factory, "adapter_code", None)
    return dict(declared) if isinstance(declared, Mapping) else {}


# Shipped adapters: name -> "module:factory", imported only when chosen.
_PACKAGE = "frameio_oauth_mock.conformance.client.adapters"
ADAPTERS = {
    "this": f"{_PACKAGE}.this_client:ThisClient",
    "authlib": f"{_PACKAGE}.authlib_client:AuthlibClient",
    "requests-oauthlib": f"{_PACKAGE}.requests_oauthlib_client:RequestsOAuthlibClient",
}


class AdapterError(Exception):
    """An adapter that cannot be loaded (unknown name, library not installed)."""


def load_adapter(name: str) -> AdapterFactory:
    spec = ADAPTERS.get(name)
    if spec is None:
        raise AdapterError(f"unknown adapter {name!r} (choose from {', '.join(ADAPTERS)})")
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise AdapterError(
            f"adapter {name!r} needs {error.name or 'a library'}: "
            "pip install '.[conformance]' in the clone of frameio-oauth-mock"
        ) from None
    factory: AdapterFactory = getattr(module, attribute)
    return factory
