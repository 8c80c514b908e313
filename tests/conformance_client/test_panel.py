"""The panel (examples/panel): each real library, through its adapter, gets exactly the verdicts
docs/conformance-client.md expects of it (tables argued from the library's source)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARIES = {
    "authlib-httpx": "authlib",
    "authlib-requests": "authlib",
    "requests-oauthlib": "requests_oauthlib",
    "oauthlib-web": "oauthlib",
    "httpx-oauth": "httpx_oauth",
    "frameio-sdk": "frameio",
}


def _panel() -> ModuleType:
    spec = importlib.util.spec_from_file_location("panel", ROOT / "examples" / "panel" / "panel.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["panel"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_member_has_an_adapter_a_readme_and_a_table() -> None:
    panel = _panel()
    # The npm and Go members run in tox -e conformance-panel only.
    assert set(panel.MEMBERS) - set(panel.NPM) - set(panel.GO) == set(LIBRARIES)
    for name, member in panel.MEMBERS.items():
        program = member.script or "adapter.py"
        assert (ROOT / "examples" / "panel" / name / program).is_file()
        assert (ROOT / "examples" / "panel" / name / "README.md").is_file()
        assert list(panel.expected(name)) == [f"C{n}" for n in range(1, 33)], name


@pytest.mark.parametrize("name", list(LIBRARIES))
def test_the_verdicts_are_the_expected_ones(name: str) -> None:
    pytest.importorskip(LIBRARIES[name])
    panel = _panel()
    assert panel.differences(name, panel.run(name)) == []
