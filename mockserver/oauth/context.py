"""What every engine decision needs: registry, store, clock, token factory and lifetimes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.clock import Clock
from mockserver.faults import FaultList
from mockserver.oauth.idtoken import IdTokenSigner
from mockserver.oauth.tokens import TokenFactory
from mockserver.profiles import Profile
from mockserver.registry import Registry
from mockserver.requestlog import RequestLog
from mockserver.settings import Settings
from mockserver.store import MemoryStore


@dataclass
class Context:
    """The server's whole state; the web layer and the test harness share one."""

    settings: Settings
    registry: Registry
    store: MemoryStore
    clock: Clock
    tokens: TokenFactory
    signer: IdTokenSigner
    faults: FaultList = field(default_factory=FaultList)
    log: RequestLog = field(default_factory=RequestLog)

    @property
    def profile(self) -> Profile:
        return self.registry.profile

    seed: int | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Clock | None = None, seed: int | None = None
    ) -> Context:
        return cls(
            settings=settings,
            registry=Registry(settings.profile, settings.clients, settings.users),
            store=MemoryStore(),
            clock=clock or Clock(),
            tokens=TokenFactory.seeded(seed),
            signer=IdTokenSigner(settings.server.signing_key_file),
            seed=seed,
        )

    def reconfigure(self, **server_options: Any) -> None:
        """Change server options (auto_approve, strict, lifetimes...) while running."""
        self.settings = self.settings.with_server(**server_options)
        self.registry.profile = self.settings.profile

    def reset(self, settings: Settings | None = None) -> None:
        """Back to a fresh start: nothing issued, no faults, empty log, clock running free.

        Clients and users return to those of `settings` (default: the current settings), so
        what one test added does not leak into the next; a seeded factory starts over.
        """
        if settings is not None:
            self.settings = settings
        self.registry = Registry(self.settings.profile, self.settings.clients, self.settings.users)
        self.store.clear()
        self.faults.clear()
        self.log.clear()
        self.clock.reset()
        self.tokens = TokenFactory.seeded(self.seed)
