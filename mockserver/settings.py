"""Clients, users and server options: built from TOML, flags or code, validated with clear errors.

Every problem is reported as one `ConfigError` line naming the file, the entry and the fault,
so the CLI can print it and exit 2 instead of showing a traceback.
"""

# Annotations are evaluated here (no `from __future__ import annotations`): dataclass() and
# NamedTuple read string annotations more slowly, which every start-up would pay (~0.8 ms).

import re
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from frameio_oauth_mock.hosts import is_loopback_host
from frameio_oauth_mock.mockserver.credentials import (
    MAX_DEFAULT_REDIRECT_URI,
    compile_redirect_pattern,
    credential_problem,
    default_grant_types,
    scheme_problem,
)
from frameio_oauth_mock.mockserver.fieldwise import BY_FACTORY, Fieldwise
from frameio_oauth_mock.mockserver.profiles import PROFILES, Profile
from frameio_oauth_mock.mockserver.tomltable import TomlTable, read_toml_file

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
# The settings classes write out their __init__ (fieldwise.py): a frozen one sets its fields
# past its own refusing __setattr__, as the generated __init__ does.
_set = object.__setattr__
_USER_NAMESPACE = uuid.UUID("5b0a1c52-6d3e-4c47-9a0e-3f3c5e0f7a11")


class ConfigError(Exception):
    """A configuration problem, phrased for the person who wrote the configuration."""


@dataclass(frozen=True, init=False, repr=False, eq=False)  # see fieldwise.py
class ClientConfig(Fieldwise):
    """One registered OAuth client, as configured."""

    client_id: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    client_secret: str | None = None
    name: str = ""
    token_endpoint_auth_method: str = ""
    # None given: the credential type's (s2s: client_credentials; spa, native: no refresh
    # token), else authorization_code and refresh_token.
    grant_types: tuple[str, ...] = ()
    response_types: tuple[str, ...] = ("code",)
    # The profile whose endpoints serve this client ("" = the server's default profile).
    profile: str = ""
    # `audience` values it may request (Hydra's whitelist; none by default).
    audience: tuple[str, ...] = ()
    # Where RP-initiated logout may send the browser back to (exact match).
    post_logout_redirect_uris: tuple[str, ...] = ()
    # Browser origins this public (SPA) client calls the token endpoint from (CORS);
    # none configured: the origins of its redirect URIs.
    cors_origins: tuple[str, ...] = ()
    # Adobe IMS (profile adobe-ims): the Developer Console's credential type ("web", "spa",
    # "native", "s2s"; "" = none), its Default Redirect URI (used when a request names none or
    # one that matches nothing) and its Redirect URI Pattern (a regex, fully matched).
    credential_type: str = ""
    default_redirect_uri: str | None = None
    redirect_uri_pattern: str = ""

    def __init__(
        self,
        client_id: str,
        redirect_uris: tuple[str, ...],
        scopes: tuple[str, ...],
        client_secret: str | None = None,
        name: str = "",
        token_endpoint_auth_method: str = "",
        grant_types: tuple[str, ...] = (),
        response_types: tuple[str, ...] = ("code",),
        profile: str = "",
        audience: tuple[str, ...] = (),
        post_logout_redirect_uris: tuple[str, ...] = (),
        cors_origins: tuple[str, ...] = (),
        credential_type: str = "",
        default_redirect_uri: str | None = None,
        redirect_uri_pattern: str = "",
    ) -> None:
        _set(self, "client_id", client_id)
        _set(self, "redirect_uris", redirect_uris)
        _set(self, "scopes", scopes)
        _set(self, "client_secret", client_secret)
        _set(self, "name", name)
        _set(self, "token_endpoint_auth_method", token_endpoint_auth_method)
        _set(self, "grant_types", grant_types)
        _set(self, "response_types", response_types)
        _set(self, "profile", profile)
        _set(self, "audience", audience)
        _set(self, "post_logout_redirect_uris", post_logout_redirect_uris)
        _set(self, "cors_origins", cors_origins)
        _set(self, "credential_type", credential_type)
        _set(self, "default_redirect_uri", default_redirect_uri)
        _set(self, "redirect_uri_pattern", redirect_uri_pattern)
        self.__post_init__()

    def __post_init__(self) -> None:
        if not self.grant_types:
            object.__setattr__(self, "grant_types", default_grant_types(self.credential_type))
        # Compiled once, here; kept off the fields so records holding a client stay JSON.
        pattern = None
        if self.redirect_uri_pattern:
            try:
                pattern = compile_redirect_pattern(self.redirect_uri_pattern)
            except ValueError as error:
                raise ConfigError(str(error)) from None
        object.__setattr__(self, "_redirect_pattern", pattern)
        if not self.token_endpoint_auth_method:
            method = "client_secret_basic" if self.client_secret is not None else "none"
            object.__setattr__(self, "token_endpoint_auth_method", method)
        if not self.name:
            object.__setattr__(self, "name", self.client_id)

    @property
    def redirect_pattern(self) -> re.Pattern[str] | None:
        """The compiled Redirect URI Pattern, if one is configured."""
        pattern: re.Pattern[str] | None = getattr(self, "_redirect_pattern")  # noqa: B009
        return pattern

    @property
    def known_redirect_uris(self) -> tuple[str, ...]:
        """Every fixed URI it redirects to: its default redirect URI first, then the rest."""
        default = (self.default_redirect_uri,) if self.default_redirect_uri else ()
        return tuple(dict.fromkeys(default + self.redirect_uris))

    @property
    def is_public(self) -> bool:
        """A PKCE app: no secret, authenticates with its client_id alone."""
        return self.token_endpoint_auth_method == "none"

    @property
    def browser_origins(self) -> tuple[str, ...]:
        """Where a public client runs in a browser: its cors_origins, else the origins of
        its http(s) redirect URIs. A client with a secret has none (no secret in a browser)."""
        if not self.is_public:
            return ()
        if self.cors_origins:
            return self.cors_origins
        origins = (origin_of(uri) for uri in self.known_redirect_uris)
        return tuple(dict.fromkeys(origin for origin in origins if origin))


