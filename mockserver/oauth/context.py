"""What every engine decision needs: registry, store, clock, token factory and lifetimes."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.clock import Clock
from mockserver.oauth.idtoken import IdTokenSigner
from mockserver.oauth.tokens import TokenFactory
from mockserver.profiles import Profile
from mockserver.registry import Registry
from mockserver.settings import Settings
from mockserver.store import MemoryStore


@dataclass
class Context:
    settings: Settings
    registry: Registry
    store: MemoryStore
    clock: Clock
    tokens: TokenFactory
    signer: IdTokenSigner

    @property
    def profile(self) -> Profile:
        return self.registry.profile

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Context:
        return cls(
            settings=settings,
            registry=Registry(settings.profile, settings.clients, settings.users),
            store=MemoryStore(),
            clock=clock or Clock(),
            tokens=TokenFactory(),
            signer=IdTokenSigner(settings.server.signing_key_file),
        )
