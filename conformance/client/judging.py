"""What the judgements of one played scenario share: the Judge type, "shows nothing" cases,
and the steps and requests a judgement looks at.

A judgement reads the step outcomes and the request log of a ScenarioRun into a Case for one C
item. A Case with outcome NOT_APPLICABLE means "this run shows nothing about the item" (a step
the client could not do), not a verdict; ERROR means the scenario could not be played.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

from frameio_oauth_mock.conformance.client.scenario import UNSUPPORTED, ScenarioRun, StepRecord
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


def unplayable(run: ScenarioRun, record: StepRecord | None) -> Case | None:
    """The Case to return when the step a judgement needs did not happen as planned."""
    if run.broken:
        return Case(run.name, Outcome.ERROR, f"the scenario could not be played: {run.broken}")
    if record is None:
        return Case(run.name, Outcome.ERROR, "the scenario never reached the step it judges")
    if record.outcome == UNSUPPORTED:
        return not_shown(run, f"the client could not be asked to {record.label}: {record.detail}")
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
