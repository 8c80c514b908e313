"""Grading helpers of the server suite: registered error codes, their characters, and how a
refused grant is judged (the generic Case and grade() live in conformance.grading)."""

from __future__ import annotations

import re

from frameio_oauth_mock.conformance.grading import Case, failed, grade, passed, warned
from frameio_oauth_mock.conformance.model import Outcome
from frameio_oauth_mock.conformance.server.http import Call

__all__ = [
    "AUTHORIZATION_ERRORS",
    "TOKEN_ERRORS",
    "Case",
    "allowed_error_text",
    "failed",
    "grade",
    "grant_refusal",
    "passed",
    "warned",
]

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


def grant_refusal(label: str, call: Call, expected: tuple[str, ...] = ("invalid_grant",)) -> Case:
    """A token-endpoint request that must be refused, graded the same way in every check:
    FAIL if tokens came back; ERROR if client authentication failed when the check meant to
    judge the grant (it never was); PASS for an `expected` error code; WARN for any other
    refusal, including one without a JSON error (S50 grades error shapes as such)."""
    body = call.json() or {}
    if call.status == 200 and body.get("access_token"):
        return failed(label, "tokens issued", call.evidence())
    code = body.get("error")
    if not isinstance(code, str):
        return warned(
            label,
            f"refused with HTTP {call.status} but no error code, expected {' or '.join(expected)}",
            call.evidence(),
        )
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
