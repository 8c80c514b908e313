"""OAuth errors as values: an error code plus a hint, rendered the way the profile says."""

from __future__ import annotations

from frameio_oauth_mock.mockserver.profiles import Profile


class OAuthError(Exception):
    """An OAuth error answer: `error` from the RFC registry and an optional `hint`.

    Like fosite, the error_description is the profile's base description for the code with
    the hint appended after one space.
    """

    def __init__(self, error: str, hint: str = "") -> None:
        super().__init__(f"{error}: {hint}" if hint else error)
        self.error = error
        self.hint = hint

    def status(self, profile: Profile) -> int:
        return profile.error(self.error).status

    def description(self, profile: Profile) -> str:
        base = profile.error(self.error).description
        if profile.description_style == "hint":
            text = self.hint or base
        else:
            text = f"{base} {self.hint}" if base and self.hint else base or self.hint
        # fosite swaps double quotes so descriptions survive being quoted in headers.
        return text.replace('"', "'")

    def as_json(self, profile: Profile) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description(profile)}


def invalid_request(hint: str = "") -> OAuthError:
    return OAuthError("invalid_request", hint)


def invalid_grant(hint: str = "") -> OAuthError:
    return OAuthError("invalid_grant", hint)


def invalid_client(hint: str = "") -> OAuthError:
    return OAuthError("invalid_client", hint)
