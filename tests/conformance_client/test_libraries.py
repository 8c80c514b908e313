"""Authlib's httpx client and requests-oauthlib through every scenario. They are graded, not
required to pass: the test asserts the run completes and prints what they got, so a change in
a library shows up in the test log. README's table records these results."""

from __future__ import annotations

import pytest

from frameio_oauth_mock.conformance.client.adapter import load_adapter
from frameio_oauth_mock.conformance.client.suite import run_client_suite
from frameio_oauth_mock.conformance.model import Outcome, Report
from tests.conformance_client.support import assert_complete, ids


@pytest.fixture(scope="module", params=["authlib", "requests-oauthlib"])
def report(request: pytest.FixtureRequest) -> Report:
    pytest.importorskip("authlib" if request.param == "authlib" else "requests_oauthlib")
    name = str(request.param)
    return run_client_suite(load_adapter(name), {"adapter": name})


def test_the_run_completes(report: Report) -> None:
    assert_complete(report)
    print(
        f"\n{report.target['adapter']}: fail {sorted(ids(report, Outcome.FAIL))}, "
        f"warn {sorted(ids(report, Outcome.WARN))}"
    )


def test_both_build_the_request_parameters_right(report: Report) -> None:
    # What the libraries leave to the application (used callbacks, RFC 9207 iss...) varies
    # with their versions and is only recorded above; PKCE and state are their own work.
    assert {"C1", "C2", "C3", "C4", "C5", "C8", "C9"} <= ids(report, Outcome.PASS)
