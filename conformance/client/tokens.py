"""Judgements about the token endpoint: the code_verifier, Basic encoding, odd token
responses, refresh rotation and expiry, invalid_grant on refresh, and Retry-After."""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

from frameio_oauth_mock.conformance.client.judging import (
    Judge,
    last_record,
    mock_refusal,
    not_shown,
    redeemed,
    session_codes,
    session_refreshes,
    token_requests,
    undecided,
    unplayable,
)
from frameio_oauth_mock.conformance.client.logview import answered, bearer, param
from frameio_oauth_mock.conformance.client.scenario import (
    API,
    DELIVER,
    OK,
    REFRESH,
    REJECTED,
    UNSUPPORTED,
    ScenarioRun,
)
from frameio_oauth_mock.conformance.grading import Case, failed, passed, warned
from frameio_oauth_mock.mockserver.requestlog import fingerprint

# A retry this much earlier than Retry-After asked still counts as waiting (clock granularity).
RETRY_TOLERANCE = 0.1
TIGHT_LOOP = 3  # refresh requests in one step after invalid_grant that make a loop


# The token request ------------------------------------------------------------------------
def verifier_matches(run: ScenarioRun) -> Case:
    problem = unplayable(run, last_record(run, DELIVER))
    if problem is not None:
        return problem
    authorizations = run.authorizations()
    if not authorizations or param(authorizations[0].query, "code_challenge") is None:
        return not_shown(run, "the authorization request carried no code_challenge")
    codes = session_codes(run.records)
    requests = [
        e
        for e in token_requests(run.log, "authorization_code")
        if answered(e) and param(e.form, "code") in codes
    ]
    if not requests:
        return undecided(run, "the client made no token request for the code it was given")
    request = requests[0]
    if param(request.form, "code_verifier") is None:
        return failed(run.name, "no code_verifier in the token request", run.evidence(request))
    if request.status != 200 and request.error != "invalid_grant":
        # Refused for another reason (client authentication...): nothing about the verifier.
        return undecided(run, mock_refusal(request))
    if request.status != 200:
        return failed(
            run.name,
            f"the code_verifier was refused: {mock_refusal(request)}",
            run.evidence(request),
        )
    return passed(run.name, "code_verifier matches the S256 challenge", run.evidence(request))


def basic_encoding(run: ScenarioRun) -> Case:
    """RFC 6749 2.3.1: id and secret form-urlencoded, then joined with ':' and base64."""
    problem = unplayable(run, last_record(run, DELIVER))
    if problem is not None:
        return problem
    requests = [entry for entry in token_requests(run.log) if answered(entry)]
    if not requests or run.secret is None:
        return undecided(run, "the client made no token request")
    request = requests[0]
    header = request.headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        if param(request.form, "client_secret") is not None:
            return warned(run.name, "client_secret_post, not Basic", run.evidence(request))
        return failed(run.name, "no client authentication", run.evidence(request))
    if header in _canonical_basic(run.client_id, run.secret):
        detail = "form-urlencoded, then base64"
        return passed(run.name, detail, run.evidence(request))
    if request.status == 200:
        return passed(run.name, "accepted by the mock, which form-decodes both parts")
    return failed(
        run.name,
        f"not form-urlencoded before base64: {mock_refusal(request)}",
        run.evidence(request),
    )


def _canonical_basic(client_id: str, secret: str) -> set[str]:
    """How the log shows a correctly encoded Basic header (both of its formats)."""
    encoded = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    raw = base64.b64encode(encoded.encode()).decode()
    return {f"Basic {client_id}:{fingerprint(secret)}", f"Basic {fingerprint(raw)}"}


# Token responses --------------------------------------------------------------------------
def tolerates_response(what: str) -> Judge:
    """The odd token response is accepted, and its access token used at the API."""

    def judge(run: ScenarioRun) -> Case:
        record = last_record(run, DELIVER)
        problem = unplayable(run, record)
        if problem is not None or record is None:
            return problem or not_shown(run, "no delivery")
        granted = [
            e for e in token_requests(record.entries) if e.status == 200 and e.fault is not None
        ]
        if not granted:
            return undecided(run, "the altered token response was never sent")
        if record.outcome == REJECTED:
            return failed(
                run.name, f"{what}: refused ({record.detail})", run.evidence(granted[0], what)
            )
        api = last_record(run, API)
        if api is None or api.outcome == UNSUPPORTED:
            return passed(run.name, f"{what}: accepted")
        used = [e for e in api.entries if e.endpoint == run.resource_endpoint and e.status == 200]
        if not used:
            return failed(run.name, f"{what}: the token was not used ({api.detail or 'no call'})")
        return passed(run.name, f"{what}: accepted and used", run.evidence(used[0]))

    return judge


