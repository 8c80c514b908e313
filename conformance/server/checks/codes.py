"""Authorization codes at the token endpoint: binding, single use, races, lifetime (S37-S42),
and the same race for a rotating refresh token (S65)."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from frameio_oauth_mock.conformance.model import Level, Verdict
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.checks.redirects import variants
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    Pairs,
    code_pairs,
    error_code,
    issued,
    need_refresh_token,
    obtain_code,
    obtain_tokens,
    probe_access_token,
    redeem,
    refresh,
    token_call,
)
from frameio_oauth_mock.conformance.server.grading import Case, grade, grant_refusal
from frameio_oauth_mock.conformance.server.http import Call, Http
from frameio_oauth_mock.conformance.server.table import check
from frameio_oauth_mock.conformance.server.target import ClientSpec


def _must_be_invalid_grant(label: str, call: Call) -> Case:
    return grant_refusal(label, call)


@check("S37", "A code is bound to its client", ("RFC 6749 4.1.3", "RFC 6749 10.5"), Level.MUST)
def code_bound_to_client(ctx: ServerContext) -> Verdict:
    owner = ctx.primary
    thief = ctx.other_client(owner)
    controls.require(ctx, owner, "tokens")
    got = obtain_code(ctx, owner)
    call = redeem(ctx, got, client=thief)
    return grade(
        [_must_be_invalid_grant(f"{owner.client_id}'s code by {thief.client_id}", call)], "refused"
    )


@check(
    "S38",
    "redirect_uri at the token endpoint must match the authorization request",
    ("RFC 6749 4.1.3", "RFC 6749 10.6"),
    Level.MUST,
)
def redirect_uri_at_token(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client, "tokens")
    others = [uri for uri in client.redirect_uris[1:]] or [variants(client.redirect_uri)[0][1]]
    got = obtain_code(ctx, client)
    cases = [
        _must_be_invalid_grant("different redirect_uri", redeem(ctx, got, redirect_uri=others[0]))
    ]
    got = obtain_code(ctx, client)
    cases.append(
        _must_be_invalid_grant("missing redirect_uri", redeem(ctx, got, redirect_uri=None))
    )
    return grade(cases, "refused")


@check(
    "S39",
    "A code is single-use (again at once and after a delay)",
    ("RFC 6749 4.1.2", "RFC 6749 10.5"),
    Level.MUST,
)
def single_use(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    got = obtain_code(ctx, client)
    first = redeem(ctx, got)
    if not issued(first):
        return Verdict.errored("the first redemption failed", first.evidence())
    cases = [_must_be_invalid_grant("second redemption at once", redeem(ctx, got))]
    delay = ctx.target.options.code_reuse_delay
    time.sleep(delay)
    cases.append(_must_be_invalid_grant(f"third redemption after {delay:g}s", redeem(ctx, got)))
    return grade(cases, "reuse refused")


@check(
    "S40",
    "Code reuse revokes the tokens issued from it",
    ("RFC 6749 4.1.2", "RFC 6749 10.5", "RFC 9700 4.2.4"),
    Level.SHOULD,
)
def reuse_revokes(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    tokens = obtain_tokens(ctx, client)
    before = probe_access_token(ctx, client, tokens.access_token)
    reuse = redeem(ctx, tokens.authorization)
    if issued(reuse):
        return Verdict.failed("the code was redeemed twice (see S39)", reuse.evidence())
    after = probe_access_token(ctx, client, tokens.access_token)
    evidence = [reuse.evidence("the reuse")]
    if after.active is not None and before.active:
        assert after.call is not None
        evidence.append(after.call.evidence(f"the access token afterwards, by {after.how}"))
        if after.active:
            return Verdict.warned(
                "the access token still works after the code was reused", *evidence
            )
        return Verdict.passed(f"the access token was revoked ({after.how})", *evidence)
    if tokens.refresh_token:
        call = refresh(ctx, client, tokens.refresh_token)
        evidence.append(call.evidence("the refresh token afterwards"))
        if issued(call):
            return Verdict.warned(
                "the refresh token still works after the code was reused", *evidence
            )
        return Verdict.passed("the refresh token was revoked", *evidence)
    return Verdict.not_decidable(
        "no way to see whether the tokens were revoked: no introspection, resource or userinfo "
        "endpoint accepted the token, and no refresh token was issued",
        *evidence,
    )


def concurrent_calls(ctx: ServerContext, client: ClientSpec, pairs: Pairs) -> list[Call]:
    """`race_requests` identical token requests, one connection each, released together so
    they really overlap."""
    options = ctx.target.options
    count = options.race_requests
    barrier = threading.Barrier(count)

    def attempt(_: int) -> Call:
        http = Http(ctx.redactor, options.timeout, options.verify_tls)
        try:
            barrier.wait(timeout=options.timeout)
            return token_call(ctx, client, pairs, http=http)
        finally:
            http.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


@dataclass
class RaceRounds:
    """How the rounds of a race went: successes per round, and the calls of the worst one."""

    wins: list[int]
    worst: list[Call]
    first_refusal: Call | None

    @property
    def doubled(self) -> int:
        return sum(1 for won in self.wins if won > 1)


def race_rounds(ctx: ServerContext, client: ClientSpec, prepare: Callable[[], Pairs]) -> RaceRounds:
    """`race_rounds` rounds: each prepares a fresh grant (`prepare` returns the token
    request's pairs) and sends it `race_requests` times at once."""
    result = RaceRounds([], [], None)
    for _ in range(ctx.target.options.race_rounds):
        calls = concurrent_calls(ctx, client, prepare())
        winners = [call for call in calls if issued(call)]
        result.wins.append(len(winners))
        if len(winners) > len(result.worst):
            result.worst = winners
        if result.first_refusal is None:
            result.first_refusal = next((call for call in calls if not issued(call)), None)
    return result


def race_verdict(rounds: RaceRounds, what: str, count: int) -> Verdict:
    total = len(rounds.wins)
    if rounds.doubled:
        return Verdict.failed(
            f"{rounds.doubled} of {total} rounds had more than one success ({what}; at most "
            f"{max(rounds.wins)} of {count} concurrent requests succeeded in one round)",
            *(call.evidence("one of the successes in one round") for call in rounds.worst[:3]),
        )
    empty = rounds.wins.count(0)
    if empty == total:
        # Not one success in any round: the race says nothing (the positive control failed).
        refusal = rounds.first_refusal
        return Verdict.not_decidable(
            f"precondition failed: none of {count} concurrent requests succeeded in any of "
            f"{total} rounds ({what})",
            *((refusal.evidence(),) if refusal else ()),
        )
    evidence = [call.evidence("the one success") for call in rounds.worst[:1]]
    if rounds.first_refusal is not None:
        evidence.append(rounds.first_refusal.evidence("one of the refusals"))
    note = f" ({empty} rounds had no success at all)" if empty else ""
    return Verdict.passed(
        f"0 of {total} rounds had more than one success: exactly 1 of {count} concurrent "
        f"requests won in each round{note} ({what})",
        *evidence,
    )


@check("S41", "Concurrent redemptions of one code: only one succeeds", "RFC 6749 4.1.2", Level.MUST)
def redemption_race(ctx: ServerContext) -> Verdict:
    client = ctx.primary

    def fresh_code() -> Pairs:
        return code_pairs(obtain_code(ctx, client))

    rounds = race_rounds(ctx, client, fresh_code)
    verdict = race_verdict(rounds, "one code per round", ctx.target.options.race_requests)
    if rounds.doubled:
        # RFC 6749 10.5 asks that tokens from a code used twice be revoked: are the tokens
        # the round's winners got all still live (the worst case), or were they revoked?
        probes = [
            probe_access_token(ctx, client, str((call.json() or {}).get("access_token", "")))
            for call in rounds.worst
        ]
        seen = [probe for probe in probes if probe.active is not None]
        if seen:
            live = sum(1 for probe in seen if probe.active)
            verdict = dataclasses.replace(
                verdict,
                summary=f"{verdict.summary}; afterwards {live} of {len(seen)} access tokens "
                f"won in that round still work ({seen[0].how})",
            )
    return verdict


@check(
    "S65",
    "Concurrent use of one rotating refresh token: only one succeeds",
    ("RFC 9700 4.14.2", "RFC 6749 6"),
    Level.MUST,
)
def refresh_race(ctx: ServerContext) -> Verdict:
    client = ctx.public or ctx.primary
    tokens = need_refresh_token(ctx, client)
    old = tokens.refresh_token or ""
    first = refresh(ctx, client, old)
    if not issued(first):
        return Verdict.not_decidable(
            f"precondition failed: {client.client_id}'s own refresh token was refused "
            f"({error_code(first)})",
            first.evidence(),
        )
    again = refresh(ctx, client, old)
    if issued(again):
        return Verdict.not_applicable(
            "refresh tokens are reusable (the old one worked again after a refresh), so "
            "concurrent use is not a race against single use",
            again.evidence(),
        )

    def fresh_refresh_token() -> Pairs:
        token = need_refresh_token(ctx, client).refresh_token or ""
        return [("grant_type", "refresh_token"), ("refresh_token", token)]

    rounds = race_rounds(ctx, client, fresh_refresh_token)
    return race_verdict(rounds, "one refresh token per round", ctx.target.options.race_requests)


@check(
    "S42",
    "Codes are short-lived (10 minutes at most recommended)",
    ("RFC 6749 4.1.2", "RFC 6749 10.5"),
    Level.SHOULD,
)
def code_lifetime(ctx: ServerContext) -> Verdict:
    wait = ctx.target.options.code_expiry_wait
    if wait <= 0:
        return Verdict.not_decidable(
            "needs waiting out the code's lifetime; set options.code_expiry_wait (e.g. 601) "
            "to decide"
        )
    controls.require(ctx, ctx.primary, "tokens")
    got = obtain_code(ctx, ctx.primary)
    time.sleep(wait)
    call = redeem(ctx, got)
    if not issued(call):
        return Verdict.passed(f"the code had expired after {wait:g}s", call.evidence())
    if wait > 600:
        return Verdict.warned(f"the code still worked after {wait:g}s", call.evidence())
    return Verdict.not_decidable(
        f"the code still worked after {wait:g}s (within 10 minutes)", call.evidence()
    )
