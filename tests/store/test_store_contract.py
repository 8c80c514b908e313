"""One suite every store passes: each transition's outcome, atomicity, expiry and the bounds.

The `store` fixture (tests/store/conftest.py) runs each test against every store kind.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import replace

import pytest

from frameio_oauth_mock.mockserver.settings import ClientConfig
from frameio_oauth_mock.mockserver.store import (
    EXPIRED_REFRESH_RETENTION,
    AuthorizationRequest,
    CodeRecord,
    CredentialReused,
    Grant,
    PendingAuthorization,
    PkceConsumed,
    Session,
    Store,
    TokenRecord,
    TokenState,
)
from frameio_oauth_mock.mockserver.store.records import grant_id_for_code

pytestmark = pytest.mark.anyio

NOW = 1_700_000_000.0
CODE_TTL, ACCESS_TTL, REFRESH_TTL = 600, 3600, 30 * 24 * 3600


class Refused(Exception):
    """What the test's check raises to refuse a transition."""


def grant(number: int = 1, scopes: tuple[str, ...] = ("account.read", "offline")) -> Grant:
    return Grant(
        id=f"grant-{number}",
        client_id="app",
        subject="user-1",
        scopes=scopes,
        redirect_uri="http://127.0.0.1/cb",
        code_challenge="challenge",
        code_challenge_method="S256",
        auth_time=NOW,
        nonce="n-1",
        requested_at=NOW - 5,
        session_id="sid-1",
        acr="0",
    )


_SERIAL = itertools.count(1)


class Minter:
    """An `issue` callback: a fresh access and refresh token per call, never seen before."""

    def __init__(self, now: float = NOW, refresh: bool = True) -> None:
        self.now = now
        self.refresh = refresh
        self.calls = 0

    def __call__(self, for_grant: Grant) -> Sequence[TokenRecord]:
        self.calls += 1
        tag = f"{for_grant.id}-{next(_SERIAL)}"
        tokens = [
            TokenRecord(f"at-{tag}", "access_token", for_grant, self.now, self.now + ACCESS_TTL)
        ]
        if self.refresh:
            tokens.append(
                TokenRecord(
                    f"rt-{tag}", "refresh_token", for_grant, self.now, self.now + REFRESH_TTL
                )
            )
        return tokens


def accept(record: object) -> None:
    if record is None:
        raise Refused("unknown")


def accept_unused_code(record: CodeRecord | None) -> None:
    if record is None:
        raise Refused("unknown")
    if record.redeemed:
        raise CredentialReused(record.grant.id)


def accept_active_token(record: TokenRecord | None) -> None:
    if record is None or record.state is TokenState.REVOKED:
        raise Refused("not valid")
    if record.state is TokenState.ROTATED:
        raise CredentialReused(record.grant.id)


async def issued_family(store: Store, number: int = 1) -> Sequence[TokenRecord]:
    """A code added and redeemed: the family's first access and refresh token."""
    await store.add_code(CodeRecord(f"code-{number}", grant(number), NOW + CODE_TTL), NOW)
    return await store.redeem_code(f"code-{number}", NOW, accept_unused_code, Minter())


# Codes --------------------------------------------------------------------------------------


async def test_a_code_comes_back_frozen_with_its_grant(store: Store) -> None:
    await store.add_code(CodeRecord("code-1", grant(), NOW + CODE_TTL), NOW)
    record = await store.find_code("code-1")
    assert record == CodeRecord("code-1", grant(), NOW + CODE_TTL, redeemed=False)
    assert not record.pkce_consumed
    assert await store.find_code("code-unknown") is None


