"""The client harness against the mock's adobe-ims profile (Frame.io V4, /ims/...): clients
registered with IMS scopes, adapters given the IMS endpoints, userinfo as the resource."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frameio_oauth_mock.conformance.client.adapter import load_adapter
from frameio_oauth_mock.conformance.client.context import PROFILES, ClientContext, start_mock
from frameio_oauth_mock.conformance.client.suite import run_client_suite
from frameio_oauth_mock.conformance.model import Report
from frameio_oauth_mock.mockserver.cli import main
from tests.conformance_client.support import assert_complete

LIBRARIES = ["authlib", "requests-oauthlib"]
# PKCE, state and token-request items: the libraries' own work, whatever the server.
REQUEST_ITEMS = ("C2", "C3", "C4", "C5", "C8", "C13", "C14", "C16", "C17")


def _library(name: str) -> str:
    pytest.importorskip("authlib" if name == "authlib" else "requests_oauthlib")
    return name


def _outcomes(report: Report) -> dict[str, str]:
    return {result.info.id: result.outcome.value for result in report.results}


@pytest.fixture(scope="module", params=LIBRARIES)
def reports(request: pytest.FixtureRequest) -> tuple[Report, Report]:
    name = _library(str(request.param))
    factory = load_adapter(name)
    target = {"adapter": name}
    return (
        run_client_suite(factory, target, profile="adobe-ims"),
        run_client_suite(factory, target, profile="frameio-v2"),
    )


def test_the_ims_run_completes(reports: tuple[Report, Report]) -> None:
    ims, _ = reports
    assert_complete(ims)
    assert ims.target["profile"] == "adobe-ims"
    assert ims.target["scopes"] == ["openid", "AdobeID", "offline_access"]


def test_request_items_grade_as_on_frameio_v2(reports: tuple[Report, Report]) -> None:
    ims, legacy = _outcomes(reports[0]), _outcomes(reports[1])
    for item in REQUEST_ITEMS:
        assert ims[item] in ("pass", legacy[item]), (item, ims[item], legacy[item])


@pytest.mark.parametrize("name", LIBRARIES)
def test_every_request_goes_to_the_ims_endpoints(name: str) -> None:
    profile = PROFILES["adobe-ims"]
    mock = start_mock(profile)
    try:
        context = ClientContext(mock, load_adapter(_library(name)), profile)
        runs = context.play_all()
    finally:
        mock.stop()
    assert not [run.name for run in runs if run.broken]
    paths = {entry.path for run in runs for entry in run.log}
    assert paths and all(path.startswith("/ims/") for path in paths), sorted(paths)
    assert "/ims/token/v3" in paths and "/ims/userinfo/v2" in paths


def test_the_this_adapter_is_refused_for_ims(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["conformance", "client", "--adapter", "this", "--profile", "adobe-ims"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "supports only frameio-v2" in err


def test_the_cli_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _library("authlib")
    out = tmp_path / "report.json"
    args = ["conformance", "client", "--adapter", "authlib", "--profile", "adobe-ims"]
    assert main([*args, "--only", "C2,C5", "--quiet", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["target"]["profile"] == "adobe-ims"
    assert {result["outcome"] for result in report["checks"]} == {"pass"}
