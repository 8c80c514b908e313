"""`frameio-mock conformance server`: exit codes, reports on disk, one-line target errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from frameio_oauth_mock.conformance.server.target import TargetError, load_target
from frameio_oauth_mock.mockserver.cli import main
from tests.conformance.support import serve


def test_passing_selection_exits_0_and_writes_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_path, junit_path = tmp_path / "r.json", tmp_path / "r.xml"
    with serve(tmp_path, strict=True) as target:
        status = main(
            [
                "conformance",
                "server",
                "--target",
                str(target),
                "--only",
                "s36,S39",
                "--json",
                str(json_path),
                "--junit",
                str(junit_path),
            ]
        )
    out, err = capsys.readouterr()
    assert status == 0
    assert "[1/2] S36  pass" in err and "[2/2] S39  pass" in err  # progress on stderr
    assert out.splitlines()[0].split() == ["outcome", "MUST", "SHOULD", "advisory", "total"]
    assert [c["id"] for c in json.loads(json_path.read_text())["checks"]] == ["S36", "S39"]
    assert len(list(ET.parse(junit_path).getroot().iter("testcase"))) == 2


def test_a_failing_must_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serve(tmp_path, strict=False) as target:  # frameio-v2: no WWW-Authenticate (S36)
        assert main(["conformance", "server", "--target", str(target), "--only", "S36"]) == 1
        assert main(["conformance", "server", "--target", str(target), "--only", "S16"]) == 0
        args = ["conformance", "server", "--target", str(target), "--only", "S16", "--quiet"]
        assert main([*args, "--fail-on", "should"]) == 1  # S16 warns (plain advertised)
    assert "S36  fail  MUST     401 without WWW-Authenticate" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("issuer = 'https://as.test'\n", "at least one [[clients]] table is required"),
        ("issuer = 42\n", "'issuer' must be a string, got 42"),
        (
            "[[clients]]\nclient_id = 'a'\nredirect_uris = ['https://c.test/cb']\n",
            "give 'issuer' (for discovery) or both [endpoints] authorization and token",
        ),
        (
            "issuer = 'https://as.test'\n[[clients]]\nclient_id = 'a'\nredirect_uris = []\n",
            "clients[0] (a): 'redirect_uris' must list at least one URI",
        ),
        (
            "issuer = 'https://as.test'\n[[clients]]\nclient_id = 'a'\n"
            "auth_method = 'client_secret_post'\nredirect_uris = ['https://c.test/cb']\n",
            "auth_method 'client_secret_post' needs a client_secret",
        ),
        (
            "issuer = 'https://as.test'\n[[clients]]\nclient_id = 'a'\nredirect_uris = ['https://c/cb']\n"
            "[login]\nstrategy = 'form'\n",
            "[login] strategy 'form' needs [user] username and password",
        ),
        (
            "issuer = 'https://as.test'\n[[clients]]\nclient_id = 'a'\nredirect_uris = ['https://c/cb']\n"
            "colour = 'blue'\n",
            "unknown key 'colour'",
        ),
        (
            "issuer = 'https://as.test'\n[[clients]]\nclient_id = 'a'\nredirect_uris = ['https://c/cb']\n"
            "[options]\nentropy_samples = 1\n",
            "'entropy_samples' must be at least 4, got 1",
        ),
        ("issuer = [\n", "TOML syntax error"),
    ],
)
def test_bad_target_files_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "target.toml"
    path.write_text(content)
    with pytest.raises(TargetError, match=None) as raised:
        load_target(path)
    assert message in str(raised.value)
    assert main(["conformance", "server", "--target", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frameio-mock: error: ") and message in err
    assert err.count("\n") == 1


def test_cli_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "server", "--target", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml: no such file" in capsys.readouterr().err
    with serve(tmp_path, strict=True) as target:
        assert main(["conformance", "server", "--target", str(target), "--only", "S99"]) == 2
    assert "unknown check id S99" in capsys.readouterr().err
    assert main(["conformance", "server"]) == 2  # --target is required
    assert main(["conformance"]) == 2
    unreachable = tmp_path / "down.toml"
    unreachable.write_text(
        "issuer = 'http://127.0.0.1:9'\n[[clients]]\nclient_id = 'a'\nredirect_uris = ['https://c/cb']\n"
    )
    assert main(["conformance", "server", "--target", str(unreachable)]) == 2
    assert "no authorization and no token endpoint" in capsys.readouterr().err