async def test_redeeming_marks_used_and_adds_the_minted_tokens(store: Store) -> None:
    seen: list[CodeRecord | None] = []

    def check(record: CodeRecord | None) -> None:
        seen.append(record)
        accept_unused_code(record)

    await store.add_code(CodeRecord("code-1", grant(), NOW + CODE_TTL), NOW)
    tokens = await store.redeem_code("code-1", NOW, check, Minter())
    assert [token.kind for token in tokens] == ["access_token", "refresh_token"]
    assert seen == [CodeRecord("code-1", grant(), NOW + CODE_TTL, redeemed=False)]
    used = await store.find_code("code-1")
    assert used is not None and used.redeemed
    access = await store.find_token(tokens[0].value)
    assert access == TokenRecord(tokens[0].value, "access_token", grant(), NOW, NOW + ACCESS_TTL)
    assert access.is_live(NOW)


async def test_a_refused_redemption_changes_nothing(store: Store) -> None:
    def refuse(record: CodeRecord | None) -> None:
        raise Refused("wrong verifier")

    minter = Minter()
    await store.add_code(CodeRecord("code-1", grant(), NOW + CODE_TTL), NOW)
    with pytest.raises(Refused):
        await store.redeem_code("code-1", NOW, refuse, minter)
    assert minter.calls == 0
    record = await store.find_code("code-1")
    assert record is not None and not record.redeemed
    assert len(await store.redeem_code("code-1", NOW, accept_unused_code, minter)) == 2


async def test_a_refusal_at_the_pkce_check_spends_the_codes_pkce_record(store: Store) -> None:
    """fosite deletes the PKCE record at the first exchange that reaches the PKCE check."""

    def refuse_at_pkce(record: CodeRecord | None) -> None:
        raise PkceConsumed(Refused("wrong verifier"))

    await store.add_code(CodeRecord("code-1", grant(), NOW + CODE_TTL), NOW)
    with pytest.raises(Refused):
        await store.redeem_code("code-1", NOW, refuse_at_pkce, Minter())
    record = await store.find_code("code-1")
    assert record is not None and record.pkce_consumed and not record.redeemed
    assert len(await store.redeem_code("code-1", NOW, accept_unused_code, Minter())) == 2


async def test_an_unknown_code_reaches_the_check_as_none(store: Store) -> None:
    with pytest.raises(Refused):
        await store.redeem_code("nope", NOW, accept, Minter())


async def test_a_second_redemption_is_reuse(store: Store) -> None:
    await issued_family(store)
    with pytest.raises(CredentialReused) as reused:
        await store.redeem_code("code-1", NOW + 1, accept_unused_code, Minter())
    assert reused.value.grant_id == "grant-1"


async def test_of_concurrent_redemptions_exactly_one_succeeds(store: Store) -> None:
    for number in range(5):
        await store.add_code(CodeRecord(f"code-{number}", grant(number), NOW + CODE_TTL), NOW)

        async def redeem(number: int = number) -> str:
            try:
                await store.redeem_code(f"code-{number}", NOW, accept_unused_code, Minter())
            except CredentialReused:
                return "reused"
            return "ok"

        outcomes = await asyncio.gather(*(redeem() for _ in range(8)))
        assert sorted(outcomes) == ["ok"] + ["reused"] * 7


async def test_a_used_code_is_never_redeemed_again_whatever_the_check_says(
    store: Store,
) -> None:
    """The store itself refuses: a check that approves a used code (as one that ran before
    another request's commit would) still gets CredentialReused."""
    await issued_family(store)
    minter = Minter()
    with pytest.raises(CredentialReused):
        await store.redeem_code("code-1", NOW, lambda record: None, minter)
    assert minter.calls == 0


# Codes whose grant is named after them (grant_id_for_code), as the engine issues them ----------

CODE = (
    "ory_ac_j0Mf3sQ0x5Yk2nq7zvTqDgC8WbqzL5Wm1RrY7yAaHh4.Qf3vZk1p8dC0aSx2bN6mT9rL4wE7yU1iO3pH5jK8gXw"
)


def named_grant(code: str = CODE) -> Grant:
    return replace(grant(), id=grant_id_for_code(code))