# Refresh ------------------------------------------------------------------------------------
def rotation(run: ScenarioRun) -> Case:
    """Two refreshes in a row: each sends the refresh token the previous answer issued."""
    records = run.records_of(REFRESH)
    problem = unplayable(run, records[-1] if records else None)
    if problem is not None:
        return problem
    codes = redeemed(run.log, session_codes(run.records))
    refreshes = [e for e in token_requests(run.log, "refresh_token") if answered(e)]
    if not codes or len(refreshes) < 2:
        failing = next((r for r in records if r.outcome != OK), None)
        why = failing.detail if failing is not None else "fewer than two refresh requests"
        return undecided(run, f"the refreshes did not happen: {why}")
    previous = codes[0]
    for number, request in enumerate(refreshes[:2], 1):
        sent = param(request.form, "refresh_token")
        expected = previous.issued.get("refresh_token")
        if sent != expected:
            used_before = any(
                param(e.form, "refresh_token") == sent for e in refreshes[: number - 1]
            )
            what = "the rotated (already used) refresh token" if used_before else "another token"
            return failed(run.name, f"refresh {number} sent {what}", run.evidence(request))
        previous = request
    detail = "each refresh sent the refresh token the previous answer issued"
    api = last_record(run, API)
    calls = (
        [e for e in api.entries if e.endpoint == run.resource_endpoint] if api is not None else []
    )
    if calls and bearer(calls[-1]) != previous.issued.get("access_token"):
        return failed(run.name, "the API call used an old access token", run.evidence(calls[-1]))
    if calls:
        detail += ", and the API call the newest access token"
    return passed(run.name, detail, run.evidence(refreshes[1]))


def keeps_refresh_token(run: ScenarioRun) -> Case:
    """A refresh answer without refresh_token: the next refresh sends the one it had (RFC 6749
    6: the server MAY issue a new one; without it the client keeps the old)."""
    records = run.records_of(REFRESH)
    problem = unplayable(run, records[-1] if records else None)
    if problem is not None:
        return problem
    codes = redeemed(run.log, session_codes(run.records))
    refreshes = token_requests(run.log, "refresh_token")
    if not codes or not refreshes or refreshes[0].status != 200:
        return undecided(run, "the first refresh did not happen, or was not answered")
    if len(refreshes) < 2:
        if records[-1].outcome == REJECTED:  # asked, it could not: it had dropped the token
            detail = (
                "after an answer without refresh_token the client could not refresh again "
                f"({records[-1].detail}): it dropped the refresh token it had"
            )
            return failed(run.name, detail, run.evidence(refreshes[0]))
        return undecided(run, "the second refresh did not happen")
    original = codes[0].issued.get("refresh_token")
    sent = param(refreshes[1].form, "refresh_token")
    if sent != original:
        what = "no refresh token" if sent is None else "another token"
        return failed(
            run.name,
            f"after an answer without refresh_token, the next refresh sent {what}",
            run.evidence(refreshes[1]),
        )
    return passed(
        run.name,
        "after an answer without refresh_token, the next refresh sent the one it had",
        run.evidence(refreshes[1]),
    )


