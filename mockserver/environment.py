"""Configuration from environment variables, for containers and CI where flags are awkward.

- `FRAMEIO_MOCK_<OPTION>` sets one [server] option: FRAMEIO_MOCK_PORT=9000,
  FRAMEIO_MOCK_AUTO_APPROVE=true, FRAMEIO_MOCK_ADMIN_TOKEN=... (one variable per field of
  ServerSettings, so a new option gets its variable without further code).
- `FRAMEIO_MOCK_CONFIG` names a TOML file, as --config does.
- `FRAMEIO_MOCK_JSON_CONFIG` holds the whole configuration inline, as JSON shaped like the
  TOML file: {"server": {...}, "clients": [...], "users": [...]}.

Flags override the variables, and the variables override the file. Each value is checked by the
same reader as the file's, and a bad one is a one-line ConfigError naming the variable.
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, get_args, get_type_hints

from frameio_oauth_mock.mockserver.settings import (
    ConfigError,
    ServerSettings,
    Settings,
    parse_config,
    read_server,
)

PREFIX = "FRAMEIO_MOCK_"
CONFIG_VARIABLE = PREFIX + "CONFIG"
JSON_CONFIG_VARIABLE = PREFIX + "JSON_CONFIG"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def option_variables() -> dict[str, str]:
    """Variable name -> [server] option, for every server option."""
    return {PREFIX + field.name.upper(): field.name for field in fields(ServerSettings)}


def _kind(option: str) -> type:
    hint = get_type_hints(ServerSettings)[option]
    candidates = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for kind in (bool, int):
        if kind in candidates:
            return kind
    return str


def _typed(variable: str, option: str, raw: str) -> Any:
    kind = _kind(option)
    if kind is bool:
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        raise ConfigError(f"${variable}: must be true or false, got {raw!r}")
    if kind is int:
        try:
            return int(raw.strip())
        except ValueError:
            raise ConfigError(f"${variable}: must be a whole number, got {raw!r}") from None
    return raw


def server_options(environ: Mapping[str, str]) -> dict[str, Any]:
    """The [server] options set by FRAMEIO_MOCK_<OPTION> variables, each checked on its own."""
    options: dict[str, Any] = {}
    for variable, option in option_variables().items():
        raw = environ.get(variable)
        if raw is None or raw == "" or variable in (CONFIG_VARIABLE, JSON_CONFIG_VARIABLE):
            continue
        checked = read_server({option: _typed(variable, option, raw)}, f"${variable}")
        options[option] = getattr(checked, option)
    key_file = options.get("signing_key_file")
    if key_file:  # checked now, not on the first id_token
        _check_signing_key(Path(key_file), f"${PREFIX}SIGNING_KEY_FILE")
    return options


def json_config(raw: str) -> Settings:
    """The whole configuration from FRAMEIO_MOCK_JSON_CONFIG."""
    source = f"${JSON_CONFIG_VARIABLE}"
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{source}: not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: must be a JSON object with server, clients and users")
    settings = parse_config(document, source)
    key_file = settings.server.signing_key_file
    if key_file:
        _check_signing_key(Path(key_file), f"{source}: [server]")
    return settings


def _check_signing_key(path: Path, where: str) -> None:
    from frameio_oauth_mock.mockserver.oauth.idtoken import SigningKeyError, load_signing_key

    try:
        load_signing_key(path)
    except SigningKeyError as error:
        raise ConfigError(f"{where}: {error}") from None
