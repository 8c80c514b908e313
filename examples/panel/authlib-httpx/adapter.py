"""Authlib's httpx client: the harness's shipped `authlib` adapter (its docstring says how it
uses authlib.integrations.httpx_client.OAuth2Client)."""

from frameio_oauth_mock.conformance.client.adapters.authlib_client import AuthlibClient as Adapter

__all__ = ["Adapter"]
