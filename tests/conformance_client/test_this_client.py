"""This project's client through every scenario: every MUST passes, and each item is decided
the way docs/conformance-client.md says."""

from __future__ import annotations

import pytest

from frameio_oauth_mock.conformance.client.adapter import load_adapter
from frameio_oauth_mock.conformance.client.suite import run_client_suite
from frameio_oauth_mock.conformance.model import Level, Outcome, Report
from frameio_oauth_mock.conformance.report import exit_status
from tests.conformance_client.support import assert_complete, failing_musts, ids


@pytest.fixture(scope="module")
def report() -> Report:
    return run_client_suite(load_adapter("this"), {"adapter": "this"})


def test_every_must_passes(report: Report) -> None:
    assert failing_musts(report) == []
    assert exit_status(report, Level.MUST) == 0


def test_the_run_is_complete(report: Report) -> None:
    assert_complete(report)


def test_everything_decidable_passes(report: Report) -> None:
    # A library serves no callback page: the app does (C29).
    assert ids(report, Outcome.NOT_APPLICABLE) == {"C29"}
    assert ids(report, Outcome.FAIL, Outcome.WARN) == set()
    assert exit_status(report, Level.SHOULD) == 0


def test_the_evidence_shows_how(report: Report) -> None:
    c9 = report.result("C9")
    assert "state_wrong" in c9.verdict.summary and "state_missing" in c9.verdict.summary
    assert any(note.startswith("how: state_wrong:") for note in c9.verdict.notes)
    c22 = report.result("C22").verdict
    assert "redacted:" in c22.evidence[0].render()  # fingerprints, never the tokens
    c24 = report.result("C24").verdict.summary
    assert "Retry-After 3s: retried after 3." in c24