ACCOUNT_ROLES = ("owner", "admin", "member")
DEFAULT_ACCOUNT_ROLES = ("owner",)
DEFAULT_TIMESTAMP = "2024-01-01T00:00:00.000000Z"


class AccountConfig(NamedTuple):
    """A Frame.io V4 account a user belongs to (GET /v4/accounts lists them). A named tuple:
    the V4 API alone reads it, and a frozen dataclass costs every start-up 0.5 ms to create."""

    id: str
    display_name: str
    roles: tuple[str, ...] = DEFAULT_ACCOUNT_ROLES
    created_at: str = DEFAULT_TIMESTAMP
    updated_at: str = DEFAULT_TIMESTAMP
    storage_usage: int = 0
    storage_limit: int | None = None
    image: str | None = None
    adobe_id: str | None = None


@dataclass(frozen=True, init=False, repr=False, eq=False)  # see fieldwise.py
class UserConfig(Fieldwise):
    """One user who can log in, as configured."""

    email: str
    password: str
    name: str = ""
    id: str = ""
    account_id: str = ""
    # Claims the user carries into id_tokens and userinfo (None: the profile's defaults).
    claims: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    # V4 accounts; none configured: one account the user owns, with id account_id.
    accounts: tuple[AccountConfig, ...] = ()

    def __init__(
        self,
        email: str,
        password: str,
        name: str = "",
        id: str = "",
        account_id: str = "",
        claims: dict[str, Any] | None = None,
        accounts: tuple[AccountConfig, ...] = (),
    ) -> None:
        _set(self, "email", email)
        _set(self, "password", password)
        _set(self, "name", name)
        _set(self, "id", id)
        _set(self, "account_id", account_id)
        _set(self, "claims", claims)
        _set(self, "accounts", accounts)
        self.__post_init__()

    def __post_init__(self) -> None:
        # Stable ids derived from the email, so tokens and /v2/me agree across restarts.
        if not self.id:
            object.__setattr__(self, "id", str(uuid.uuid5(_USER_NAMESPACE, self.email)))
        if not self.account_id:
            account = uuid.uuid5(_USER_NAMESPACE, "account:" + self.email)
            object.__setattr__(self, "account_id", str(account))
        if not self.name:
            object.__setattr__(self, "name", self.email.split("@", 1)[0])
        if not self.accounts:
            own = AccountConfig(id=self.account_id, display_name=f"{self.name}'s Account")
            object.__setattr__(self, "accounts", (own,))


