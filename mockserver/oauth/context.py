"""What every engine decision needs: registry, store, clock, token factory and lifetimes.

The state is shared by every profile the server runs; a `Context` is one profile's view of
it, so the engine reads `ctx.profile` and `ctx.clients` and never asks which profile it is.
"""

from __future__ import annotations

from typing import Any

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.oauth.idtoken import IdTokenSigner
from frameio_oauth_mock.mockserver.oauth.tokens import TokenFactory
from frameio_oauth_mock.mockserver.profiles import Profile
from frameio_oauth_mock.mockserver.ratelimit import RateLimiter
from frameio_oauth_mock.mockserver.registry import Registry
from frameio_oauth_mock.mockserver.settings import (
    ClientConfig,
    ConfigError,
    Settings,
    read_client,
    read_user,
)
from frameio_oauth_mock.mockserver.store import Grant, MemoryStore, Store, StoreLimits


class EngineState:
    """Everything the server holds; replaced piecewise by reset() and reconfigure().

    (A plain class: dataclass() would cost every start-up half a millisecond.)
    """

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        store: Store,
        clock: Clock,
        tokens: TokenFactory,
        signer: IdTokenSigner,
        profiles: dict[str, Profile],
        rate_limiter: RateLimiter | None = None,
        seed: int | None = None,
        # What reset() returns to: the settings the server was created with.
        initial_settings: Settings | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.store = store
        self.clock = clock
        self.tokens = tokens
        self.signer = signer
        self.profiles = profiles
        self.rate_limiter = RateLimiter() if rate_limiter is None else rate_limiter
        self.seed = seed
        self.initial_settings = initial_settings
        # A persistent store's state taken up so far (sync_from_store).
        self.key_loaded = False
        self.entries_seen = 0


class Context:
    """One profile's view of the shared EngineState."""

    def __init__(self, state: EngineState, profile_name: str) -> None:
        self.state = state
        self.profile_name = profile_name

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        seed: int | None = None,
        store: Store | None = None,
    ) -> Context:
        """A fresh server state, viewed through the settings' default profile."""
        profiles = settings.profiles
        state = EngineState(
            settings=settings,
            registry=_registry(settings, profiles),
            store=store or MemoryStore(store_limits(settings)),
            clock=clock or Clock(),
            tokens=TokenFactory.seeded(seed),
            signer=IdTokenSigner(settings.server.signing_key_file),
            profiles=profiles,
            seed=seed,
            initial_settings=settings,
        )
        return cls(state, settings.server.profile)

    def for_profile(self, profile_name: str) -> Context:
        return Context(self.state, profile_name)

    # The shared state ---------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def registry(self) -> Registry:
        return self.state.registry

    @property
    def store(self) -> Store:
        return self.state.store

    @property
    def clock(self) -> Clock:
        return self.state.clock

    @property
    def tokens(self) -> TokenFactory:
        return self.state.tokens

    @property
    def signer(self) -> IdTokenSigner:
        return self.state.signer

    # This profile's view ------------------------------------------------------------------
    @property
    def profile(self) -> Profile:
        return self.state.profiles[self.profile_name]

    @property
    def clients(self) -> dict[str, ClientConfig]:
        """The clients this profile's endpoints serve."""
        return self.state.registry.clients_for(self.profile_name)

    def owns(self, grant: Grant) -> bool:
        """Whether `grant` belongs to this profile: other profiles' codes and tokens are
        unknown here, so they can neither be used nor revoked from here."""
        return grant.client_id in self.clients

    @property
    def access_token_ttl(self) -> int:
        return self.settings.server.access_token_ttl or self.profile.access_token_ttl

    @property
    def refresh_token_ttl(self) -> int:
        return self.settings.server.refresh_token_ttl or self.profile.refresh_token_ttl

    @property
    def code_ttl(self) -> int:
        return self.settings.server.code_ttl or self.profile.code_ttl

    # What a persistent store kept ---------------------------------------------------------
    async def sync_from_store(self) -> None:
        """Take up what a persistent store holds: its signing key (unless a key file is
        configured) and the clients and users added through the control API, by this or
        another instance, since the last look. Cheap when nothing changed (one query)."""
        state = self.state
        store = state.store
        if not store.persistent:
            return
        if not state.key_loaded:
            if not state.signer.has_key_file:
                state.signer.use_pem(await store.signing_key(state.signer.new_pem))
            state.key_loaded = True
        for number, kind, entry in await store.entries_after(state.entries_seen):
            state.entries_seen = number
            try:
                if kind == "client":
                    state.registry.add_client(read_client(entry, "stored client"))
                else:
                    state.registry.add_user(read_user(entry, "stored user"))
            except ConfigError:
                pass  # already known: in the configuration, or added here first

    # Changing it --------------------------------------------------------------------------
    def reconfigure(self, **server_options: Any) -> None:
        """Change server options (auto_approve, strict, lifetimes...) while running."""
        state = self.state
        state.settings = state.settings.with_server(**server_options)
        state.profiles = state.settings.profiles
        state.registry.profiles = state.profiles

    async def reset(self, settings: Settings | None = None) -> None:
        """Back to a fresh start: nothing issued, clock running free (the web layer's
        HarnessState.reset drops faults and the request log).

        Clients, users and options return to those of `settings` (default: the settings it
        was created with), so what one test added or configure()d does not leak into the
        next; a seeded factory starts over.
        """
        state = self.state
        state.settings = settings or state.initial_settings or state.settings
        state.profiles = state.settings.profiles
        state.registry = _registry(state.settings, state.profiles)
        await state.store.clear()
        state.clock.reset()
        state.rate_limiter.clear()
        state.tokens = TokenFactory.seeded(state.seed)


def store_limits(settings: Settings) -> StoreLimits:
    server = settings.server
    return StoreLimits(
        max_retired_tokens=server.max_retired_tokens,
        max_pending_authorizations=server.max_pending_authorizations,
        max_sessions=server.max_sessions,
    )


def _registry(settings: Settings, profiles: dict[str, Profile]) -> Registry:
    return Registry(profiles, settings.server.profile, settings.clients, settings.users)
