"""Where tokens live between runs: one small interface, an in-memory and a file implementation."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from frameio_oauth_mock.client._errors import TokenStoreError
from frameio_oauth_mock.client._token import Token


@runtime_checkable
class TokenStore(Protocol):
    """Holds at most one token: the one the client uses and refreshes."""

    def load(self) -> Token | None: ...

    def save(self, token: Token) -> None: ...

    def clear(self) -> None: ...


class MemoryTokenStore:
    """The default store: the token lives as long as the client object."""

    def __init__(self, token: Token | None = None) -> None:
        self._token = token
        self._lock = threading.Lock()

    def load(self) -> Token | None:
        with self._lock:
            return self._token

    def save(self, token: Token) -> None:
        with self._lock:
            self._token = token

    def clear(self) -> None:
        with self._lock:
            self._token = None


class FileTokenStore:
    """A JSON file readable by its owner only (mode 0600).

    Every save writes a temporary file in the same directory and renames it over the old
    one (os.replace is atomic), so a crash mid-write never leaves a half-written token and
    a reader sees either the old token or the new one.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def load(self) -> Token | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise TokenStoreError("token_store", f"cannot read {self.path}: {error}") from None
        try:
            return Token.from_json(text)
        except TokenStoreError as error:
            raise TokenStoreError(
                "token_store", f"{self.path} holds no usable token ({error.error_description})"
            ) from None

    def save(self, token: Token) -> None:
        with self._lock:
            try:
                self._write(token.to_json() + "\n")
            except OSError as error:
                raise TokenStoreError("token_store", f"cannot write {self.path}: {error}") from None

    def clear(self) -> None:
        with self._lock, contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _write(self, text: str) -> None:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file with mode 0600, so the token is never readable by others,
        # not even for the moment between writing and renaming.
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)  # in case the platform's mkstemp was more generous
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