@dataclass(frozen=True, init=False, repr=False, eq=False)  # see fieldwise.py
class ServerSettings(Fieldwise):
    """The [server] options."""

    profile: str = "frameio-v2"
    host: str = "127.0.0.1"
    port: int = 8080
    issuer: str | None = None
    auto_approve: bool = False
    access_token_ttl: int | None = None
    refresh_token_ttl: int | None = None
    code_ttl: int | None = None
    log_level: str = "info"
    strict: bool = False
    # PEM file with the RSA key that signs id_tokens; generated at start-up when unset.
    signing_key_file: str | None = None
    # Bearer token for the /_mock/ control API; needed to enable it off loopback.
    admin_token: str | None = None
    # Frame.io V4 API calls each user may make per minute (x-ratelimit-limit).
    api_rate_limit: int = 100
    # For the client conformance harness, which grades the client's choice instead of
    # refusing it: a client with a secret may use either secret method the metadata
    # advertises (Basic or the body), and a state_min_length overrides the profile's.
    any_secret_method: bool = False
    state_min_length: int | None = None
    # Origins allowed to call the CORS endpoints (IMS token, revoke, userinfo, keys) from a
    # browser, besides the public clients' own; cors_legacy_token adds /oauth2/token.
    cors_origins: tuple[str, ...] = ()
    cors_legacy_token: bool = False
    # Where state lives: "memory", "sqlite:///path/to/mock.db" or "redis://host:port/db".
    store: str = "memory"
    # Memory bounds (see README "State and scaling").
    max_retired_tokens: int = 50  # per family; older rotated tokens answer as unknown
    max_pending_authorizations: int = 10_000
    max_sessions: int = 10_000
    request_log_entries: int = 10_000
    request_log_bytes: int = 16 * 1024 * 1024

    def __init__(
        self,
        profile: str = "frameio-v2",
        host: str = "127.0.0.1",
        port: int = 8080,
        issuer: str | None = None,
        auto_approve: bool = False,
        access_token_ttl: int | None = None,
        refresh_token_ttl: int | None = None,
        code_ttl: int | None = None,
        log_level: str = "info",
        strict: bool = False,
        signing_key_file: str | None = None,
        admin_token: str | None = None,
        api_rate_limit: int = 100,
        any_secret_method: bool = False,
        state_min_length: int | None = None,
        cors_origins: tuple[str, ...] = (),
        cors_legacy_token: bool = False,
        store: str = "memory",
        max_retired_tokens: int = 50,
        max_pending_authorizations: int = 10_000,
        max_sessions: int = 10_000,
        request_log_entries: int = 10_000,
        request_log_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        _set(self, "profile", profile)
        _set(self, "host", host)
        _set(self, "port", port)
        _set(self, "issuer", issuer)
        _set(self, "auto_approve", auto_approve)
        _set(self, "access_token_ttl", access_token_ttl)
        _set(self, "refresh_token_ttl", refresh_token_ttl)
        _set(self, "code_ttl", code_ttl)
        _set(self, "log_level", log_level)
        _set(self, "strict", strict)
        _set(self, "signing_key_file", signing_key_file)
        _set(self, "admin_token", admin_token)
        _set(self, "api_rate_limit", api_rate_limit)
        _set(self, "any_secret_method", any_secret_method)
        _set(self, "state_min_length", state_min_length)
        _set(self, "cors_origins", cors_origins)
        _set(self, "cors_legacy_token", cors_legacy_token)
        _set(self, "store", store)
        _set(self, "max_retired_tokens", max_retired_tokens)
        _set(self, "max_pending_authorizations", max_pending_authorizations)
        _set(self, "max_sessions", max_sessions)
        _set(self, "request_log_entries", request_log_entries)
        _set(self, "request_log_bytes", request_log_bytes)


@dataclass(frozen=True, init=False, repr=False, eq=False)  # see fieldwise.py
class Settings(Fieldwise):
    """Everything the server is configured with: [server], [[clients]] and [[users]]."""

    server: ServerSettings = field(default_factory=ServerSettings)
    clients: tuple[ClientConfig, ...] = ()
    users: tuple[UserConfig, ...] = ()

    def __init__(
        self,
        server: ServerSettings = BY_FACTORY,
        clients: tuple[ClientConfig, ...] = (),
        users: tuple[UserConfig, ...] = (),
    ) -> None:
        _set(self, "server", ServerSettings() if server is BY_FACTORY else server)
        _set(self, "clients", clients)
        _set(self, "users", users)

    @property
    def profile(self) -> Profile:
        """The default profile: the one serving clients that name none."""
        return self.profiles[self.server.profile]

    @property
    def profiles(self) -> dict[str, Profile]:
        """Every profile, as these settings run it (strict mode applies to all)."""
        profiles = dict(PROFILES)
        if self.server.strict:
            profiles = {name: profile.strict() for name, profile in profiles.items()}
        overrides: dict[str, Any] = {}
        if self.server.any_secret_method:
            overrides["secret_methods_interchangeable"] = True
        if self.server.state_min_length is not None:
            overrides["state_min_length"] = self.server.state_min_length
        if overrides:
            profiles = {name: profile._replace(**overrides) for name, profile in profiles.items()}
        return profiles

    @property
    def access_token_ttl(self) -> int:
        return self.server.access_token_ttl or self.profile.access_token_ttl

    @property
    def refresh_token_ttl(self) -> int:
        return self.server.refresh_token_ttl or self.profile.refresh_token_ttl

    @property
    def code_ttl(self) -> int:
        return self.server.code_ttl or self.profile.code_ttl

    def with_server(self, **changes: Any) -> "Settings":
        """A copy with some server options changed (flags override the file)."""
        return replace(self, server=replace(self.server, **changes))


# Schemes that run or show content in the browser instead of handing the code to an app.
_ACTIVE_SCHEMES = frozenset(["javascript", "data", "vbscript", "file", "blob"])


def redirect_uri_problem(uri: str) -> str | None:
    """Why `uri` cannot be registered as a redirect URI, or None if it can."""
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in uri):
        # urlsplit silently drops tab, CR and LF; the stored text would still carry them.
        return f"redirect URI {uri!r} contains whitespace or a control character"
    try:
        parts = urlsplit(uri)
        hostname = parts.hostname
    except ValueError:
        return f"redirect URI {uri!r} is not a valid URL"
    if not parts.scheme:
        return f"redirect URI {uri!r} is not absolute (it needs a scheme)"
    if parts.scheme.lower() in _ACTIVE_SCHEMES:
        return f"redirect URI {uri!r} uses the {parts.scheme.lower()}: scheme, which is not an app"
    if parts.fragment or "#" in uri:
        return f"redirect URI {uri!r} must not contain a fragment"
    if parts.scheme in ("http", "https") and not hostname:
        return f"redirect URI {uri!r} has no host"
    if parts.scheme == "http" and not is_loopback_host(hostname or ""):
        return (
            f"redirect URI {uri!r} uses http on a non-loopback host; http is allowed only for "
            "localhost, *.localhost and loopback IPs"
        )
    return None


