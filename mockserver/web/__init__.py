"""The Starlette layer: parse HTTP, ask the engine, render JSON, HTML or a redirect."""

from frameio_oauth_mock.mockserver.web.app import create_app

__all__ = ["create_app"]
