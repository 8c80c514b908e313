"""The memory store's rows: plain tuples of texts and numbers, no objects of our own.

Why tuples: CPython stops tracking a tuple that holds only texts, numbers and such tuples,
so its cyclic garbage collector never walks them. With a million live authorizations held as
objects (a family, a grant, two tokens each) a full collection walked four million of them,
a pause of seconds; as rows it skips them. A row is also smaller than a slotted object.
A row is never changed: a transition files a new one.

A family is one flat row: the grant's fields, then the family's own, then its live tokens,
TOKEN_WIDTH values each. Tokens live inside their family's row (the store's token index
maps a token's key to its family's grant id only), so an authorization with an access and a
refresh token is one row, not three.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import fields
from typing import Any

from frameio_oauth_mock.mockserver.store.records import Grant, TokenState

GRANT_FIELDS = tuple(field.name for field in fields(Grant))
# grant_row builds the grant's part field by field, in this order (a new Grant field must be
# added there too; this fails at import instead of mixing fields up).
if GRANT_FIELDS != (
    "id",
    "client_id",
    "subject",
    "scopes",
    "redirect_uri",
    "code_challenge",
    "code_challenge_method",
    "auth_time",
    "nonce",
    "requested_at",
    "session_id",
    "acr",
    "kind",
):
    raise RuntimeError(f"compact.grant_row does not know Grant's fields {GRANT_FIELDS}")
GRANT_SIZE = len(GRANT_FIELDS)

# A family row: row[:GRANT_SIZE] is the grant (row[0] its id), then:
CODE_EXPIRES_AT = GRANT_SIZE  # its code's expiry (None for a grant issued without a code)
DEADLINE = GRANT_SIZE + 1  # when it may be forgotten (see family_deadline)
FLAGS = GRANT_SIZE + 2  # HAS_CODE | REDEEMED | PKCE_CONSUMED | REVOKED
RETIRED = GRANT_SIZE + 3  # the last tokens it retired, oldest first, flat as the live ones
LIVE = GRANT_SIZE + 4  # from here to the end: its current access (and refresh) token

# A token's values, in that order, in a family's live part or in its retired tuple. No other
# value there equals a key (see key()), so `row.index(key, LIVE)` finds a token's place.
TOKEN_WIDTH = 5  # key, kind, issued_at, expires_at, state (a TokenState value)
KIND, ISSUED_AT, EXPIRES_AT, STATE = 1, 2, 3, 4  # offsets from the key

# Family flags.
REDEEMED, PKCE_CONSUMED, REVOKED, HAS_CODE = 1, 2, 4, 8

# TokenState by its value: rows hold the text, an Enum member would keep them tracked.
STATES = {state.value: state for state in TokenState}
ACTIVE = TokenState.ACTIVE.value


def grant_row(
    grant: Grant, scope_tuples: dict[tuple[str, ...], tuple[str, ...]]
) -> tuple[Any, ...]:
    """`grant` as a row, sharing the texts every grant of a client repeats (client, user,
    scopes, redirect URI, PKCE method) instead of holding a copy of each."""
    scopes = scope_tuples.get(grant.scopes)
    if scopes is None:
        scopes = tuple(map(sys.intern, grant.scopes))
        if len(scope_tuples) < 1024:  # requests choose scopes: keep the cache small
            scope_tuples[scopes] = scopes
    redirect_uri, method = grant.redirect_uri, grant.code_challenge_method
    return (
        grant.id,
        sys.intern(grant.client_id),
        sys.intern(grant.subject),
        scopes,
        None if redirect_uri is None else sys.intern(redirect_uri),
        grant.code_challenge,
        None if method is None else sys.intern(method),
        grant.auth_time,
        grant.nonce,
        grant.requested_at,
        grant.session_id,
        grant.acr,
        grant.kind,
    )


def grant_of(row: tuple[Any, ...]) -> Grant:
    return Grant(*row[:GRANT_SIZE])


def key(value: str) -> int:
    """What the store files a token under: a 127-bit digest of its value, as an int (44
    bytes, a 16-byte `bytes` takes 49, the value itself 94 and more; fosite, too, keeps only
    a signature). Its top bit is set, so no time in a row (far below 2**127) equals a key."""
    digest = _KEY_DIGEST.copy()
    digest.update(value.encode("utf-8", "surrogateescape"))
    return int.from_bytes(digest.digest()) | _TOP_BIT


_TOP_BIT = 1 << 127
# blake2b's parameters are set up once; each key copies them (cheaper than the keyword).
_KEY_DIGEST = hashlib.blake2b(digest_size=16)