def origin_of(uri: str) -> str | None:
    """scheme://host[:port] of an http(s) URL (RFC 6454), None for other schemes."""
    try:
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()
    except ValueError:
        return None


def origin_problem(value: str) -> str | None:
    """Why `value` is not a browser origin (scheme://host[:port]), or None if it is."""
    origin = origin_of(value)
    if origin is None or origin != value.rstrip("/").lower():
        return f"{value!r} is not an origin (scheme://host[:port], no path)"
    return None


class _Reader(TomlTable):
    """Reads one table of the configuration file."""

    error = ConfigError

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.get(key, str, "a string")
        if required and not value:
            raise ConfigError(f"{self.where}: '{key}' is required")
        return value  # type: ignore[no-any-return]

    def flag(self, key: str) -> bool | None:
        return self.get(key, bool, "true or false")  # type: ignore[no-any-return]

    def number(self, key: str) -> int | None:
        value = self.get(key, int, "a whole number")
        if value is not None and value <= 0:
            raise ConfigError(f"{self.where}: '{key}' must be positive, got {value}")
        return value  # type: ignore[no-any-return]

    def texts(self, key: str) -> list[str] | None:
        value = self.get(key, list, "a list of strings")
        if value is not None and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{self.where}: '{key}' must be a list of strings")
        return value  # type: ignore[no-any-return]

    def origins(self, key: str) -> tuple[str, ...]:
        values = self.texts(key) or []
        for value in values:
            problem = origin_problem(value)
            if problem:
                raise ConfigError(f"{self.where}: '{key}': {problem}")
        return tuple(value.rstrip("/") for value in values)


