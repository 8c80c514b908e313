"""The clients and users the running server knows; they can be added while it runs."""

from __future__ import annotations

import threading

from mockserver.profiles import Profile
from mockserver.settings import ClientConfig, ConfigError, UserConfig, client_problem


class Registry:
    def __init__(
        self, profile: Profile, clients: tuple[ClientConfig, ...], users: tuple[UserConfig, ...]
    ) -> None:
        self.profile = profile
        self.clients: dict[str, ClientConfig] = {}
        self.users: dict[str, UserConfig] = {}  # by lower-cased email
        self._lock = threading.Lock()
        for client in clients:
            self.add_client(client)
        for user in users:
            self.add_user(user)

    def add_client(self, client: ClientConfig) -> None:
        """Register a client; refuse an invalid one or one whose id is taken."""
        problem = client_problem(client, self.profile)
        if problem:
            raise ConfigError(f"client '{client.client_id}': {problem}")
        with self._lock:
            if client.client_id in self.clients:
                raise ConfigError(f"client '{client.client_id}': duplicate client_id")
            self.clients[client.client_id] = client

    def add_user(self, user: UserConfig) -> None:
        with self._lock:
            key = user.email.lower()
            if key in self.users:
                raise ConfigError(f"user '{user.email}': duplicate user")
            self.users[key] = user

    def user_by_email(self, email: str) -> UserConfig | None:
        return self.users.get(email.strip().lower())

    def user_by_id(self, user_id: str) -> UserConfig | None:
        return next((user for user in self.users.values() if user.id == user_id), None)

    def first_user(self) -> UserConfig | None:
        return next(iter(self.users.values()), None)
