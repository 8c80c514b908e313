"""Positive controls: a refusal is evidence only if the honest request succeeds.

A check that asserts "this variant gets no code" (or no token) proves nothing when no code
can be had at all: a wrong test password, a login hook that gives up, a client the server
does not know. So before such a check may pass, the same client, through the same login,
must have obtained a code (or tokens) with the correct request in this run. Each control is
run once per client and run, and its outcome, success or failure, is reused.
"""

from __future__ import annotations

from dataclasses import dataclass

from frameio_oauth_mock.conformance.model import Exchange, Inconclusive, Outcome
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    authorize,
    error_code,
    issued,
    need_refresh_token,
    redeem,
    refresh,
)
from frameio_oauth_mock.conformance.server.target import ClientSpec

KINDS = ("code", "tokens", "refresh")


@dataclass(frozen=True)
class Control:
    kind: str
    client_id: str
    ok: bool
    summary: str  # what happened, for the verdict's notes and the precondition message
    evidence: tuple[Exchange, ...] = ()
    # How a check that needs a failed control ends: not decidable, or not applicable when
    # the server simply does not offer the thing (no refresh tokens).
    outcome: Outcome = Outcome.NOT_DECIDABLE


def require(ctx: ServerContext, client: ClientSpec, kind: str = "code") -> Control:
    """The positive control `kind` for `client`: "code" (the correct authorization request
    yields a code), "tokens" (and the code is redeemed), "refresh" (a refresh token is
    refreshed). Raises not_decidable("precondition failed: ...") when it did not succeed."""
    if kind not in KINDS:
        raise ValueError(f"unknown control {kind!r}")
    key = f"control:{kind}:{client.client_id}"
    control = ctx.cache.get(key)
    if not isinstance(control, Control):
        control = ctx.cache[key] = _run(ctx, client, kind)
    ctx.controls_used.append(control)
    if not control.ok:
        raise Inconclusive(
            control.outcome, f"precondition failed: {control.summary}", *control.evidence
        )
    return control


def _run(ctx: ServerContext, client: ClientSpec, kind: str) -> Control:
    who = client.client_id
    try:
        if kind == "refresh":
            tokens = need_refresh_token(ctx, client)
            call = refresh(ctx, client, tokens.refresh_token or "")
            if not issued(call):
                return Control(
                    kind,
                    who,
                    False,
                    f"{who}'s own refresh token was refused ({call.status} {error_code(call)})",
                    (call.evidence("the correct refresh"),),
                )
            # need_refresh_token stored the tokens; the control's refresh rotated them.
            return Control(kind, who, True, f"{who} refreshed its refresh token")
        got = authorize(ctx, client)
    except Inconclusive as stop:
        verdict = stop.verdict
        outcome = verdict.outcome
        if outcome is not Outcome.NOT_APPLICABLE:
            outcome = Outcome.NOT_DECIDABLE
        return Control(kind, who, False, f"{who}: {verdict.summary}", verdict.evidence, outcome)
    if got.code is None:
        reason = f"error={got.error}" if got.error else got.drive.stopped or "no code"
        return Control(
            kind,
            who,
            False,
            f"{who} obtained no code with the correct request either ({reason})",
            (got.evidence("the correct request"),),
        )
    if kind == "code":
        return Control(kind, who, True, f"{who} obtained a code with the correct request")
    call = redeem(ctx, got)
    if not issued(call):
        return Control(
            kind,
            who,
            False,
            f"{who}'s correct token request was refused ({call.status} {error_code(call)})",
            (call.evidence("the correct token request"),),
        )
    return Control(kind, who, True, f"{who} obtained tokens with the correct requests")
