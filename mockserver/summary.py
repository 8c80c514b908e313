"""What `serve` says about its configuration at start: which clients of which profile, which
users, and a warning when the configuration cannot serve a single flow. No secret is shown."""

from __future__ import annotations

from frameio_oauth_mock.mockserver.settings import ClientConfig, Settings


def _client_line(client: ClientConfig, default_profile: str) -> str:
    profile = client.profile or default_profile
    redirects = " ".join(client.known_redirect_uris) or "(no redirect URI)"
    if client.redirect_uri_pattern:
        redirects += f" pattern {client.redirect_uri_pattern}"
    auth = client.token_endpoint_auth_method + (" (PKCE app)" if client.is_public else "")
    kind = f"  type {client.credential_type}" if client.credential_type else ""
    return (
        f"  client  {client.client_id}  {profile}{kind}  auth {auth}  "
        f"grants {','.join(client.grant_types)}  redirect {redirects}  "
        f"scopes {' '.join(client.scopes) or '(none)'}"
    )


def describe(settings: Settings, source: str) -> str:
    """A few lines naming every client (profile, authentication, redirect URIs, scopes) and user."""
    default_profile = settings.server.profile
    count = f"{len(settings.clients)} client(s), {len(settings.users)} user(s)"
    lines = [f"Configuration from {source}: {count}"]
    lines += [_client_line(client, default_profile) for client in settings.clients]
    lines += [f"  user    {user.email}  ({user.name})" for user in settings.users]
    return "\n".join(lines)


def warnings(settings: Settings, source: str) -> list[str]:
    """Why this configuration cannot complete a flow, if it cannot."""
    found: list[str] = []
    if not settings.clients:
        found.append(
            f"{source} defines no clients: every authorization and token request will be "
            "refused (add [[clients]])"
        )
    needs_login = any("authorization_code" in client.grant_types for client in settings.clients)
    if not settings.users and (needs_login or not settings.clients):
        found.append(f"{source} defines no users: nobody can log in (add [[users]])")
    return found
