"""Turning the sub-cases of one check (variants, attempts) into one verdict."""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.model import Exchange, Outcome, Verdict
from conformance.server.http import Call

# RFC 6749 A.7 / A.8: error and error_description are %x20-21 / %x23-5B / %x5D-7E.
_ERROR_CHARACTERS = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")
AUTHORIZATION_ERRORS = frozenset(
    [
        "invalid_request",
        "unauthorized_client",
        "access_denied",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        # OpenID Connect Core 3.1.2.6 and later registrations
        "interaction_required",
        "login_required",
        "account_selection_required",
        "consent_required",
        "invalid_request_uri",
        "invalid_request_object",
        "request_not_supported",
        "request_uri_not_supported",
        "registration_not_supported",
    ]
)
TOKEN_ERRORS = frozenset(
    [
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        # RFC 8707, RFC 9449 and RFC 8628 registrations a token endpoint may use
        "invalid_target",
        "invalid_dpop_proof",
        "use_dpop_nonce",
        "authorization_pending",
        "slow_down",
        "expired_token",
    ]
)


def allowed_error_text(value: str) -> bool:
    return bool(_ERROR_CHARACTERS.fullmatch(value))


@dataclass(frozen=True)
class Case:
    """One sub-case: its label, how it went (PASS, WARN or FAIL), why, and its evidence."""

    label: str
    outcome: Outcome
    detail: str
    exchange: Exchange | None = None


def grade(cases: list[Case], what: str) -> Verdict:
    """FAIL if any case failed, else WARN if any warned, else PASS; cites the cases that
    decided it (all failing ones, or all warning ones, or every case when all passed)."""
    for outcome in (Outcome.FAIL, Outcome.WARN, Outcome.ERROR):
        chosen = [case for case in cases if case.outcome is outcome]
        if chosen:
            summary = "; ".join(f"{case.label}: {case.detail}" for case in chosen)
            return _verdict(outcome, summary, chosen, cases)
    summary = f"{what}: " + "; ".join(f"{case.label}: {case.detail}" for case in cases)
    return _verdict(Outcome.PASS, summary, cases, cases)


def _verdict(outcome: Outcome, summary: str, chosen: list[Case], cases: list[Case]) -> Verdict:
    evidence = tuple(
        case.exchange.with_note(f"{case.label}: {case.detail}")
        for case in chosen
        if case.exchange is not None
    )
    notes = tuple(f"{case.label}: {case.outcome.value}, {case.detail}" for case in cases)
    return Verdict(outcome, summary, evidence, notes)


def passed(label: str, detail: str, exchange: Exchange | None = None) -> Case:
    return Case(label, Outcome.PASS, detail, exchange)


def failed(label: str, detail: str, exchange: Exchange | None = None) -> Case:
    return Case(label, Outcome.FAIL, detail, exchange)


def warned(label: str, detail: str, exchange: Exchange | None = None) -> Case:
    return Case(label, Outcome.WARN, detail, exchange)


def grant_refusal(label: str, call: Call, expected: tuple[str, ...] = ("invalid_grant",)) -> Case:
    """A token request that must be refused for its grant: FAIL if tokens came back, ERROR
    if client authentication failed first (the grant was never judged), WARN for another
    error code than `expected`."""
    body = call.json() or {}
    if call.status == 200 and body.get("access_token"):
        return failed(label, "tokens issued", call.evidence())
    code = body.get("error")
    if code == "invalid_client" and code not in expected:
        return Case(
            label,
            Outcome.ERROR,
            "client authentication failed, so the grant was never judged",
            call.evidence(),
        )
    if code not in expected:
        return warned(
            label, f"refused with {code!r}, expected {' or '.join(expected)}", call.evidence()
        )
    return passed(label, f"{call.status} {code}", call.evidence())