def read_server(table: Any, where: str) -> ServerSettings:
    reader = _Reader(table, where)
    defaults = ServerSettings()
    profile = reader.text("profile") or defaults.profile
    if profile not in PROFILES:
        known = ", ".join(sorted(PROFILES))
        raise ConfigError(f"{where}: unknown profile '{profile}' (known: {known})")
    port = reader.get("port", int, "a whole number")
    if port is not None and not 0 <= port <= 65535:
        raise ConfigError(f"{where}: 'port' must be between 0 and 65535, got {port}")
    log_level = reader.text("log_level") or defaults.log_level
    if log_level.lower() not in LOG_LEVELS:
        known = ", ".join(LOG_LEVELS)
        raise ConfigError(f"{where}: unknown log_level {log_level!r} (use one of {known})")
    server = ServerSettings(
        profile=profile,
        host=reader.text("host") or defaults.host,
        port=defaults.port if port is None else port,
        issuer=reader.text("issuer"),
        auto_approve=bool(reader.flag("auto_approve")),
        access_token_ttl=reader.number("access_token_ttl"),
        refresh_token_ttl=reader.number("refresh_token_ttl"),
        code_ttl=reader.number("code_ttl"),
        log_level=log_level,
        strict=bool(reader.flag("strict")),
        signing_key_file=reader.text("signing_key_file"),
        admin_token=reader.text("admin_token"),
        api_rate_limit=reader.number("api_rate_limit") or defaults.api_rate_limit,
        cors_origins=reader.origins("cors_origins"),
        cors_legacy_token=bool(reader.flag("cors_legacy_token")),
        store=_store_url(reader.text("store") or defaults.store, where),
        max_retired_tokens=_bound(reader, "max_retired_tokens", defaults),
        max_pending_authorizations=_bound(reader, "max_pending_authorizations", defaults),
        max_sessions=_bound(reader, "max_sessions", defaults),
        request_log_entries=_bound(reader, "request_log_entries", defaults),
        request_log_bytes=_bound(reader, "request_log_bytes", defaults),
    )
    reader.finish()
    return server


def _bound(reader: _Reader, name: str, defaults: ServerSettings) -> int:
    """A positive memory bound from the file, else its default."""
    value = reader.number(name)
    return int(getattr(defaults, name)) if value is None else value


def store_url_problem(url: str) -> str | None:
    """Why `url` names no store, or None: memory, sqlite:///path or redis://host:port/db."""
    if url == "memory":
        return None
    parts = urlsplit(url)
    if parts.scheme == "sqlite" and parts.path and not parts.netloc:
        return None
    if parts.scheme in ("redis", "rediss") and parts.netloc:
        return None
    return f"store {url!r} is not one of memory, sqlite:///path/to/mock.db, redis://host:port/db"


def _store_url(url: str, where: str) -> str:
    problem = store_url_problem(url)
    if problem:
        raise ConfigError(f"{where}: {problem}")
    return url


def read_client(table: Any, where: str) -> ClientConfig:
    reader = _Reader(table, where)
    client_id = reader.text("client_id", required=True)
    assert client_id is not None
    reader.where = where = f"{where} ({client_id})"
    values = _client_fields(reader)
    reader.finish()
    try:
        return ClientConfig(client_id=client_id, **values)
    except ConfigError as error:  # the pattern, compiled where the client is built
        raise ConfigError(f"{where}: {error}") from None


def _client_fields(reader: _Reader) -> dict[str, Any]:
    return dict(
        client_secret=reader.text("client_secret"),
        redirect_uris=tuple(reader.texts("redirect_uris") or ()),
        scopes=tuple(reader.texts("scopes") or ()),
        name=reader.text("name") or "",
        token_endpoint_auth_method=reader.text("token_endpoint_auth_method") or "",
        grant_types=tuple(reader.texts("grant_types") or ()),
        response_types=tuple(reader.texts("response_types") or ClientConfig.response_types),
        profile=reader.text("profile") or "",
        audience=tuple(reader.texts("audience") or ()),
        post_logout_redirect_uris=tuple(reader.texts("post_logout_redirect_uris") or ()),
        cors_origins=reader.origins("cors_origins"),
        credential_type=reader.text("type") or "",
        default_redirect_uri=reader.text("default_redirect_uri"),
        redirect_uri_pattern=reader.text("redirect_uri_pattern") or "",
    )