async def test_a_code_named_grant_is_found_redeemed_once_and_then_reuse(store: Store) -> None:
    await store.add_code(CodeRecord(CODE, named_grant(), NOW + CODE_TTL), NOW)
    assert await store.find_code(CODE) == CodeRecord(CODE, named_grant(), NOW + CODE_TTL)
    assert await store.find_code(CODE[:-1] + "A") is None  # another value: not its code
    tokens = await store.redeem_code(CODE, NOW, accept_unused_code, Minter())
    assert [token.grant for token in tokens] == [named_grant(), named_grant()]
    with pytest.raises(CredentialReused) as reused:
        await store.redeem_code(CODE, NOW + 1, accept_unused_code, Minter())
    assert reused.value.grant_id == grant_id_for_code(CODE)


async def test_a_used_code_is_traced_to_its_grant_long_after_it_expired(store: Store) -> None:
    """RFC 6749 4.1.2: presented again, a used code ends what it issued, however late."""
    await store.add_code(CodeRecord(CODE, named_grant(), NOW + CODE_TTL), NOW)
    tokens = await store.redeem_code(CODE, NOW, accept_unused_code, Minter())
    later = NOW + ACCESS_TTL - 1  # the code long expired, its tokens still live
    await store.purge(later)
    used = await store.find_code(CODE)
    assert used == CodeRecord(CODE, named_grant(), NOW + CODE_TTL, redeemed=True)
    with pytest.raises(CredentialReused) as reused:
        await store.redeem_code(CODE, later, accept_unused_code, Minter())
    await store.revoke_family(reused.value.grant_id)
    for token in tokens:
        record = await store.find_token(token.value)
        assert record is not None and record.state is TokenState.REVOKED, token.kind


async def test_a_named_code_never_redeemed_is_unknown_once_expired(store: Store) -> None:
    seen: list[CodeRecord | None] = []

    def check(record: CodeRecord | None) -> None:
        seen.append(record)
        accept_unused_code(record)

    await store.add_code(CodeRecord(CODE, named_grant(), NOW + CODE_TTL), NOW)
    await store.purge(NOW + CODE_TTL)
    with pytest.raises(Refused):
        await store.redeem_code(CODE, NOW + CODE_TTL, check, Minter())
    assert seen == [None]
    assert await store.find_code(CODE) is None


# Refresh tokens -------------------------------------------------------------------------------


async def test_rotation_retires_the_old_pair_and_adds_the_new(store: Store) -> None:
    first = await issued_family(store)
    second = await store.rotate_refresh(
        first[1].value, NOW + 10, accept_active_token, Minter(NOW + 10)
    )
    old_access, old_refresh = [await store.find_token(token.value) for token in first]
    assert old_access is not None and old_access.state is TokenState.REVOKED
    assert old_refresh is not None and old_refresh.state is TokenState.ROTATED
    for token in second:
        held = await store.find_token(token.value)
        assert held is not None and held.is_live(NOW + 10)
        assert held.grant == grant()


async def test_presenting_a_rotated_refresh_token_is_reuse(store: Store) -> None:
    first = await issued_family(store)
    await store.rotate_refresh(first[1].value, NOW, accept_active_token, Minter())
    with pytest.raises(CredentialReused) as reused:
        await store.rotate_refresh(first[1].value, NOW, accept_active_token, Minter())
    assert reused.value.grant_id == "grant-1"
    # The check is the engine's; without it the store still refuses to rotate twice.
    with pytest.raises(CredentialReused):
        await store.rotate_refresh(first[1].value, NOW, accept, Minter())


async def test_of_concurrent_rotations_exactly_one_succeeds(store: Store) -> None:
    first = await issued_family(store)

    async def rotate() -> str:
        try:
            await store.rotate_refresh(first[1].value, NOW, accept_active_token, Minter())
        except CredentialReused:
            return "reused"
        return "ok"

    outcomes = await asyncio.gather(*(rotate() for _ in range(8)))
    assert sorted(outcomes) == ["ok"] + ["reused"] * 7


