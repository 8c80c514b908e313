"""Server state: one interface (`Store`), a memory store by default, persistent ones by URL."""

from frameio_oauth_mock.mockserver.store.base import Store, run_now
from frameio_oauth_mock.mockserver.store.memory import MemoryStore
from frameio_oauth_mock.mockserver.store.records import (
    EXPIRED_REFRESH_RETENTION,
    AuthorizationRequest,
    CodeRecord,
    CredentialReused,
    Grant,
    PendingAuthorization,
    PkceConsumed,
    Session,
    StoreLimits,
    TokenRecord,
    TokenState,
)

__all__ = [
    "EXPIRED_REFRESH_RETENTION",
    "AuthorizationRequest",
    "CodeRecord",
    "CredentialReused",
    "Grant",
    "MemoryStore",
    "PendingAuthorization",
    "PkceConsumed",
    "Session",
    "Store",
    "StoreLimits",
    "TokenRecord",
    "TokenState",
    "run_now",
]
