"""The scenarios from the OpenID Foundation RP tests and the MCP client checks: mix-up with one
server (C26: metadata naming another issuer, iss differing only in form), iss from a server
that does not advertise RFC 9207, metadata without PKCE (C7), a refresh answer without
refresh_token (C22), a forged error callback with a wrong state (C12), and TLS with an
untrusted certificate (C27). Each is shown to catch a client that gets it wrong."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import pytest

from frameio_oauth_mock.conformance.client.adapter import AdapterFactory, ClientSetup, load_adapter
from frameio_oauth_mock.conformance.client.process import process_adapter
from frameio_oauth_mock.conformance.client.suite import run_client_suite
from frameio_oauth_mock.conformance.model import Outcome, Report
from tests.conformance_client.test_broken_clients import FAULTY

NEW = ["C7", "C12", "C22", "C25", "C26", "C27"]


def _cases(report: Report, item: str) -> dict[str, str]:
    """Scenario name -> outcome of its case, from the verdict's notes ("name: outcome, ...")."""
    found = {}
    for note in report.result(item).verdict.notes:
        name, _, rest = note.partition(": ")
        outcome = rest.split(",", 1)[0]
        if outcome in {o.value for o in Outcome}:
            found[name] = outcome
    return found


def _run(factory: AdapterFactory, only: Iterable[str] = NEW) -> Report:
    return run_client_suite(factory, {"adapter": "under test"}, list(only))


def _faulty(defect: str = "") -> AdapterFactory:
    return process_adapter([sys.executable, FAULTY, *([defect] if defect else [])], timeout=5)


@pytest.fixture(scope="module")
def this() -> Report:
    return _run(load_adapter("this"))


def test_this_client_passes_every_new_scenario(this: Report) -> None:
    for item in NEW:
        assert this.result(item).outcome is Outcome.PASS, (item, this.result(item).verdict.summary)
    assert _cases(this, "C26") == {
        "iss_trailing_slash": "pass",
        "iss_case": "pass",
        "metadata_issuer_mismatch": "pass",  # discover=True checks the metadata's issuer
    }
    assert _cases(this, "C25")["iss_unadvertised"] == "pass"
    assert _cases(this, "C12")["error_wrong_state"] == "pass"
    assert _cases(this, "C22")["refresh_without_refresh_token"] == "pass"


def test_metadata_naming_another_issuer_is_caught() -> None:
    good = _run(_faulty(), ["C26"])
    assert _cases(good, "C26")["metadata_issuer_mismatch"] == "pass"
    trusting = _run(_faulty("trust-metadata"), ["C26"])
    assert _cases(trusting, "C26")["metadata_issuer_mismatch"] == "fail"
    assert "a code was redeemed" in trusting.result("C26").verdict.summary


def test_iss_differing_only_in_form_is_caught() -> None:
    pytest.importorskip("authlib")
    report = _run(load_adapter("authlib"), ["C26"])  # Authlib does not read iss at all
    assert _cases(report, "C26") == {"iss_trailing_slash": "fail", "iss_case": "fail"}


def test_relying_on_pkce_the_metadata_does_not_advertise_fails_c7() -> None:
    report = _run(_faulty("no-state"), ["C7"])
    assert report.result("C7").outcome is Outcome.FAIL
    assert (
        "no state although the metadata advertises no PKCE" in report.result("C7").verdict.summary
    )


def test_a_forged_error_callback_is_caught() -> None:
    pytest.importorskip("authlib")
    # Authlib answers any callback without a code with a client_credentials token request.
    report = _run(load_adapter("authlib"), ["C12"])
    assert _cases(report, "C12")["error_wrong_state"] == "fail"


def test_a_client_that_skips_certificate_checks_fails_c27() -> None:
    pytest.importorskip("authlib")
    from frameio_oauth_mock.conformance.client.adapters.authlib_client import AuthlibClient

    class Unverified(AuthlibClient):
        def __init__(self, setup: ClientSetup) -> None:
            super().__init__(setup)
            self.client.close()
            self.client = type(self.client)(
                setup.client_id,
                setup.client_secret,
                scope=setup.scope,
                redirect_uri=setup.redirect_uri,
                token_endpoint_auth_method="none",
                code_challenge_method="S256",
                verify=False,
            )

    report = _run(Unverified, ["C27"])
    assert report.result("C27").outcome is Outcome.FAIL
    assert "whose certificate it has no reason to trust" in report.result("C27").verdict.summary
    assert _run(load_adapter("authlib"), ["C27"]).result("C27").outcome is Outcome.PASS