def read_user(table: Any, where: str) -> UserConfig:
    reader = _Reader(table, where)
    email = reader.text("email", required=True)
    password = reader.text("password", required=True)
    assert email is not None and password is not None
    user = UserConfig(
        email=email,
        password=password,
        name=reader.text("name") or "",
        id=reader.text("id") or "",
        account_id=reader.text("account_id") or "",
        claims=reader.get("claims", dict, "a table of claims"),
        accounts=tuple(
            read_account(entry, f"{where}: accounts[{index}]")
            for index, entry in enumerate(reader.get("accounts", list, "a list of tables") or [])
        ),
    )
    reader.finish()
    account_ids = [account.id for account in user.accounts]
    for account_id in account_ids:
        if account_ids.count(account_id) > 1:
            raise ConfigError(f"{reader.where}: duplicate account id '{account_id}'")
    return user


def read_account(table: Any, where: str) -> AccountConfig:
    reader = _Reader(table, where)
    account_id = reader.text("id", required=True)
    assert account_id is not None
    reader.where = where = f"{where} ({account_id})"
    roles = tuple(reader.texts("roles") or DEFAULT_ACCOUNT_ROLES)
    for role in roles:
        if role not in ACCOUNT_ROLES:
            raise ConfigError(f"{where}: unknown role {role!r} (use {', '.join(ACCOUNT_ROLES)})")
    usage = reader.get("storage_usage", int, "a whole number")
    account = AccountConfig(
        id=account_id,
        display_name=reader.text("display_name") or account_id,
        roles=roles,
        created_at=reader.text("created_at") or DEFAULT_TIMESTAMP,
        updated_at=reader.text("updated_at") or DEFAULT_TIMESTAMP,
        storage_usage=usage or 0,
        storage_limit=reader.number("storage_limit"),
        image=reader.text("image"),
        adobe_id=reader.text("adobe_id"),
    )
    reader.finish()
    return account


def client_problem(client: ClientConfig, profile: Profile) -> str | None:
    """Why `client` cannot be registered under `profile`, or None if it can."""
    credential = _credential_problem(client, profile)
    if credential:
        return credential
    if not client.known_redirect_uris and "authorization_code" in client.grant_types:
        return "has no redirect_uris"
    for uri in client.known_redirect_uris + client.post_logout_redirect_uris:
        problem = redirect_uri_problem(uri)
        if problem:
            return problem
    for uri in client.known_redirect_uris:
        problem = scheme_problem(client.credential_type, uri)
        if problem:
            return problem
    for scope in client.scopes:
        if scope not in profile.scopes:
            return f"unknown scope '{scope}'"
    method = client.token_endpoint_auth_method
    if method not in AUTH_METHODS:
        return (
            f"unknown token_endpoint_auth_method '{method}' (use one of {', '.join(AUTH_METHODS)})"
        )
    if method == "none" and client.client_secret is not None:
        return "has a client_secret but token_endpoint_auth_method 'none'"
    if method != "none" and not client.client_secret:
        return f"token_endpoint_auth_method '{method}' needs a client_secret"
    if client.cors_origins and not client.is_public:
        return "has cors_origins but a client_secret (a browser app cannot keep a secret)"
    for origin in client.cors_origins:
        problem = origin_problem(origin)
        if problem:
            return f"cors_origins: {problem}"
    for grant in client.grant_types:
        if grant not in profile.grant_types:
            return f"unknown grant type '{grant}'"
    for response_type in client.response_types:
        if response_type not in profile.response_types:
            return f"unsupported response type '{response_type}'"
    return None


