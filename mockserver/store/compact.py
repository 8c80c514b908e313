"""The memory store's rows: plain tuples of texts and numbers, no objects of our own.

Why tuples: CPython stops tracking a tuple that holds only texts, numbers and such tuples,
so its cyclic garbage collector never walks them. With a million live authorizations held as
objects (a family, a grant, two tokens each) a full collection walked four million of them,
a pause of seconds; as rows it skips them. A row is also smaller than a slotted object.
A row is never changed: a transition files a new one (`_replace` on the named view).
"""

from __future__ import annotations

import hashlib
import operator
import sys
from dataclasses import fields
from typing import Any, NamedTuple

from frameio_oauth_mock.mockserver.store.records import Grant, TokenState

GRANT_FIELDS = tuple(field.name for field in fields(Grant))
_GRANT_ID = GRANT_FIELDS.index("id")
_grant_values = operator.attrgetter(*GRANT_FIELDS)

# Family flags.
REDEEMED, PKCE_CONSUMED, REVOKED = 1, 2, 4

# TokenState by its value: rows hold the text, an Enum member would keep them tracked.
STATES = {state.value: state for state in TokenState}


class FamilyRow(NamedTuple):
    """A grant and what it issued. Stored as `tuple(row)`: a NamedTuple stays tracked."""

    grant: tuple[Any, ...]  # the Grant's fields, in GRANT_FIELDS order
    code: bytes | None  # key() of its code; None for a grant issued without one
    code_expires_at: float
    deadline: float  # when it may be forgotten (see family_deadline)
    flags: int  # REDEEMED | PKCE_CONSUMED | REVOKED
    live: tuple[bytes, ...]  # keys of the current access (and refresh) token
    retired: tuple[bytes, ...]  # keys of the last tokens it retired, oldest first

    @property
    def grant_id(self) -> str:
        return str(self.grant[_GRANT_ID])


class TokenRow(NamedTuple):
    grant_id: str
    kind: str
    issued_at: float
    expires_at: float
    state: str  # a TokenState value


def grant_row(
    grant: Grant, scope_tuples: dict[tuple[str, ...], tuple[str, ...]]
) -> tuple[object, ...]:
    """`grant` as a row, sharing the texts every grant of a client repeats (client, user,
    scopes, redirect URI, PKCE method) instead of holding a copy of each."""
    scopes = scope_tuples.get(grant.scopes)
    if scopes is None:
        scopes = tuple(map(sys.intern, grant.scopes))
        if len(scope_tuples) < 1024:  # requests choose scopes: keep the cache small
            scope_tuples[scopes] = scopes
    values = dict(zip(GRANT_FIELDS, _grant_values(grant), strict=True))
    values["client_id"] = sys.intern(grant.client_id)
    values["subject"] = sys.intern(grant.subject)
    values["scopes"] = scopes
    values["redirect_uri"] = _intern(grant.redirect_uri)
    values["code_challenge_method"] = _intern(grant.code_challenge_method)
    return tuple(values.values())


def grant_of(row: tuple[Any, ...]) -> Grant:
    return Grant(*row)


def key(value: str) -> bytes:
    """What the store files a code or token under: a 128-bit digest of its value (16 bytes
    instead of a Hydra-style value's 94 characters; fosite, too, keeps only a signature)."""
    return hashlib.blake2b(value.encode("utf-8", "surrogateescape"), digest_size=16).digest()


def _intern(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)
