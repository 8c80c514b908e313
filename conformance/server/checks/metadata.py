"""Server metadata (S62) and issuer identification in authorization responses (S21)."""

from __future__ import annotations

from frameio_oauth_mock.conformance.model import Level, Verdict
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.discovery import well_known_urls
from frameio_oauth_mock.conformance.server.flows import authorize
from frameio_oauth_mock.conformance.server.grading import Case, failed, grade, passed
from frameio_oauth_mock.conformance.server.table import check

REQUIRED_MEMBERS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "response_types_supported",
)


@check(
    "S62",
    "RFC 8414 metadata published; issuer matches",
    ("RFC 9700 2.6", "RFC 8414 3.3"),
    Level.MUST,
)
def server_metadata(ctx: ServerContext) -> Verdict:
    discovery = ctx.discovery
    evidence = [call.evidence() for call in discovery.calls]
    if discovery.metadata is None:
        return Verdict.warned(
            "no metadata at the well-known URLs (RFC 9700 2.6 recommends it)", *evidence
        )
    document = discovery.metadata
    missing = [name for name in REQUIRED_MEMBERS if name not in document]
    if missing:
        return Verdict.failed(f"metadata lacks required {', '.join(missing)}", *evidence)
    issuer = document.get("issuer")
    expected = ctx.target.issuer
    if expected is not None and discovery.metadata_url in well_known_urls(expected):
        if issuer != expected:
            return Verdict.failed(
                f"issuer {issuer!r} differs from {expected!r}, the URL it was fetched under",
                *evidence,
            )
        return Verdict.passed(
            f"metadata at {discovery.metadata_url}, issuer {issuer!r} matches", *evidence
        )
    return Verdict.passed(f"metadata at {discovery.metadata_url} (issuer {issuer!r})", *evidence)


@check(
    "S21",
    "RFC 9207 iss in every authorization response",
    ("RFC 9207 2", "RFC 9207 3", "RFC 9700 4.4.2"),
    Level.MUST,
)
def issuer_identification(ctx: ServerContext) -> Verdict:
    controls.require(ctx, ctx.primary)  # "every" response: a success must be among them
    claimed = ctx.metadata.get("authorization_response_iss_parameter_supported") is True
    issuer = ctx.issuer
    responses = [
        ("success", authorize(ctx, ctx.primary)),
        ("error", authorize(ctx, ctx.primary, response_type="conformance_unknown")),
    ]
    cases: list[Case] = []
    seen_any = False
    for label, got in responses:
        if got.callback is None:
            continue
        iss = got.params.get("iss")
        seen_any = seen_any or iss is not None
        if iss is None:
            cases.append(failed(label, "no iss", got.evidence()))
        elif iss != issuer:
            cases.append(failed(label, f"iss {iss!r} is not the issuer {issuer!r}", got.evidence()))
        else:
            cases.append(passed(label, "iss = issuer", got.evidence()))
    if not claimed and not seen_any:
        return Verdict.not_applicable(
            "the server does not claim RFC 9207 support "
            "(no authorization_response_iss_parameter_supported) and sends no iss"
        )
    if not cases:
        return Verdict.errored("no authorization response reached the client")
    return grade(cases, "iss present and correct")