def _credential_problem(client: ClientConfig, profile: Profile) -> str | None:
    """Adobe IMS credential settings: only where the profile has them, by the type's rules."""
    ims_settings = [
        key
        for key, value in (
            ("type", client.credential_type),
            ("default_redirect_uri", client.default_redirect_uri),
            ("redirect_uri_pattern", client.redirect_uri_pattern),
        )
        if value
    ]
    if ims_settings and not profile.ims_credentials:
        return (
            f"'{ims_settings[0]}' is an Adobe IMS credential setting; profile "
            f"'{profile.name}' has none (use profile = \"adobe-ims\")"
        )
    default = client.default_redirect_uri
    if default is not None and len(default) > MAX_DEFAULT_REDIRECT_URI:
        return (
            f"default_redirect_uri is longer than {MAX_DEFAULT_REDIRECT_URI} characters "
            "(the Developer Console's limit)"
        )
    if not client.credential_type:
        return None
    return credential_problem(
        client.credential_type,
        client.client_secret is not None,
        client.grant_types,
        client.redirect_uris,
        client.default_redirect_uri,
        client.redirect_uri_pattern,
    )


def validate(settings: Settings, source: str = "settings") -> Settings:
    """Check each client against its profile, and the users; raise ConfigError on a problem."""
    seen_clients: set[str] = set()
    for index, client in enumerate(settings.clients):
        where = f"{source}: clients[{index}] ({client.client_id})"
        if client.client_id in seen_clients:
            raise ConfigError(f"{where}: duplicate client_id '{client.client_id}'")
        seen_clients.add(client.client_id)
        profile_name = client.profile or settings.server.profile
        if profile_name not in PROFILES:
            known = ", ".join(sorted(PROFILES))
            raise ConfigError(f"{where}: unknown profile '{profile_name}' (known: {known})")
        problem = client_problem(client, settings.profiles[profile_name])
        if problem:
            raise ConfigError(f"{where}: {problem}")
    seen_users: set[str] = set()
    for index, user in enumerate(settings.users):
        where = f"{source}: users[{index}] ({user.email})"
        if user.email.lower() in seen_users:
            raise ConfigError(f"{where}: duplicate user '{user.email}'")
        seen_users.add(user.email.lower())
    return settings


def _read_list(document: dict[str, Any], key: str, source: str) -> list[Any]:
    value = document.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{source}: '{key}' must be an array of tables ([[{key}]])")
    return value


def parse_config(document: dict[str, Any], source: str) -> Settings:
    """Build validated Settings from a parsed TOML document."""
    unknown = sorted(set(document) - {"server", "clients", "users"})
    if unknown:
        raise ConfigError(f"{source}: unknown section {unknown[0]!r}")
    server = read_server(document.get("server", {}), f"{source}: [server]")
    clients = tuple(
        read_client(table, f"{source}: clients[{index}]")
        for index, table in enumerate(_read_list(document, "clients", source))
    )
    users = tuple(
        read_user(table, f"{source}: users[{index}]")
        for index, table in enumerate(_read_list(document, "users", source))
    )
    return validate(Settings(server=server, clients=clients, users=users), source)


def load_config(path: str | Path) -> Settings:
    """Read and validate a TOML configuration file."""
    source = str(path)
    document = read_toml_file(path, ConfigError)
    settings = parse_config(document, source)
    key_file = settings.server.signing_key_file
    if key_file:
        # A relative key path is relative to the config file; check the key now, not mid-flow.
        key_path = Path(path).parent / key_file
        from frameio_oauth_mock.mockserver.oauth.idtoken import SigningKeyError, load_signing_key

        try:
            load_signing_key(key_path)
        except SigningKeyError as error:
            raise ConfigError(f"{source}: [server]: {error}") from None
        settings = settings.with_server(signing_key_file=str(key_path))
    return settings


def demo_settings() -> Settings:
    """The built-in demo: one confidential app, one PKCE app and one user, to try a flow at once."""
    scopes = ("account.read", "asset.read", "project.read", "offline", "openid")
    redirect = ("http://127.0.0.1:8765/callback",)
    return validate(
        Settings(
            clients=(
                ClientConfig(
                    client_id="demo-app",
                    client_secret="demo-secret",
                    redirect_uris=redirect,
                    scopes=scopes,
                    name="Demo App (client secret)",
                ),
                ClientConfig(
                    client_id="demo-pkce-app",
                    redirect_uris=redirect,
                    scopes=scopes,
                    name="Demo App (PKCE)",
                ),
            ),
            users=(UserConfig(email="dev@example.com", password="password", name="Dev User"),),
        ),
        "demo",
    )
