"""What a user installs and what a packager downloads.

- Everything is installed as one package, `frameio_oauth_mock`, so a project with its own
  `client.py`, `client/` or `conformance.py` can neither break the command nor shadow the library.
- `frameio-mock --version` names the installed version.
- The sdist carries what is needed to test it: tests, docs, examples, tox.ini, the licence.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def project_with_generic_names(tmp_path: Path) -> Path:
    """A user's project whose own modules are called client and conformance."""
    (tmp_path / "client.py").write_text("raise ImportError('the project's own client.py')\n")
    (tmp_path / "client").mkdir()
    (tmp_path / "client" / "__init__.py").write_text("OWN = 'client package of the project'\n")
    (tmp_path / "conformance.py").write_text("OWN = 'conformance module of the project'\n")
    (tmp_path / "mockserver.py").write_text("OWN = 'mockserver module of the project'\n")
    return tmp_path


@pytest.mark.parametrize("command", ["serve", "login", "conformance"])
def test_python_m_help_works_beside_a_projects_own_client(
    project_with_generic_names: Path, command: str
) -> None:
    # `python -m` puts the current directory first on sys.path, where the project's modules are.
    result = _run(
        [sys.executable, "-m", "frameio_oauth_mock", command, "--help"],
        project_with_generic_names,
    )
    assert result.returncode == 0, result.stderr
    assert f"usage: frameio-mock {command}" in result.stdout


def test_console_script_help_works_with_the_project_on_the_path(
    project_with_generic_names: Path,
) -> None:
    script = shutil.which("frameio-mock", path=str(Path(sys.executable).parent))
    assert script is not None
    for command in ([], ["login"], ["conformance", "client"]):
        result = _run(
            [script, *command, "--help"],
            project_with_generic_names,
            PYTHONPATH=str(project_with_generic_names),
        )
        assert result.returncode == 0, result.stderr
        assert "usage: frameio-mock" in result.stdout


def test_the_library_import_is_ours_and_the_projects_client_still_its_own(
    project_with_generic_names: Path,
) -> None:
    program = (
        "import client\n"
        "from frameio_oauth_mock.client import FrameioOAuth\n"
        "import frameio_oauth_mock.client as ours\n"
        "print(client.OWN)\n"
        "print(FrameioOAuth.__module__)\n"
        "print(ours.__file__)\n"
    )
    result = _run([sys.executable, "-c", program], project_with_generic_names)
    assert result.returncode == 0, result.stderr
    own, module, path = result.stdout.splitlines()
    assert own == "client package of the project"
    assert module.startswith("frameio_oauth_mock.client.")
    # From a checkout (symlinked part) or an installed wheel (site-packages), never the
    # project's own client/.
    assert Path(path).parts[-3:] == ("frameio_oauth_mock", "client", "__init__.py")


def test_version_flag_names_the_installed_version() -> None:
    result = _run([sys.executable, "-m", "frameio_oauth_mock", "--version"], ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"frameio-mock {version('frameio-oauth-mock')}"


def test_license_is_the_mit_licence_the_metadata_declares() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in text
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()


def test_sdist_carries_tests_docs_examples_and_tox_ini(tmp_path: Path) -> None:
    # An isolated build, as a packager runs it (it fetches setuptools from the package index).
    result = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (archive,) = tmp_path.glob("frameio_oauth_mock-*.tar.gz")
    with tarfile.open(archive) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        names = {name.removeprefix(top + "/") for name in sdist.getnames()}
    expected = {
        "LICENSE",
        "README.md",
        "tox.ini",
        "pyproject.toml",
        ".ci/run",
        "tests/conftest.py",
        "tests/test_packaging.py",
        "tests/http/test_token_endpoint.py",
        "docs/client.md",
        "docs/conformance-server.md",
        "docs/conformance-catalogue.md",
        "docs/fidelity.md",  # what tests/http and tests/property take their expectations from
        "docs/screenshots/login.png",  # the README shows them
        "benchmarks/floor_app.py",
        "examples/node-client/client.js",
        "frameio_oauth_mock/__init__.py",
        "frameio_oauth_mock/mockserver/cli.py",
        "frameio_oauth_mock/mockserver/web/templates/login.html",
        "frameio_oauth_mock/client/_sync.py",
        "frameio_oauth_mock/conformance/cli.py",
        # tox.ini's lint environment checks the top-level folders
        "mockserver/cli.py",
        "client/_sync.py",
        "conformance/cli.py",
    }
    assert expected <= names, sorted(expected - names)
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
