"""What every server check receives: the target, its endpoints and metadata, HTTP clients,
and the roles its clients play (confidential, public, a second one for binding checks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frameio_oauth_mock.conformance.model import not_applicable
from frameio_oauth_mock.conformance.redact import Redactor
from frameio_oauth_mock.conformance.server.discovery import Discovery, discover, resolve_endpoints
from frameio_oauth_mock.conformance.server.http import Http
from frameio_oauth_mock.conformance.server.login import server_origins
from frameio_oauth_mock.conformance.server.target import ClientSpec, Target


@dataclass
class ServerContext:
    target: Target
    redactor: Redactor
    api: Http  # back channel: token, revocation, introspection, metadata
    browser: Http  # the user agent: keeps the login session's cookies across authorizations
    discovery: Discovery
    endpoints: dict[str, str]
    origins: frozenset[str]
    # Results some checks share (e.g. the samples both entropy checks read), by name.
    cache: dict[str, Any] = field(default_factory=dict)
    # The positive controls (controls.Control) the running check relied on, for its notes.
    controls_used: list[Any] = field(default_factory=list)
    _browsers: list[Http] = field(default_factory=list)

    @classmethod
    def open(cls, target: Target) -> ServerContext:
        redactor = Redactor(target.secrets(), [client.client_id for client in target.clients])
        options = target.options
        api = Http(redactor, options.timeout, options.verify_tls)
        try:
            found = discover(api, target.issuer, target.endpoints.get("metadata"))
            endpoints = resolve_endpoints(target.endpoints, found.metadata)
        except Exception:
            api.close()
            raise
        browser = Http(redactor, options.timeout, options.verify_tls)
        context = cls(
            target=target,
            redactor=redactor,
            api=api,
            browser=browser,
            discovery=found,
            endpoints=endpoints,
            origins=server_origins(target, endpoints),
        )
        context._browsers.append(browser)
        return context

    def close(self) -> None:
        self.api.close()
        for browser in self._browsers:
            browser.close()

    def new_browser(self) -> Http:
        """A user agent with no cookies: a fresh login, for checks about the login pages."""
        options = self.target.options
        browser = Http(self.redactor, options.timeout, options.verify_tls)
        self._browsers.append(browser)
        return browser

    # Metadata --------------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        return self.discovery.metadata or {}

    @property
    def issuer(self) -> str | None:
        value = self.metadata.get("issuer")
        return value if isinstance(value, str) else self.target.issuer

    # Client roles ----------------------------------------------------------------------
    @property
    def clients(self) -> tuple[ClientSpec, ...]:
        return self.target.clients

    @property
    def confidential(self) -> ClientSpec | None:
        return next((client for client in self.clients if not client.is_public), None)

    @property
    def public(self) -> ClientSpec | None:
        return next((client for client in self.clients if client.is_public), None)

    @property
    def primary(self) -> ClientSpec:
        """The client most checks use: a confidential one when the target has one."""
        return self.confidential or self.clients[0]

    def need_confidential(self) -> ClientSpec:
        client = self.confidential
        if client is None:
            raise not_applicable("the target lists no confidential client (one with a secret)")
        return client

    def need_public(self) -> ClientSpec:
        client = self.public
        if client is None:
            raise not_applicable('the target lists no public client (auth_method = "none")')
        return client

    def other_client(self, client: ClientSpec) -> ClientSpec:
        """A second registered client, for the checks that a code or token is bound to one."""
        others = [other for other in self.clients if other.client_id != client.client_id]
        # Prefer one that authenticates the same way, so only the binding differs.
        others.sort(key=lambda other: other.is_public != client.is_public)
        if not others:
            raise not_applicable("needs a second client in the target")
        return others[0]

    def client_prefixes(self, extra: str | None = None) -> tuple[str, ...]:
        prefixes = [uri for client in self.clients for uri in client.redirect_uris]
        if extra:
            prefixes.append(extra)
        return tuple(prefixes)
