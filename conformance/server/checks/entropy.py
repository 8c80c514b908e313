"""Unguessability of codes (S14) and tokens (S52), estimated from samples (see
conformance.server.entropy for the method)."""

from __future__ import annotations

from dataclasses import dataclass

from frameio_oauth_mock.conformance.model import Exchange, Level, Verdict
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.entropy import Estimate, estimate
from frameio_oauth_mock.conformance.server.flows import issued, obtain_code, redeem
from frameio_oauth_mock.conformance.server.table import check

MUST_BITS = 128
SHOULD_BITS = 160


@dataclass
class Samples:
    codes: list[str]
    access_tokens: list[str]
    refresh_tokens: list[str]
    evidence: Exchange


def _samples(ctx: ServerContext) -> Samples:
    cached = ctx.cache.get("entropy")
    if isinstance(cached, Samples):
        return cached
    codes, access, refresh = [], [], []
    evidence = None
    for _ in range(ctx.target.options.entropy_samples):
        got = obtain_code(ctx, ctx.primary)
        codes.append(got.code or "")
        call = redeem(ctx, got)
        body = call.json() or {}
        if issued(call):
            access.append(str(body["access_token"]))
            if isinstance(body.get("refresh_token"), str):
                refresh.append(body["refresh_token"])
            ctx.redactor.add(str(body["access_token"]))
            ctx.redactor.add(body.get("refresh_token"))
        evidence = evidence or call.evidence("one of the samples")
    assert evidence is not None
    samples = ctx.cache["entropy"] = Samples(codes, access, refresh, evidence)
    return samples


def _judge(what: str, found: Estimate, should: int | None, evidence: Exchange) -> tuple[str, str]:
    if found.duplicates:
        return "fail", f"{what}: {found.explanation}"
    if found.bits < MUST_BITS:
        return "fail", f"{what}: {found.explanation}, under {MUST_BITS}"
    if should is not None and found.bits < should:
        return "warn", f"{what}: {found.explanation}, under the recommended {should}"
    return "pass", f"{what}: {found.explanation}"


def _verdict(results: list[tuple[str, str]], evidence: Exchange) -> Verdict:
    summary = "; ".join(text for _, text in results)
    outcomes = {outcome for outcome, _ in results}
    if "fail" in outcomes:
        return Verdict.failed(summary, evidence)
    if "warn" in outcomes:
        return Verdict.warned(summary, evidence)
    return Verdict.passed(summary, evidence)


@check(
    "S14",
    "Codes carry at least 128 bits of entropy (160 recommended)",
    ("RFC 6749 10.10", "RFC 6819 5.1.4.2.2"),
    Level.MUST,
)
def code_entropy(ctx: ServerContext) -> Verdict:
    samples = _samples(ctx)
    results = [_judge("codes", estimate(samples.codes), SHOULD_BITS, samples.evidence)]
    return _verdict(results, samples.evidence)


@check(
    "S52",
    "Access and refresh tokens carry at least 128 bits of entropy",
    "RFC 6749 10.10",
    Level.MUST,
)
def token_entropy(ctx: ServerContext) -> Verdict:
    samples = _samples(ctx)
    if len(samples.access_tokens) < len(samples.codes):
        return Verdict.errored("some sample codes could not be redeemed", samples.evidence)
    results = [_judge("access tokens", estimate(samples.access_tokens), None, samples.evidence)]
    if len(samples.refresh_tokens) == len(samples.access_tokens):
        results.append(
            _judge("refresh tokens", estimate(samples.refresh_tokens), None, samples.evidence)
        )
    return _verdict(results, samples.evidence)
