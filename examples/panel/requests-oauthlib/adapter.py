"""requests-oauthlib's OAuth2Session: the harness's shipped `requests-oauthlib` adapter (its
docstring says how it uses the session)."""

from frameio_oauth_mock.conformance.client.adapters.requests_oauthlib_client import (
    RequestsOAuthlibClient as Adapter,
)

__all__ = ["Adapter"]
