"""Reading one TOML table with typed getters, so a mistake is named by key, and unknown keys
are reported at the end. Shared by the server's configuration and the conformance targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class TomlTable:
    """One table being read. Subclasses set `error` (the exception their users see) and add
    the getters their format needs on top of `get`."""

    error: type[Exception] = ValueError

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise self.error(f"{where}: expected a table, got {type(value).__name__}")
        self.value: dict[str, Any] = value
        self.where = where
        self.used: set[str] = set()

    def get(self, key: str, kind: type | tuple[type, ...], kind_name: str) -> Any:
        """The value of `key` if it has the right type, None when absent."""
        self.used.add(key)
        value = self.value.get(key)
        if value is None:
            return None
        # bool is an int in Python; never accept true where a number is wanted.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.error(f"{self.where}: '{key}' must be {kind_name}, got {value!r}")
        return value

    def finish(self) -> None:
        """Refuse the first key nobody asked for (a typo, or a key of another version)."""
        unknown = sorted(set(self.value) - self.used)
        if unknown:
            raise self.error(f"{self.where}: unknown key {unknown[0]!r}")


def read_toml_file(path: str | Path, error: type[Exception]) -> dict[str, Any]:
    """The parsed document; every way reading it can fail is one `error` naming the file."""
    import tomllib  # here: the demo and inline-JSON starts read no file

    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"{source}: no such file") from None
    except OSError as problem:
        raise error(f"{source}: cannot read ({problem.strerror})") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise error(f"{source}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{source}: TOML syntax error: {problem}") from None