async def test_a_long_chain_keeps_only_the_newest_retired_tokens(store: Store) -> None:
    cap = store.limits.max_retired_tokens
    tokens = list(await issued_family(store))
    chain = [tokens]
    for step in range(cap):  # each rotation retires two tokens
        tokens = list(
            await store.rotate_refresh(tokens[1].value, NOW + step, accept_active_token, Minter())
        )
        chain.append(tokens)
    retired = [token for pair in chain[:-1] for token in pair]
    kept, forgotten = retired[-cap:], retired[:-cap]
    assert forgotten  # the cap was reached
    for token in forgotten:
        assert await store.find_token(token.value) is None, token.value
    for token in kept:
        held = await store.find_token(token.value)
        assert held is not None and held.state is not TokenState.ACTIVE, token.value
    for token in chain[-1]:
        held = await store.find_token(token.value)
        assert held is not None and held.is_live(NOW + cap)


async def test_revoking_a_family_ends_its_tokens_and_its_refresh(store: Store) -> None:
    first = await issued_family(store)
    other = await issued_family(store, 2)
    second = await store.rotate_refresh(first[1].value, NOW, accept_active_token, Minter())
    await store.revoke_family("grant-1")
    await store.revoke_family("grant-unknown")  # no such family: nothing happens
    states = []
    for token in (*first, *second):
        record = await store.find_token(token.value)
        assert record is not None
        states.append(record.state)
    assert states == [
        TokenState.REVOKED,
        TokenState.ROTATED,  # still recognisable as reuse
        TokenState.REVOKED,
        TokenState.REVOKED,
    ]
    with pytest.raises(Refused):
        await store.rotate_refresh(second[1].value, NOW, accept_active_token, Minter())
    for token in other:  # another family is untouched
        held = await store.find_token(token.value)
        assert held is not None and held.is_live(NOW)


async def test_revoking_for_reuse_also_ends_the_reused_token(store: Store) -> None:
    """Hydra deletes a reused refresh token: presented again it is no longer "used"."""
    first = await issued_family(store)
    other = await issued_family(store, 2)
    await store.rotate_refresh(first[1].value, NOW, accept_active_token, Minter())
    await store.revoke_family("grant-1", first[1].value)
    await store.revoke_family("grant-1", other[1].value)  # not this family's: untouched
    reused = await store.find_token(first[1].value)
    assert reused is not None and reused.state is TokenState.REVOKED
    with pytest.raises(Refused):
        await store.rotate_refresh(first[1].value, NOW, accept_active_token, Minter())
    untouched = await store.find_token(other[1].value)
    assert untouched is not None and untouched.is_live(NOW)


async def test_a_family_without_a_code(store: Store) -> None:
    tokens = Minter(refresh=False)(grant(7))
    await store.add_grant(grant(7), tokens, NOW)
    held = await store.find_token(tokens[0].value)
    assert held is not None and held.is_live(NOW) and held.grant == grant(7)
    await store.revoke_family("grant-7")
    held = await store.find_token(tokens[0].value)
    assert held is not None and held.state is TokenState.REVOKED


# Expiry ---------------------------------------------------------------------------------------


async def test_an_unredeemed_code_is_forgotten_after_it_expires(store: Store) -> None:
    await store.add_code(CodeRecord("code-1", grant(), NOW + CODE_TTL), NOW)
    await store.purge(NOW + CODE_TTL - 1)
    assert await store.find_code("code-1") is not None
    await store.purge(NOW + CODE_TTL)
    assert await store.find_code("code-1") is None


async def test_a_used_code_answers_used_while_its_family_lives(store: Store) -> None:
    first = await issued_family(store)
    later = NOW + CODE_TTL + 60  # the code itself has expired
    await store.purge(later)
    with pytest.raises(CredentialReused):
        await store.redeem_code("code-1", later, accept_unused_code, Minter())
    assert (await store.find_token(first[0].value)) is not None


