"""Requested `audience` values against a client's whitelist, as fosite's default strategy does."""

from __future__ import annotations

from urllib.parse import urlsplit

from frameio_oauth_mock.mockserver.oauth.errors import OAuthError, invalid_request


def _allowed_by(requested: str, whitelisted: str) -> bool:
    # fosite's DefaultAudienceMatchingStrategy: same scheme and host, and the path equal to
    # the whitelisted one or below it ("https://api/v2" allows "https://api/v2/files").
    want, got = urlsplit(whitelisted), urlsplit(requested)
    allowed_path = want.path.rstrip("/")
    return (
        got.scheme == want.scheme
        and got.netloc == want.netloc
        and (
            got.path in (want.path, allowed_path)
            or (
                len(got.path) > len(allowed_path)
                and got.path[: len(allowed_path) + 1].rstrip("/") + "/" == allowed_path + "/"
            )
        )
    )


def check_audience(requested: tuple[str, ...], whitelist: tuple[str, ...]) -> OAuthError | None:
    """The invalid_request for the first requested audience the client may not ask for."""
    for audience in requested:
        try:
            allowed = any(_allowed_by(audience, entry) for entry in whitelist)
        except ValueError:
            return invalid_request(f"Unable to parse requested audience '{audience}'.")
        if not allowed:
            return OAuthError(
                "invalid_request",
                f"Requested audience '{audience}' has not been whitelisted by the OAuth 2.0 "
                "Client.",
            )
    return None
