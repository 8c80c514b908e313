"""Authorization codes at the token endpoint: binding, single use, races, lifetime (S37-S42),
and the same race for a rotating refresh token (S65)."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from frameio_oauth_mock.conformance.model import (
    Exchange,
    Inconclusive,
    Level,
    Verdict,
    not_applicable,
    not_decidable,
)
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.checks.redirects import variants
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    Pairs,
    Probe,
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
    """How the rounds of a race went: successes per round, the calls of the worst round and
    the request it sent (to present its code or refresh token once more, for S72)."""

    wins: list[int]
    worst: list[Call]
    worst_pairs: Pairs
    first_refusal: Call | None

    @property
    def doubled(self) -> int:
        return sum(1 for won in self.wins if won > 1)


def race_rounds(ctx: ServerContext, client: ClientSpec, prepare: Callable[[], Pairs]) -> RaceRounds:
    """`race_rounds` rounds: each prepares a fresh grant (`prepare` returns the token
    request's pairs) and sends it `race_requests` times at once."""
    result = RaceRounds([], [], [], None)
    for _ in range(ctx.target.options.race_rounds):
        pairs = prepare()
        calls = concurrent_calls(ctx, client, pairs)
        winners = [call for call in calls if issued(call)]
        for call in winners:
            body = call.json() or {}
            ctx.redactor.add(str(body.get("access_token", "")) or None)
            ctx.redactor.add(str(body.get("refresh_token", "")) or None)
        result.wins.append(len(winners))
        if len(winners) > len(result.worst):
            result.worst, result.worst_pairs = winners, pairs
        if result.first_refusal is None:
            result.first_refusal = next((call for call in calls if not issued(call)), None)
    return result


def race_verdict(rounds: RaceRounds, what: str, count: int) -> Verdict:
    total = len(rounds.wins)
    if rounds.doubled:
        return Verdict.failed(
            f"{rounds.doubled} of {total} rounds had more than one success ({what}; at most "
            f"{max(rounds.wins)} of {count} concurrent requests succeeded in one round; "
            "S72 judges the tokens they won)",
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


def code_race(ctx: ServerContext) -> RaceRounds:
    """S41's rounds, run once per run (S72 judges the tokens they handed out)."""
    rounds = ctx.cache.get("race:code")
    if not isinstance(rounds, RaceRounds):
        client = ctx.primary

        def fresh_code() -> Pairs:
            return code_pairs(obtain_code(ctx, client))

        rounds = ctx.cache["race:code"] = race_rounds(ctx, client, fresh_code)
    return rounds


@check("S41", "Concurrent redemptions of one code: only one succeeds", "RFC 6749 4.1.2", Level.MUST)
def redemption_race(ctx: ServerContext) -> Verdict:
    rounds = code_race(ctx)
    return race_verdict(rounds, "one code per round", ctx.target.options.race_requests)


def refresh_race_client(ctx: ServerContext) -> ClientSpec:
    return ctx.public or ctx.primary


def refresh_race(ctx: ServerContext) -> RaceRounds:
    """S65's rounds, once per run, after making sure refresh tokens rotate (raises
    Inconclusive when there are none, or they are reusable: then there is no race)."""
    rounds = ctx.cache.get("race:refresh")
    if isinstance(rounds, RaceRounds):
        return rounds
    if isinstance(rounds, Inconclusive):
        raise rounds
    try:
        rounds = ctx.cache["race:refresh"] = _run_refresh_race(ctx)
    except Inconclusive as stop:
        ctx.cache["race:refresh"] = stop
        raise
    return rounds


def _run_refresh_race(ctx: ServerContext) -> RaceRounds:
    client = refresh_race_client(ctx)
    tokens = need_refresh_token(ctx, client)
    old = tokens.refresh_token or ""
    first = refresh(ctx, client, old)
    if not issued(first):
        raise not_decidable(
            f"precondition failed: {client.client_id}'s own refresh token was refused "
            f"({error_code(first)})",
            first.evidence(),
        )
    again = refresh(ctx, client, old)
    if issued(again):
        raise not_applicable(
            "refresh tokens are reusable (the old one worked again after a refresh), so "
            "concurrent use is not a race against single use",
            again.evidence(),
        )

    def fresh_refresh_token() -> Pairs:
        token = need_refresh_token(ctx, client).refresh_token or ""
        return [("grant_type", "refresh_token"), ("refresh_token", token)]

    return race_rounds(ctx, client, fresh_refresh_token)


@check(
    "S65",
    "Concurrent use of one rotating refresh token: only one succeeds",
    ("RFC 9700 4.14.2", "RFC 6749 6"),
    Level.MUST,
)
def refresh_race_check(ctx: ServerContext) -> Verdict:
    rounds = refresh_race(ctx)
    return race_verdict(rounds, "one refresh token per round", ctx.target.options.race_requests)


# Redeemed this long after the configured lifetime: the server's clock and ours tick alike,
# but a lifetime checked with ">" rather than ">=" must not be failed for a few milliseconds.
EXPIRY_MARGIN = 1.0


def _wait_for(ctx: ServerContext, seconds: float, option: str) -> None:
    """Sleep `seconds`, unless that is longer than options.max_wait (not decidable)."""
    bound = ctx.target.options.max_wait
    if seconds > bound:
        raise not_decidable(
            f"needs a wait of {seconds:g}s ({option}), longer than options.max_wait ({bound:g}s)"
        )
    time.sleep(seconds)


def _redeem_after(ctx: ServerContext, wait: float, option: str) -> tuple[Call, Call]:
    """A code redeemed `wait` seconds after it was issued, and the positive control after
    the wait: a code obtained then and redeemed at once, which must work, so a refusal of
    the old one is about its age, not a server that stopped issuing."""
    client = ctx.primary
    controls.require(ctx, client, "tokens")
    got = obtain_code(ctx, client)
    _wait_for(ctx, wait, option)
    late = redeem(ctx, got)
    return late, _fresh_code_works(ctx, client, wait)


def _fresh_code_works(ctx: ServerContext, client: ClientSpec, wait: float) -> Call:
    call = redeem(ctx, obtain_code(ctx, client))
    if not issued(call):
        raise not_decidable(
            f"precondition failed: after the {wait:g}s wait a fresh code redeemed at once was "
            f"refused too ({call.status} {error_code(call)})",
            call.evidence("a fresh code, redeemed at once"),
        )
    return call


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
    call, control = _redeem_after(ctx, wait, "code_expiry_wait")
    if not issued(call):
        return Verdict.passed(
            f"the code had expired after {wait:g}s",
            call.evidence(),
            control.evidence("a fresh code, redeemed at once"),
        )
    if wait > 600:
        return Verdict.warned(f"the code still worked after {wait:g}s", call.evidence())
    return Verdict.not_decidable(
        f"the code still worked after {wait:g}s (within 10 minutes)", call.evidence()
    )


@check(
    "S73",
    "A code is refused once the lifetime the server is configured with has passed",
    ("RFC 6749 4.1.2", "RFC 6749 10.5"),
    Level.MUST,
)
def configured_code_expiry(ctx: ServerContext) -> Verdict:
    lifetime = ctx.target.options.code_lifetime
    if lifetime <= 0:
        return Verdict.not_decidable(
            "needs the code lifetime the server is configured with; set options.code_lifetime "
            "(seconds) to decide"
        )
    wait = lifetime + EXPIRY_MARGIN
    late, control = _redeem_after(ctx, wait, "code_lifetime + 1s")
    verdict = grade(
        [grant_refusal(f"a code redeemed {wait:g}s after it was issued", late)],
        f"expired (configured lifetime {lifetime:g}s)",
    )
    evidence = (*verdict.evidence, control.evidence("a fresh code, redeemed at once: works"))
    return dataclasses.replace(verdict, evidence=evidence)


def _still_works(ctx: ServerContext, client: ClientSpec, body: dict[str, Any]) -> Probe:
    """Does the token a race winner got still work? Its access token (introspection or a
    resource), else its refresh token (refreshed: a new token means it still works)."""
    probe = probe_access_token(ctx, client, str(body.get("access_token", "")))
    if probe.active is not None:
        return probe
    token = body.get("refresh_token")
    if isinstance(token, str) and token:
        call = refresh(ctx, client, token)
        return Probe(issued(call), call, "refresh")
    return probe


@dataclass
class Liveness:
    what: str
    client: ClientSpec
    live: int
    seen: int
    evidence: list[Exchange]


def _winners_afterwards(
    ctx: ServerContext, client: ClientSpec, rounds: RaceRounds, what: str
) -> Liveness:
    """Present the worst round's grant once more (a reuse the server cannot miss), then see
    which of the tokens that round's winners got still work."""
    reuse = token_call(ctx, client, rounds.worst_pairs)
    result = Liveness(what, client, 0, 0, [reuse.evidence(f"the {what} presented once more")])
    for body in (call.json() or {} for call in rounds.worst):
        probe = _still_works(ctx, client, body)
        if probe.active is None or probe.call is None:
            continue
        result.seen += 1
        result.live += int(probe.active)
        if len(result.evidence) < 4:
            state = "still works" if probe.active else "revoked"
            note = f"a winner's token, by {probe.how}: {state}"
            result.evidence.append(probe.call.evidence(note))
    return result


@check(
    "S72",
    "Tokens won twice in a race are all revoked once the reuse is seen",
    ("RFC 6749 4.1.2", "RFC 6749 10.5", "RFC 9700 4.14.2"),
    Level.SHOULD,
)
def race_winners_revoked(ctx: ServerContext) -> Verdict:
    """After a round of S41 or S65 with several winners: the code (or refresh token) was
    used more than once, and the tokens it gave should all go (Hydra's rule: a reused code
    revokes every token issued from it). All revoked passes; any still working warns."""
    races: list[tuple[str, ClientSpec, RaceRounds]] = []
    skipped = []
    rounds = code_race(ctx)
    if rounds.doubled:
        races.append(("code", ctx.primary, rounds))
    try:
        refreshes = refresh_race(ctx)
    except Inconclusive as stop:
        skipped.append(f"refresh race: {stop.verdict.summary}")
    else:
        if refreshes.doubled:
            races.append(("refresh token", refresh_race_client(ctx), refreshes))
    if not races:
        why = "; ".join(skipped)
        return Verdict.not_applicable(
            "no round of the code race (S41) or the refresh race (S65) had more than one "
            f"success: no tokens were won twice{f' ({why})' if why else ''}"
        )
    found = [_winners_afterwards(ctx, client, rounds, what) for what, client, rounds in races]
    evidence = [exchange for liveness in found for exchange in liveness.evidence]
    seen = [liveness for liveness in found if liveness.seen]
    if not seen:
        return Verdict.not_decidable(
            "no way to see whether the winners' tokens still work: no introspection, resource "
            "or userinfo endpoint judged them and no refresh token was issued",
            *evidence,
        )
    parts = [
        f"{liveness.live} of {liveness.seen} tokens won in one {liveness.what} round still work "
        f"after the {liveness.what} was presented once more"
        for liveness in seen
    ]
    if any(liveness.live for liveness in seen):
        return Verdict.warned("; ".join(parts), *evidence)
    # Every token is dead: only evidence if the same probe sees an honest token as live.
    client = seen[0].client
    fresh = obtain_tokens(ctx, client)
    control = _still_works(ctx, client, fresh.body)
    if not control.active or control.call is None:
        return Verdict.not_decidable(
            "precondition failed: the probe does not see a freshly issued token as working "
            "either, so 'revoked' means nothing",
            *evidence,
        )
    evidence.append(control.call.evidence(f"a fresh token, by {control.how}: works"))
    return Verdict.passed("; ".join(parts), *evidence)
