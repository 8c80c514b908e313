"""What the judgements of one played scenario share: the Judge type, "shows nothing" cases,
the positive control every verdict rests on, and the steps and requests a judgement looks at.

A judgement reads the step outcomes and the request log of a ScenarioRun into a Case for one C
item. No verdict without evidence: a Case may pass or fail only when the step it judges
demonstrably happened in this run. Otherwise its outcome is NOT_DECIDABLE, naming what did not
happen (the client never began, the callback never reached it, the positive control failed),
or NOT_APPLICABLE when the client cannot be asked to do the step at all; ERROR means the
scenario could not be played.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

from frameio_oauth_mock.conformance.client.logview import answered, code_in_location, param
from frameio_oauth_mock.conformance.client.scenario import (
    AUTHORIZE,
    CONTROL_FIRST_LOGIN,
    CONTROL_SESSION,
    DELIVER,
    OK,
    REJECTED,
    REPLAY,
    UNSUPPORTED,
    ScenarioRun,
    StepRecord,
)
from frameio_oauth_mock.conformance.grading import Case
from frameio_oauth_mock.conformance.model import Outcome
from frameio_oauth_mock.mockserver.requestlog import LoggedRequest

Judge = Callable[[ScenarioRun], Case]


def not_shown(run: ScenarioRun, why: str) -> Case:
    return Case(run.name, Outcome.NOT_APPLICABLE, why)


def token_requests(
    entries: list[LoggedRequest], grant_type: str | None = None
) -> list[LoggedRequest]:
    return [
        entry
        for entry in entries
        if entry.endpoint == "token" and (grant_type is None or entry.grant_type == grant_type)
    ]


def last_record(run: ScenarioRun, action: str) -> StepRecord | None:
    records = run.records_of(action)
    return records[-1] if records else None


def undecided(run: ScenarioRun, why: str) -> Case:
    return Case(run.name, Outcome.NOT_DECIDABLE, why)


def unplayable(run: ScenarioRun, record: StepRecord | None) -> Case | None:
    """The Case to return when the step a judgement needs did not happen as planned."""
    if run.broken:
        return Case(run.name, Outcome.ERROR, f"the scenario could not be played: {run.broken}")
    if record is None:
        return undecided(run, "the scenario never reached the step it judges")
    if record.outcome == UNSUPPORTED:
        return not_shown(run, f"the client could not be asked to {record.label}: {record.detail}")
    if record.outcome not in (OK, REJECTED):
        return undecided(run, f"the {record.label} step did not happen: {record.detail}")
    return None


def mock_refusal(entry: LoggedRequest) -> str:
    """How the mock itself refused a request, quoting its error (not a scripted fault)."""
    said = entry.error or "no OAuth error"
    description = entry.error_description
    if description:
        said += f": {description}"
    return f"the mock refused {entry.method} {entry.path} with HTTP {entry.status} ({said})"


def session_codes(records: list[StepRecord]) -> set[str]:
    """The codes (fingerprints) the mock handed out in this session: in the redirects that
    ended its own authorize and replay steps. A redemption shows what this client did only
    when it redeems one of them: the log is the mock's, and a request that reached it from
    anywhere else (another run's client, a late one from the scenario before) is no evidence."""
    return {
        code
        for record in records
        if record.step.action in (AUTHORIZE, REPLAY)
        for entry in record.entries
        if (code := code_in_location(entry))
    }


def redeemed(entries: list[LoggedRequest], codes: set[str]) -> list[LoggedRequest]:
    """Code redemptions the mock itself answered with tokens, of a code in `codes` (this
    session's: session_codes)."""
    return [
        entry
        for entry in token_requests(entries, "authorization_code")
        if entry.status == 200 and answered(entry) and param(entry.form, "code") in codes
    ]


def session_refreshes(run: ScenarioRun) -> list[LoggedRequest]:
    """The refresh requests of this session: those sending a refresh token issued to it (by
    the redemption of one of its codes, or by one of its earlier refreshes)."""
    issued = {
        token
        for entry in redeemed(run.log, session_codes(run.records))
        if (token := entry.issued.get("refresh_token"))
    }
    found = []
    for entry in token_requests(run.log, "refresh_token"):
        if param(entry.form, "refresh_token") in issued:
            found.append(entry)
            if token := entry.issued.get("refresh_token"):
                issued.add(token)
    return found


def control_failure(run: ScenarioRun) -> Case | None:
    """The positive control of the scenario: the client demonstrably completed a login in it
    (a code redeemed, HTTP 200, and the callback accepted). None when it did, or when the
    scenario needs none; else the NOT_DECIDABLE Case naming what did not happen."""
    control = run.scenario.control
    if run.broken:
        return Case(run.name, Outcome.ERROR, f"the scenario could not be played: {run.broken}")
    if control == CONTROL_FIRST_LOGIN:
        records, where = run.records, "its first login"
    elif control == CONTROL_SESSION:
        records, where = run.control, "a fresh session without faults"
    else:
        return None
    delivery = next((record for record in records if record.step.action == DELIVER), None)
    first = next(iter(records), None)
    if delivery is None or delivery.outcome != OK:
        stopped = delivery or first
        what = f"{stopped.label}: {stopped.outcome}, {stopped.detail}" if stopped else "no step"
        return undecided(run, f"positive control failed ({where}): {what}")
    if not redeemed(delivery.entries, session_codes(records)):
        refused = [e for e in token_requests(delivery.entries) if e.status >= 400 and answered(e)]
        what = mock_refusal(refused[0]) if refused else "no code was redeemed"
        return undecided(run, f"positive control failed ({where}): {what}")
    return None


def authorization_redirects(run: ScenarioRun) -> list[LoggedRequest]:
    """The latest authorization response: the last redirect that carried a code or an error
    (from the authorization endpoint, or from the consent page after a login)."""
    found = [
        entry
        for entry in run.log
        if entry.location
        and {"code", "error"} & {name for name, _ in parse_qsl(urlsplit(entry.location).query)}
    ]
    return found[-1:]
