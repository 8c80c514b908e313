"""The Starlette layer: parse HTTP, ask the engine, render JSON, HTML or a redirect."""

from mockserver.web.app import create_app

__all__ = ["create_app"]
