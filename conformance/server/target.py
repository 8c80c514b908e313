"""The target description: which server to grade, with which clients, user and login strategy.

Read from TOML (docs/conformance-server.md); every mistake is one TargetError line naming the
file and the key, so the CLI can print it and exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from frameio_oauth_mock.mockserver.tomltable import TomlTable, read_toml_file

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
STRATEGIES = ("auto", "form", "hook")
ENDPOINT_NAMES = (
    "authorization",
    "token",
    "revocation",
    "introspection",
    "userinfo",
    "metadata",
    "resource",
)
# RFC 3986 unreserved: a secret made only of these looks the same form-encoded or not.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


class TargetError(Exception):
    """A problem with the target description, phrased for the person who wrote it."""


@dataclass(frozen=True)
class ClientSpec:
    client_id: str
    redirect_uris: tuple[str, ...]
    client_secret: str | None = None
    auth_method: str = "none"
    scope: str = ""
    # A scope this client did not request in its flows, for the "scope must not grow" checks.
    extra_scope: str = "conformance-extra-scope"

    @property
    def is_public(self) -> bool:
        return self.auth_method == "none"

    @property
    def redirect_uri(self) -> str:
        return self.redirect_uris[0]

    @property
    def has_special_secret(self) -> bool:
        """A secret that form-urlencoding changes (RFC 6749 2.3.1, Appendix B)."""
        return bool(self.client_secret) and not set(self.client_secret or "") <= _UNRESERVED


@dataclass(frozen=True)
class UserSpec:
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class LoginSpec:
    strategy: str = "auto"
    hook: str | None = None  # "package.module:function"
    # Hosts besides the server's own that the login may pass through (an upstream IdP).
    origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Options:
    timeout: float = 10.0
    code_reuse_delay: float = 5.0
    entropy_samples: int = 16
    race_requests: int = 10
    # Rounds of the redemption races (S41, S65): a race that shows in one round in five is
    # caught with 99% probability in ceil(ln 0.01 / ln 0.8) = 21 rounds.
    race_rounds: int = 21
    brute_force_attempts: int = 20
    # Seconds to wait before redeeming a code for S42; 0 leaves S42 undecided (it is slow).
    code_expiry_wait: float = 0.0
    # How long the server's codes live, as its operator configured them (seconds): S73
    # redeems a code one second after that. 0: not configured, S73 undecided.
    code_lifetime: float = 0.0
    # The longest the suite waits for anything to expire (S42, S73): a bound on a run.
    max_wait: float = 900.0
    verify_tls: bool = True
    state: str = "S13 st-ate/+ =&?%~"


@dataclass(frozen=True)
class Target:
    issuer: str | None
    endpoints: dict[str, str]
    clients: tuple[ClientSpec, ...]
    user: UserSpec
    login: LoginSpec
    options: Options
    source: str = "target"
    # Fixed parameters added to every authorization request (a nonce a server demands).
    authorization_params: tuple[tuple[str, str], ...] = ()
    # Directory of the target file: hooks are imported relative to it.
    base_dir: Path = field(default_factory=Path.cwd)

    def secrets(self) -> list[str]:
        values = [client.client_secret or "" for client in self.clients]
        return [*values, self.user.password]

    def describe(self) -> dict[str, Any]:
        """What was graded, without secrets, for the report header."""
        return {
            "source": self.source,
            "issuer": self.issuer,
            "endpoints": dict(self.endpoints),
            "clients": [
                {
                    "client_id": client.client_id,
                    "auth_method": client.auth_method,
                    "redirect_uris": list(client.redirect_uris),
                    "scope": client.scope,
                }
                for client in self.clients
            ],
            "user": self.user.username,
            "login": self.login.strategy,
            "authorization_params": dict(self.authorization_params),
        }


class _Table(TomlTable):
    """One table of the target file."""

    error = TargetError

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.get(key, str, "a string")
        return default if value is None else str(value)

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None:
            _require_url(value, f"{self.where}: '{key}'")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.get(key, (int, float), "a number")
        if value is None:
            return default
        if value < 0:
            raise TargetError(f"{self.where}: '{key}' must not be negative, got {value}")
        return float(value)

    def whole(self, key: str, default: int, minimum: int) -> int:
        value = self.get(key, int, "a whole number")
        if value is None:
            return default
        if value < minimum:
            raise TargetError(f"{self.where}: '{key}' must be at least {minimum}, got {value}")
        return int(value)

    def texts(self, key: str) -> list[str]:
        value = self.get(key, list, "a list of strings") or []
        if not all(isinstance(item, str) for item in value):
            raise TargetError(f"{self.where}: '{key}' must be a list of strings")
        return list(value)


def _require_url(value: str, where: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"{where} must be an http(s) URL, got {value!r}")


def _read_client(value: Any, where: str) -> ClientSpec:
    table = _Table(value, where)
    client_id = table.text("client_id")
    if not client_id:
        raise TargetError(f"{where}: 'client_id' is required")
    table.where = where = f"{where} ({client_id})"
    secret = table.text("client_secret")
    method = table.text("auth_method") or ("client_secret_basic" if secret else "none")
    if method not in AUTH_METHODS:
        raise TargetError(f"{where}: 'auth_method' must be one of {', '.join(AUTH_METHODS)}")
    if method != "none" and not secret:
        raise TargetError(f"{where}: auth_method '{method}' needs a client_secret")
    if method == "none" and secret:
        raise TargetError(f"{where}: a client_secret with auth_method 'none'")
    redirect_uris = tuple(table.texts("redirect_uris"))
    if not redirect_uris:
        raise TargetError(f"{where}: 'redirect_uris' must list at least one URI")
    for uri in redirect_uris:
        if not urlsplit(uri).scheme:
            raise TargetError(f"{where}: redirect URI {uri!r} is not absolute")
    client = ClientSpec(
        client_id=client_id,
        redirect_uris=redirect_uris,
        client_secret=secret,
        auth_method=method,
        scope=table.text("scope", "") or "",
        extra_scope=table.text("extra_scope") or ClientSpec.extra_scope,
    )
    table.finish()
    return client


def _read_options(value: Any, where: str) -> Options:
    table = _Table(value, where)
    defaults = Options()
    verify = table.get("verify_tls", bool, "true or false")
    options = Options(
        timeout=table.number("timeout", defaults.timeout) or defaults.timeout,
        code_reuse_delay=table.number("code_reuse_delay", defaults.code_reuse_delay),
        entropy_samples=table.whole("entropy_samples", defaults.entropy_samples, 4),
        race_requests=table.whole("race_requests", defaults.race_requests, 2),
        race_rounds=table.whole("race_rounds", defaults.race_rounds, 1),
        brute_force_attempts=table.whole("brute_force_attempts", defaults.brute_force_attempts, 0),
        code_expiry_wait=table.number("code_expiry_wait", defaults.code_expiry_wait),
        code_lifetime=table.number("code_lifetime", defaults.code_lifetime),
        max_wait=table.number("max_wait", defaults.max_wait),
        verify_tls=defaults.verify_tls if verify is None else bool(verify),
        state=table.text("state", defaults.state) or defaults.state,
    )
    table.finish()
    return options


def _read_login(value: Any, where: str) -> LoginSpec:
    table = _Table(value, where)
    strategy = table.text("strategy", "auto") or "auto"
    if strategy not in STRATEGIES:
        raise TargetError(f"{where}: 'strategy' must be one of {', '.join(STRATEGIES)}")
    hook = table.text("hook")
    if strategy == "hook" and (not hook or ":" not in hook):
        raise TargetError(f"{where}: strategy 'hook' needs hook = \"module:function\"")
    origins = tuple(table.texts("origins"))
    for origin in origins:
        _require_url(origin, f"{where}: origin")
    table.finish()
    return LoginSpec(strategy=strategy, hook=hook, origins=origins)


def parse_target(document: dict[str, Any], source: str, base_dir: Path | None = None) -> Target:
    top = _Table(document, source)
    issuer = top.url("issuer")
    endpoints_table = _Table(document.get("endpoints", {}), f"{source}: [endpoints]")
    top.used.add("endpoints")
    endpoints = {}
    for name in ENDPOINT_NAMES:
        value = endpoints_table.url(name)
        if value:
            endpoints[name] = value
    endpoints_table.finish()
    if issuer is None and not {"authorization", "token"} <= set(endpoints):
        raise TargetError(
            f"{source}: give 'issuer' (for discovery) or both [endpoints] authorization and token"
        )
    top.used.add("clients")
    raw_clients = document.get("clients", [])
    if not isinstance(raw_clients, list) or not raw_clients:
        raise TargetError(f"{source}: at least one [[clients]] table is required")
    clients = tuple(
        _read_client(value, f"{source}: clients[{index}]")
        for index, value in enumerate(raw_clients)
    )
    ids = [client.client_id for client in clients]
    duplicate = next((client_id for client_id in ids if ids.count(client_id) > 1), None)
    if duplicate:
        raise TargetError(f"{source}: client_id '{duplicate}' is listed twice")
    top.used.update(["user", "login", "options"])
    user_table = _Table(document.get("user", {}), f"{source}: [user]")
    user = UserSpec(
        username=user_table.text("username", "") or "",
        password=user_table.text("password", "") or "",
    )
    user_table.finish()
    login = _read_login(document.get("login", {}), f"{source}: [login]")
    if login.strategy == "form" and not (user.username and user.password):
        raise TargetError(f"{source}: [login] strategy 'form' needs [user] username and password")
    options = _read_options(document.get("options", {}), f"{source}: [options]")
    top.used.add("authorization_params")
    params = _read_params(document.get("authorization_params", {}), source)
    top.finish()
    return Target(
        issuer=issuer.rstrip("/") if issuer else None,
        endpoints=endpoints,
        clients=clients,
        user=user,
        login=login,
        options=options,
        source=source,
        base_dir=base_dir or Path.cwd(),
        authorization_params=params,
    )


# Parameters the suite itself varies; fixing them would silently void the checks on them.
_VARIED_PARAMETERS = frozenset(
    [
        "client_id",
        "response_type",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ]
)


def _read_params(value: Any, source: str) -> tuple[tuple[str, str], ...]:
    where = f"{source}: [authorization_params]"
    if not isinstance(value, dict):
        raise TargetError(f'{where} must be a table of name = "value"')
    pairs = []
    for name, item in value.items():
        if not isinstance(item, str):
            raise TargetError(f"{where}: '{name}' must be a string")
        if name in _VARIED_PARAMETERS:
            raise TargetError(f"{where}: '{name}' is set by each check and cannot be fixed")
        pairs.append((name, item))
    return tuple(pairs)


def load_target(path: str | Path) -> Target:
    source = str(path)
    document = read_toml_file(path, TargetError)
    return parse_target(document, source, Path(path).resolve().parent)
