"""external/grade.py's comparison with the committed expected verdicts (the panel itself runs
in `tox -e conformance-external`, not here): every item must keep its verdict."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
# source: read in the server's installed files (file:line given); probe: seen in the suite's
# requests only; suite: the suite or the target leaves the item open (loopback TLS, an
# option not set), whatever the server does.
BASES = ("source", "probe", "suite")
# The panel's servers, every verdict read in their source (item 3 of issue 13) ...
READ_IN_THE_SOURCE = {
    "oauth2-mock-server",
    "node-oauth2-server",
    "django-oauth-toolkit",
    "oidc-provider",
    "oidc-provider-mock",
    "nanoidp",
}
# ... but for races the source does not rule out: there the verdict is what the rounds showed
# (the expected file says why the source does not decide it).
PROBES_LEFT = {"oidc-provider": {"S41", "S65"}}
CITATION = re.compile(r"[\w./@-]+\.(?:js|mjs|py|html):\d+")


def _grade() -> ModuleType:
    spec = importlib.util.spec_from_file_location("grade", ROOT / "external" / "grade.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["grade"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _report(**outcomes: str) -> dict[str, object]:
    return {
        "checks": [
            {"id": check_id, "outcome": outcome, "summary": f"{check_id} {outcome}"}
            for check_id, outcome in outcomes.items()
        ]
    }


def test_a_changed_verdict_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    grade = _grade()
    monkeypatch.setattr(grade, "EXPECTED", tmp_path)
    verdicts = {
        "S41": {"outcome": "fail", "evidence": "a race", "basis": "source"},
        "S43": {"outcome": "pass", "evidence": "probe", "basis": "probe"},
    }
    (tmp_path / "srv.json").write_text(json.dumps({"verdicts": verdicts}))
    assert grade.changed_verdicts("srv", _report(S41="fail", S43="pass")) == []
    changes = grade.changed_verdicts("srv", _report(S41="pass", S43="pass", S65="fail"))
    assert changes == [
        "srv S41: expected fail, got pass: S41 pass",
        "srv S65: expected (none recorded), got fail: S65 fail",
    ]
    assert grade.changed_verdicts("srv", _report(S41="fail")) == ["srv S43: expected pass, not run"]


def test_every_panel_server_has_expected_verdicts_with_evidence() -> None:
    grade = _grade()
    for server in grade.SERVERS:
        verdicts = grade.expected_verdicts(server.name)
        assert verdicts, server.name
        for check_id, verdict in verdicts.items():
            assert verdict["outcome"] in (
                "pass",
                "fail",
                "warn",
                "not_applicable",
                "not_decidable",
                "error",
            ), (server.name, check_id)
            assert verdict["basis"] in BASES, (server.name, check_id)
            assert len(verdict["evidence"]) > 10, (server.name, check_id)
        # Every fail is backed by the server's own source, not only by a probe.
        unread = [
            c for c, v in verdicts.items() if v["outcome"] == "fail" and v["basis"] != "source"
        ]
        assert unread == [], (server.name, unread)


@pytest.mark.parametrize("server", sorted(READ_IN_THE_SOURCE))
def test_every_verdict_of_a_server_read_in_full_cites_its_source(server: str) -> None:
    """No verdict rests on a probe alone: each pass, warn and fail names the file and line
    of the installed server (or of our glue in external/) that decides it, and the rest say
    why the suite or the target leaves the item open."""
    verdicts = _grade().expected_verdicts(server)
    for check_id, verdict in verdicts.items():
        if check_id in PROBES_LEFT.get(server, set()):
            assert verdict["basis"] == "probe" and CITATION.search(verdict["evidence"])
            continue
        assert verdict["basis"] != "probe", (server, check_id)
        if verdict["outcome"] in ("pass", "warn", "fail") or verdict["basis"] == "source":
            assert verdict["basis"] == "source", (server, check_id)
            assert CITATION.search(verdict["evidence"]), (server, check_id, verdict["evidence"])
