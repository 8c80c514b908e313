"""Grading that blames the client only for what it did: apps registered for what the metadata
advertises, the mock's own refusals quoted, a really short-lived token, a Retry-After no
library uses as its default, a VSCHAR-only special secret, PKCE-only clients (RFC 9700 2.1)
with a separate Frame.io finding, and verdicts saying when they grade the adapter's code."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from frameio_oauth_mock.conformance.client.adapter import ClientSetup
from frameio_oauth_mock.conformance.client.context import APPS
from frameio_oauth_mock.conformance.client.process import process_adapter
from frameio_oauth_mock.conformance.client.scenario import SPECIAL_SECRET_APP
from frameio_oauth_mock.conformance.client.scenarios import BY_NAME, RETRY_AFTER
from frameio_oauth_mock.conformance.client.suite import run_client_suite
from frameio_oauth_mock.conformance.model import Outcome, Report
from frameio_oauth_mock.mockserver.cli import main
from tests.conformance_client.test_broken_clients import FAULTY


def _faulty(defect: str, only: list[str], **options: Any) -> Report:
    command = [sys.executable, FAULTY, *([defect] if defect else [])]
    return run_client_suite(
        process_adapter(command, timeout=5, **options), {"command": command}, only
    )


def test_a_secret_sent_in_the_body_is_accepted_and_graded_in_c15() -> None:
    pytest.importorskip("authlib")
    from frameio_oauth_mock.conformance.client.adapters.authlib_client import AuthlibClient

    class PostingAuthlib(AuthlibClient):
        def __init__(self, setup: ClientSetup) -> None:
            super().__init__(setup)
            if not setup.is_public:
                self.client.token_endpoint_auth_method = "client_secret_post"

    report = run_client_suite(PostingAuthlib, {"adapter": "posting"}, ["C5", "C14", "C15"])
    assert report.result("C5").outcome is Outcome.PASS  # the mock took client_secret_post
    assert report.result("C14").outcome is Outcome.PASS
    c15 = report.result("C15").verdict
    assert report.result("C15").outcome is Outcome.WARN
    assert "secret_login: client_secret_post, not Basic" in c15.summary


def test_a_mock_refusal_is_reported_as_such_quoting_its_error() -> None:
    pytest.importorskip("authlib")
    from frameio_oauth_mock.conformance.client.adapters.authlib_client import AuthlibClient

    class WrongSecret(AuthlibClient):
        def __init__(self, setup: ClientSetup) -> None:
            if not setup.is_public:
                setup = ClientSetup(**{**setup.__dict__, "client_secret": "not-the-secret"})
            super().__init__(setup)

    report = run_client_suite(WrongSecret, {"adapter": "wrong-secret"}, ["C5"])
    c5 = report.result("C5")
    # pkce_login passes; secret_login's refusal is the mock's, about client authentication.
    assert c5.outcome is Outcome.PASS
    refused = [note for note in c5.verdict.notes if note.startswith("secret_login: the mock")]
    assert refused == [
        "secret_login: the mock refused POST /oauth2/token with HTTP 401 (invalid_client: "
        "Client authentication failed (e.g., unknown client, no client authentication "
        "included, or unsupported authentication method).)"
    ]


def test_refresh_on_expiry_in_real_time() -> None:
    assert BY_NAME["access_token_expiry"].server_options == {"access_token_ttl": 3}
    # The correct process client (its clock is its own) does not refresh after a 401: a warn
    # about what it sent once the token had really expired, not a clock artefact.
    c21 = _faulty("", ["C21"]).result("C21")
    assert c21.outcome is Outcome.WARN
    assert "no refresh; the expired access token was sent (HTTP 401)" in c21.verdict.summary


def test_retry_after_3s_tells_honouring_from_a_fixed_back_off() -> None:
    assert RETRY_AFTER == 3
    fixed = _faulty("retry-1s", ["C24"]).result("C24")
    assert fixed.outcome is Outcome.FAIL
    assert "retried after 1.0" in fixed.verdict.summary and "asked 3s" in fixed.verdict.summary
    honoured = _faulty("retry-after", ["C24"]).result("C24")
    assert honoured.outcome is Outcome.PASS
    assert "Retry-After 3s: retried after 3.0" in honoured.verdict.summary


def test_the_special_secret_is_vschar_with_every_character_that_needs_encoding() -> None:
    secret = APPS[SPECIAL_SECRET_APP].secret
    assert secret is not None
    assert all(0x20 <= ord(character) <= 0x7E for character in secret)  # RFC 6749 A.2
    assert set(" +%:&/=") <= set(secret)


def test_a_pkce_only_client_gets_through_and_gets_a_frameio_finding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = _faulty("no-state", ["C5", "C8", "C9", "C10", "C11", "C22"])
    outcomes = {result.info.id: result.outcome for result in report.results}
    assert outcomes["C8"] is Outcome.PASS
    assert (
        "relies on PKCE for CSRF protection, as RFC 9700 2.1" in report.result("C8").verdict.summary
    )
    assert outcomes["C9"] is outcomes["C10"] is Outcome.NOT_APPLICABLE
    # Its other scenarios ran as for any client: the mock did not refuse the missing state.
    assert outcomes["C5"] is outcomes["C11"] is outcomes["C22"] is Outcome.PASS
    (finding,) = report.target["frameio_compatibility"]
    assert "refuses an authorization request without a state of at least 8 characters" in finding
    assert "this client sent no state" in finding
    command = [sys.executable, FAULTY, "no-state"]
    main(["conformance", "client", "--only", "C8", "--quiet", "--", *command])
    assert (
        "Frame.io compatibility: Frame.io's server (frameio-v2) refuses" in capsys.readouterr().out
    )


def test_a_client_with_state_gets_no_frameio_finding() -> None:
    assert _faulty("", ["C8"]).target["frameio_compatibility"] == []


def test_verdicts_say_when_they_grade_the_adapters_code() -> None:
    report = _faulty("", ["C9", "C11"], adapter_code=["C9"])
    assert report.target["graded"]["adapter code"] == {"C9": "declared with --adapter-code"}
    c9, c11 = report.result("C9").verdict, report.result("C11").verdict
    assert c9.summary.startswith("[adapter code] ")
    assert c9.notes[0].startswith("graded: the adapter's own code, not the library")
    assert not c11.summary.startswith("[adapter code]")
