"""Authorization codes at the token endpoint: binding, single use, races, lifetime (S37-S42)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from frameio_oauth_mock.conformance.model import Level, Verdict
from frameio_oauth_mock.conformance.server.checks.redirects import variants
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    code_pairs,
    issued,
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


def _must_be_invalid_grant(label: str, call: Call) -> Case:
    return grant_refusal(label, call)


@check("S37", "A code is bound to its client", ("RFC 6749 4.1.3", "RFC 6749 10.5"), Level.MUST)
def code_bound_to_client(ctx: ServerContext) -> Verdict:
    owner = ctx.primary
    thief = ctx.other_client(owner)
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


@check("S41", "Concurrent redemptions of one code: only one succeeds", "RFC 6749 4.1.2", Level.MUST)
def redemption_race(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    got = obtain_code(ctx, client)
    count = ctx.target.options.race_requests
    barrier = threading.Barrier(count)
    options = ctx.target.options
    pairs = code_pairs(got)

    def attempt(_: int) -> Call:
        # One connection each, released together, so the requests really overlap.
        http = Http(ctx.redactor, options.timeout, options.verify_tls)
        try:
            barrier.wait(timeout=options.timeout)
            return token_call(ctx, client, pairs, http=http)
        finally:
            http.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        calls = list(pool.map(attempt, range(count)))
    winners = [call for call in calls if issued(call)]
    if len(winners) == 1:
        losers = [call for call in calls if not issued(call)]
        evidence = [winners[0].evidence("the one success")]
        evidence += [losers[0].evidence("one of the refusals")] if losers else []
        return Verdict.passed(f"1 of {count} concurrent redemptions succeeded", *evidence)
    if not winners:
        return Verdict.errored(
            f"none of {count} concurrent redemptions succeeded", calls[0].evidence()
        )
    return Verdict.failed(
        f"{len(winners)} of {count} concurrent redemptions succeeded",
        *(call.evidence() for call in winners[:3]),
    )


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
