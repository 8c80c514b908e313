"""`frameio-mock conformance client`: adapters and commands, reports on disk, exit codes."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from frameio_oauth_mock.mockserver.cli import main
from tests.conformance_client.test_process import NODE_CLIENT


def test_adapter_run_writes_reports_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_path, junit_path = tmp_path / "r.json", tmp_path / "r.xml"
    args = ["conformance", "client", "--adapter", "this", "--only", "c9,C11"]
    status = main([*args, "--json", str(json_path), "--junit", str(junit_path)])
    out, err = capsys.readouterr()
    assert status == 0, out
    assert "[1/2] C9   pass" in err and "[2/2] C11  pass" in err
    assert out.splitlines()[0].split() == ["outcome", "MUST", "SHOULD", "advisory", "total"]
    report = json.loads(json_path.read_text())
    assert report["suite"] == "client" and report["target"]["adapter"] == "this"
    assert [check["id"] for check in report["checks"]] == ["C9", "C11"]
    assert set(report["target"]["scenarios"]) == {"state_wrong", "state_missing", "callback_twice"}
    suite = ET.parse(junit_path).getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "conformance.client"
    assert len(list(suite.iter("testcase"))) == 2


def test_a_failing_must_exits_1_and_should_counts_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("requests_oauthlib")
    base = ["conformance", "client", "--adapter", "requests-oauthlib", "--quiet"]
    assert main([*base, "--only", "C11"]) == 1  # redeems a replayed callback
    assert main([*base, "--only", "C10"]) == 0  # SHOULD: a warn...
    assert main([*base, "--only", "C10", "--fail-on", "should"]) == 1  # ...red with should
    assert "C11  fail  MUST     callback_twice:" in capsys.readouterr().out


def test_command_after_double_dash(capsys: pytest.CaptureFixture[str]) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    args = ["conformance", "client", "--only", "C10", "--quiet", "--timeout", "5"]
    assert main([*args, "--", node, str(NODE_CLIENT)]) == 0
    assert "pass" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "needs --adapter NAME or -- COMMAND"),
        (["--adapter", "this", "--", "node", "x.js"], "needs --adapter NAME or -- COMMAND"),
        (["--adapter", "this", "--only", "C99"], "--only: unknown check id C99"),
        (["--timeout", "0", "--", "node", "x.js"], "--timeout must be positive"),
        (["--adapter", "nope"], "invalid choice: 'nope'"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["conformance", "client", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_command_that_cannot_start_is_an_error_not_a_crash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["conformance", "client", "--only", "C9,C1", "--quiet", "--", "/nonexistent/client"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "C1   error MUST     no scenario could be played: the client could not be started" in out