async def test_a_family_is_forgotten_once_all_its_tokens_are_past_retention(
    store: Store,
) -> None:
    first = await issued_family(store)
    end = NOW + REFRESH_TTL + EXPIRED_REFRESH_RETENTION
    await store.purge(end - 1)
    expired = await store.find_token(first[1].value)
    assert expired is not None and not expired.is_live(end - 1)  # kept to answer "expired"
    await store.purge(end)
    assert await store.find_token(first[0].value) is None
    assert await store.find_token(first[1].value) is None
    assert await store.find_code("code-1") is None


async def test_a_rotation_extends_the_family(store: Store) -> None:
    first = await issued_family(store)
    later = NOW + REFRESH_TTL - 10
    second = await store.rotate_refresh(first[1].value, later, accept_active_token, Minter(later))
    await store.purge(NOW + REFRESH_TTL + EXPIRED_REFRESH_RETENTION)
    assert await store.find_token(second[1].value) is not None
    assert await store.find_code("code-1") is not None  # still answers "used"


# Pending authorizations and sessions --------------------------------------------------------


def pending(number: int, expires_at: float = NOW + 3600) -> PendingAuthorization:
    request = AuthorizationRequest(
        client=ClientConfig("app", ("http://127.0.0.1/cb",), ("account.read",), "secret"),
        redirect_uri="http://127.0.0.1/cb",
        requested_redirect_uri=None,
        scopes=("account.read",),
        state="state-1234",
        code_challenge=None,
        code_challenge_method=None,
        nonce=None,
        login_hint="dev@example.com",
        issuer="http://mock",
        response_mode="fragment",
        prompt=frozenset({"login", "consent"}),
        max_age=60,
        acr_values="1",
        audience=("https://api.example.com",),
        requested_at=NOW - 1,
    )
    return PendingAuthorization(f"pending-{number}", f"csrf-{number}", request, expires_at)


async def test_a_pending_authorization_logs_in_and_is_taken_once(store: Store) -> None:
    await store.add_pending(pending(1), NOW)
    assert await store.find_pending("pending-1", NOW) == pending(1)
    logged_in = await store.log_in_pending("pending-1", "user-1", NOW + 5, "session-1")
    assert logged_in is not None
    assert (logged_in.subject, logged_in.auth_time, logged_in.session_id) == (
        "user-1",
        NOW + 5,
        "session-1",
    )
    assert await store.find_pending("pending-1", NOW) == logged_in
    taken = await asyncio.gather(*(store.take_pending("pending-1", NOW) for _ in range(4)))
    assert [item for item in taken if item is not None] == [logged_in]
    assert await store.find_pending("pending-1", NOW) is None
    assert await store.log_in_pending("pending-1", "user-1", NOW, "session-2") is None


async def test_an_expired_pending_authorization_is_gone(store: Store) -> None:
    await store.add_pending(pending(1, expires_at=NOW + 10), NOW)
    assert await store.find_pending("pending-1", NOW + 10) is None
    assert await store.take_pending("pending-1", NOW + 10) is None


async def test_pending_authorizations_are_capped_oldest_first(store: Store) -> None:
    cap = store.limits.max_pending_authorizations
    for number in range(cap + 2):
        await store.add_pending(pending(number), NOW + number)
    assert await store.find_pending("pending-0", NOW) is None
    assert await store.find_pending("pending-1", NOW) is None
    for number in range(2, cap + 2):
        assert await store.find_pending(f"pending-{number}", NOW) is not None


async def test_sessions_expire_and_are_capped_oldest_first(store: Store) -> None:
    cap = store.limits.max_sessions
    for number in range(cap + 1):
        await store.add_session(Session(f"s-{number}", "user-1", NOW, NOW + 100), NOW)
    assert await store.find_session("s-0", NOW) is None
    assert await store.find_session(f"s-{cap}", NOW) == Session(
        f"s-{cap}", "user-1", NOW, NOW + 100
    )
    assert await store.find_session(f"s-{cap}", NOW + 100) is None


