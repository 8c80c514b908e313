"""The clients and users the running server knows; they can be added while it runs.

Users are shared by every profile; each client belongs to one profile (its `profile` key,
else the server's default), and each profile's endpoints see only their own clients.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace

from frameio_oauth_mock.mockserver.profiles import Profile
from frameio_oauth_mock.mockserver.settings import (
    ClientConfig,
    ConfigError,
    UserConfig,
    client_problem,
)


class Registry:
    def __init__(
        self,
        profiles: Mapping[str, Profile],
        default_profile: str,
        clients: tuple[ClientConfig, ...],
        users: tuple[UserConfig, ...],
    ) -> None:
        self.profiles = profiles
        self.default_profile = default_profile
        self.clients: dict[str, ClientConfig] = {}  # every profile's, by client_id
        self.users: dict[str, UserConfig] = {}  # by lower-cased email
        self._by_profile: dict[str, dict[str, ClientConfig]] = {name: {} for name in profiles}
        self._lock = threading.Lock()
        for client in clients:
            self.add_client(client)
        for user in users:
            self.add_user(user)

    def add_client(self, client: ClientConfig) -> ClientConfig:
        """Register a client; refuse an invalid one or one whose id is taken."""
        if not client.profile:
            client = replace(client, profile=self.default_profile)
        profile = self.profiles.get(client.profile)
        if profile is None:
            known = ", ".join(sorted(self.profiles))
            raise ConfigError(
                f"client '{client.client_id}': unknown profile '{client.profile}' (known: {known})"
            )
        problem = client_problem(client, profile)
        if problem:
            raise ConfigError(f"client '{client.client_id}': {problem}")
        with self._lock:
            if client.client_id in self.clients:
                raise ConfigError(f"client '{client.client_id}': duplicate client_id")
            self.clients[client.client_id] = client
            self._by_profile[client.profile][client.client_id] = client
        return client

    def clients_for(self, profile_name: str) -> dict[str, ClientConfig]:
        """The clients registered for one profile, by client_id."""
        return self._by_profile[profile_name]

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