def refresh_when_expired(run: ScenarioRun) -> Case:
    """After the clock passes the access token's lifetime, the API call needs a refresh."""
    api = last_record(run, API)
    problem = unplayable(run, api)
    if problem is not None or api is None:
        return problem or not_shown(run, "no API call")
    first = run.records_of(API)[0]
    if not [e for e in first.entries if e.endpoint == run.resource_endpoint and e.status == 200]:
        return undecided(run, f"the API call before expiry did not work ({first.detail})")
    # An accepted refresh counts only when it is this session's (it sent a refresh token
    # issued to this session): another's proves nothing. A refused one is judged either way.
    ours = {entry.id for entry in session_refreshes(run)}
    refreshes = [
        e for e in token_requests(api.entries, "refresh_token") if e.id in ours or e.status != 200
    ]
    calls = [e for e in api.entries if e.endpoint == run.resource_endpoint]
    if not refreshes:
        shown = run.evidence(calls[-1]) if calls else None
        status = f"HTTP {calls[-1].status}" if calls else api.detail or "no call"
        return warned(run.name, f"no refresh; the expired access token was sent ({status})", shown)
    if refreshes[-1].status != 200:  # a refused refresh is no refresh
        detail = f"the refresh failed: {mock_refusal(refreshes[-1])}"
        return failed(run.name, detail, run.evidence(refreshes[-1]))
    fresh = refreshes[-1].issued.get("access_token")
    good = [e for e in calls if e.status == 200 and bearer(e) == fresh]
    if not good:
        return failed(run.name, "refreshed, but the API call failed", run.evidence(refreshes[-1]))
    before = "after a 401" if any(e.status == 401 for e in calls) else "before the call"
    return passed(
        run.name, f"refreshed {before}; the new token worked", run.evidence(refreshes[-1])
    )


def drops_refused_grant(run: ScenarioRun) -> Case:
    """invalid_grant on refresh: no tight loop, the refused refresh token not sent again, the
    old access token not used (it belongs to the refused grant)."""
    records = run.records_of(REFRESH)
    problem = unplayable(run, records[0] if records else None)
    if problem is not None:
        return problem
    refused = [
        e for e in token_requests(records[0].entries, "refresh_token") if e.error == "invalid_grant"
    ]
    if not refused:
        return undecided(run, "the refresh was not answered with invalid_grant")
    token = param(refused[0].form, "refresh_token")
    in_first = len(token_requests(records[0].entries, "refresh_token"))
    if in_first > TIGHT_LOOP:
        return failed(run.name, f"{in_first} refresh requests in a row after invalid_grant")
    later = [e for r in records[1:] for e in token_requests(r.entries, "refresh_token")]
    resent = [e for e in later if param(e.form, "refresh_token") == token]
    if resent:
        detail = "the refused refresh token was sent again (tokens not dropped)"
        return warned(run.name, detail, run.evidence(resent[0]))
    api = last_record(run, API)
    calls = (
        [e for e in api.entries if e.endpoint == run.resource_endpoint and bearer(e)] if api else []
    )
    if calls:
        detail = "the access token of the refused grant was still used"
        return warned(run.name, detail, run.evidence(calls[0]))
    return passed(
        run.name,
        f"tokens dropped: nothing sent again ({records[-1].detail or 'no error'})",
        run.evidence(refused[0]),
    )


# Retry-After --------------------------------------------------------------------------------
def honours_retry_after(run: ScenarioRun) -> Case:
    record = last_record(run, DELIVER)
    problem = unplayable(run, record)
    if problem is not None or record is None:
        return problem or not_shown(run, "no delivery")
    calls = token_requests(record.entries)
    faulted = next((e for e in calls if e.fault is not None and not e.issued), None)
    if faulted is None:
        return undecided(run, "the token endpoint was never asked")
    asked = next((int(f["retry_after"]) for f in run.scenario.faults if "retry_after" in f), 0)
    retries = calls[calls.index(faulted) + 1 :]
    if not retries:
        detail = f"no retry after HTTP {faulted.status}: the error went to the user"
        return warned(run.name, f"{detail} ({record.detail})", run.evidence(faulted))
    answered_at = faulted.time + faulted.duration_ms / 1000
    waited = retries[0].time - answered_at
    if waited + RETRY_TOLERANCE < asked:
        return failed(
            run.name,
            f"retried after {waited:.2f}s, Retry-After asked {asked}s",
            run.evidence(retries[0]),
        )
    end = "and succeeded" if retries[0].status == 200 else f"(HTTP {retries[0].status})"
    return passed(
        run.name,
        f"HTTP {faulted.status}, Retry-After {asked}s: retried after {waited:.2f}s {end}",
        run.evidence(faulted),
    )