async def test_live_sessions_are_listed_and_a_session_can_end(store: Store) -> None:
    await store.add_session(Session("s-1", "user-1", NOW, NOW + 100), NOW)
    await store.add_session(Session("s-2", "user-2", NOW, NOW + 50), NOW)
    assert {s.id for s in await store.live_sessions(NOW)} == {"s-1", "s-2"}
    assert [s.id for s in await store.live_sessions(NOW + 60)] == ["s-1"]
    await store.end_session("s-1")
    await store.end_session("s-unknown")
    assert await store.find_session("s-1", NOW) is None
    assert [s.id for s in await store.live_sessions(NOW)] == ["s-2"]


# What a restart keeps, and reset -------------------------------------------------------------


async def test_the_signing_key_is_made_once(store: Store) -> None:
    assert await store.signing_key(lambda: "first") == "first"
    assert await store.signing_key(lambda: "second") == "first"


async def test_added_clients_and_users_are_listed_in_order(store: Store) -> None:
    assert await store.entries_after(0) == []
    await store.add_entry("client", {"client_id": "a", "scopes": ["x"]})
    await store.add_entry("client", {"client_id": "b"})
    await store.add_entry("user", {"email": "u@example.com", "password": "p"})
    entries = await store.entries_after(0)
    assert [(kind, entry) for _, kind, entry in entries] == [
        ("client", {"client_id": "a", "scopes": ["x"]}),
        ("client", {"client_id": "b"}),
        ("user", {"email": "u@example.com", "password": "p"}),
    ]
    numbers = [number for number, _, _ in entries]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert await store.entries_after(numbers[1]) == entries[2:]


async def test_clear_forgets_everything_but_the_signing_key(store: Store) -> None:
    first = await issued_family(store)
    await store.add_pending(pending(1), NOW)
    await store.add_session(Session("s-1", "user-1", NOW, NOW + 100), NOW)
    await store.add_entry("client", {"client_id": "a"})
    key = await store.signing_key(lambda: "key")
    await store.clear()
    assert await store.find_token(first[0].value) is None
    assert await store.find_code("code-1") is None
    assert await store.find_pending("pending-1", NOW) is None
    assert await store.find_session("s-1", NOW) is None
    assert await store.entries_after(0) == []
    assert await store.signing_key(lambda: "other") == key


# Expiry after a clock jump -----------------------------------------------------------------


async def test_after_a_clock_jump_every_record_past_its_deadline_reads_as_gone(
    store: Store,
) -> None:
    # The memory store drops only a few due records per write; what it has not dropped yet
    # must answer exactly as if it had.
    for number in range(1, 201):
        await store.add_code(CodeRecord(f"code-{number}", grant(number), NOW + CODE_TTL), NOW)
    await store.add_code(CodeRecord("code-late", grant(999), NOW + 2 * CODE_TTL), NOW)
    later = NOW + CODE_TTL
    await store.add_session(Session("s-1", "user-1", later, later + 100), later)  # one write
    for number in range(1, 201):
        assert await store.find_code(f"code-{number}") is None, number
    assert await store.find_code("code-late") is not None
    assert await store.find_session("s-1", later) is not None


async def test_records_added_after_the_clock_went_back_live_by_the_new_time(
    store: Store,
) -> None:
    await store.purge(NOW + 10 * CODE_TTL)  # the clock was far ahead, then reset
    await store.add_code(CodeRecord("code-1", grant(), NOW + CODE_TTL), NOW)
    await store.add_pending(pending(1, expires_at=NOW + 10), NOW)
    assert await store.find_code("code-1") is not None
    assert await store.find_pending("pending-1", NOW) is not None
