"""frameio-oauth-mock: a local, faithful stand-in for Frame.io's OAuth 2 authorization server."""

__version__ = "0.1.0"
