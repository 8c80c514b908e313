"""Judgements about which server a client trusts: metadata that names another issuer or
advertises no PKCE (C26, C7), and a server whose TLS certificate it has no reason to trust
(C27)."""

from __future__ import annotations

from frameio_oauth_mock.conformance.client.judging import (
    last_record,
    not_shown,
    token_requests,
    undecided,
    unplayable,
)
from frameio_oauth_mock.conformance.client.logview import param
from frameio_oauth_mock.conformance.client.scenario import (
    AUTHORIZE,
    DELIVER,
    OK,
    REJECTED,
    ScenarioRun,
    StepRecord,
)
from frameio_oauth_mock.conformance.grading import Case, failed, passed, warned

_TLS_WORDS = ("certificate", "ssl", "tls", "self-signed", "self signed")


def _refusal(run: ScenarioRun) -> StepRecord | None:
    """The first step the client said no to (or could not do), if any."""
    return next((r for r in run.records if r.outcome not in (OK,)), None)


def rejects_foreign_metadata(run: ScenarioRun) -> Case:
    """Metadata whose issuer is not the URL it was fetched from (RFC 8414 3.3): a client that
    reads it must not use it."""
    if run.broken:
        return unplayable(run, None) or undecided(run, run.broken)
    if run.metadata_reads == 0:
        return not_shown(run, "the client never read the metadata it was given")
    redeemed = token_requests(run.log, "authorization_code")
    if redeemed:
        return failed(
            run.name,
            "read metadata whose issuer is not the URL it came from, and used it: a code "
            "was redeemed",
            run.evidence(redeemed[0]),
        )
    said = _refusal(run)
    if said is None:
        return undecided(run, "no token request, but the client reported no error either")
    return passed(run.name, f"refused the metadata ({said.label}: {said.detail})")


def state_without_advertised_pkce(run: ScenarioRun) -> Case:
    """Metadata without code_challenge_methods_supported: the client must not rely on PKCE
    for CSRF protection (RFC 9700 4.7.1), so its authorization request carries a state."""
    asked = run.authorizations()  # read or configured, what it sends is what counts
    if not asked:
        return unplayable(run, last_record(run, AUTHORIZE)) or undecided(
            run, "the client made no authorization request"
        )
    if param(asked[0].query, "state"):
        return passed(
            run.name, "state sent; the metadata advertises no PKCE", run.evidence(asked[0])
        )
    return failed(
        run.name,
        "no state although the metadata advertises no PKCE support (relying on PKCE needs "
        "the server's support ensured first)",
        run.evidence(asked[0]),
    )


def rejects_untrusted_tls(run: ScenarioRun) -> Case:
    """The mock over https with a self-signed certificate: the client's token request must
    never complete (the browser, as a user clicking through a warning, got the callback)."""
    begin = last_record(run, AUTHORIZE)
    if run.broken:
        return unplayable(run, begin) or undecided(run, run.broken)
    if begin is not None and begin.outcome != OK:
        if any(word in begin.detail.lower() for word in _TLS_WORDS):
            return passed(run.name, f"refused the certificate before authorizing ({begin.detail})")
        return undecided(run, f"the client did not begin: {begin.detail}")
    record = last_record(run, DELIVER)
    problem = unplayable(run, record)
    if problem is not None or record is None:
        return problem or undecided(run, "no delivery")
    sent = token_requests(run.log)
    if sent:
        return failed(
            run.name,
            "completed a token request to a server whose certificate it has no reason to trust",
            run.evidence(sent[0]),
        )
    if record.outcome == REJECTED:
        return passed(run.name, f"no token request reached the server ({record.detail})")
    return warned(run.name, "no token request reached the server, but no error was reported")
