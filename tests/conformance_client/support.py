"""Shared by the client harness tests: outcome sets, and the checks no client can pass here."""

from __future__ import annotations

import json

from frameio_oauth_mock.conformance.client.context import APPS, USER
from frameio_oauth_mock.conformance.model import Level, Outcome, Report
from frameio_oauth_mock.conformance.report import to_json

# Not decidable from the mock's request log, whatever the client (see docs/conformance-client.md).
UNDECIDABLE = {"C30"}
SECRETS = [app.secret for app in APPS.values() if app.secret] + [USER.password]


def ids(report: Report, *outcomes: Outcome) -> set[str]:
    return {result.info.id for result in report.results if result.outcome in outcomes}


def failing_musts(report: Report) -> list[tuple[str, str, str]]:
    return [
        (result.info.id, result.outcome.value, result.verdict.summary)
        for result in report.results
        if result.info.level is Level.MUST and result.outcome in (Outcome.FAIL, Outcome.ERROR)
    ]


def assert_complete(report: Report) -> None:
    """Every catalogue item graded, no check broken, nothing secret in the JSON report."""
    assert [result.info.id for result in report.results] == [f"C{n}" for n in range(1, 33)]
    errors = [(r.info.id, r.verdict.summary) for r in report.results if r.outcome is Outcome.ERROR]
    assert errors == []
    assert ids(report, Outcome.NOT_DECIDABLE) == UNDECIDABLE
    assert all(run["broken"] is None for run in report.target["scenarios"].values())
    text = json.dumps(to_json(report), ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text
