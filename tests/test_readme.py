"""Every code block in README.md is run (or deliberately not), so the README stays true.

The rule, by fence language only (whoever writes a section):

- ```python  a complete program, run with `python` in an empty directory; a block that defines
             `test_...` functions is run with `pytest` instead (the plugin's fixtures are there).
- ```sh      run with `bash -euo pipefail` in an empty directory.
- ```toml    parsed, and loaded as a mock configuration when it has [server], [[clients]] or
             [[users]] tables (fragments of one file are loaded as they stand).
- ```py, ```shell, ```console, ```text, ```js, ```json: shown, never run: fragments, commands
             this test cannot run (installs, tox, a real Frame.io), output samples, other
             languages. Use them deliberately; every other fence (or none) fails this test.
             (The faults and request-log fragments are run after all, at the end of this file,
             on a mock prepared as their text presupposes.)

For `python` and `sh` blocks: unless the block starts `frameio-mock serve` itself, the test runs
the demo mock (`frameio-mock serve --auto-approve`) first. Every `127.0.0.1:8080` (the mock's
default address, and `--port 8080`) and `127.0.0.1:8765` (the demo's redirect URI) in the
block is replaced by a free port, so blocks never collide with anything else on the machine.
$BROWSER is a command that fetches the URL (the "browser" of `login()`, approved at once), and
everything the block started is stopped when it ends.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from frameio_oauth_mock.mockserver.settings import parse_config
from tests.serverproc import ServerPool, cli_env

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RUN = {"python", "sh"}
SHOWN = {"py", "shell", "console", "text", "js", "json"}
CONFIG_TABLES = {"server", "clients", "users"}
BLOCK_TIMEOUT = 120
_FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    line: int
    language: str
    code: str

    @property
    def id(self) -> str:
        return f"README.md:{self.line}:{self.language or 'no-language'}"


def _blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    return [
        Block(text.count("\n", 0, match.start()) + 1, match.group(1), match.group(2))
        for match in _FENCE.finditer(text)
    ]


BLOCKS = _blocks()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_every_block_is_run_or_deliberately_shown() -> None:
    unmarked = [block.id for block in BLOCKS if block.language not in RUN | SHOWN | {"toml"}]
    assert unmarked == [], "fence these as python/sh (run) or py/shell/console/text (shown)"
    assert [block for block in BLOCKS if block.language in RUN], "the README runs nothing?"


@pytest.mark.parametrize(
    "block", [b for b in BLOCKS if b.language == "toml"], ids=lambda block: block.id
)
def test_toml_block_parses_and_loads(block: Block) -> None:
    document = tomllib.loads(block.code)
    if set(document) & CONFIG_TABLES:
        parse_config(document, block.id)


# login()'s browser: fetch the URL in the background (the auto-approving mock redirects at once
# to the loopback callback) and return at once, as a real browser's launcher does.
BROWSER = """
import subprocess, sys
fetch = "import httpx, sys; httpx.get(sys.argv[1], follow_redirects=True, timeout=30)"
subprocess.Popen([sys.executable, "-c", fetch, sys.argv[1]])
"""


def _environment(workdir: Path) -> dict[str, str]:
    env = cli_env()
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    (workdir / "browser.py").write_text(BROWSER, encoding="utf-8")
    env["BROWSER"] = f"{sys.executable} {workdir / 'browser.py'} %s"
    env["HOME"] = str(workdir)  # ~/... paths stay inside the test's directory
    return env


@contextlib.contextmanager
def _demo_mock(port: int) -> Iterator[None]:
    with ServerPool() as pool:
        pool.start("--port", str(port), "--auto-approve", "--log-level", "warning")
        yield


@pytest.mark.parametrize(
    "block", [b for b in BLOCKS if b.language in RUN], ids=lambda block: block.id
)
def test_block_runs(block: Block, tmp_path: Path) -> None:
    workdir = tmp_path
    mock_port, callback_port = _free_port(), _free_port()
    code = block.code.replace("127.0.0.1:8080", f"127.0.0.1:{mock_port}")
    code = code.replace("--port 8080", f"--port {mock_port}")
    code = code.replace("127.0.0.1:8765", f"127.0.0.1:{callback_port}")
    if block.language == "python":
        is_test = re.search(r"^(async )?def test_", code, re.MULTILINE) is not None
        script = workdir / ("test_block.py" if is_test else "block.py")
        script.write_text(code, encoding="utf-8")
        if script.name.startswith("test_"):
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", script.name]
        else:
            command = [sys.executable, script.name]
    else:
        script = workdir / "block.sh"
        script.write_text(code, encoding="utf-8")
        command = ["bash", "-euo", "pipefail", script.name]
    starts_own = "frameio-mock serve" in code
    with contextlib.ExitStack() as stack:
        if not starts_own:
            stack.enter_context(_demo_mock(mock_port))
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=_environment(workdir),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: whatever it started is stopped too
        )
        try:
            output, _ = process.communicate(timeout=BLOCK_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            pytest.fail(f"{block.id} did not finish in {BLOCK_TIMEOUT} s:\n{output}")
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    assert process.returncode == 0, f"{block.id} failed:\n{output}"


# Two ```py fragments are written "on the `mock` of a test": each is run here on such a mock,
# after the steps its text presupposes, so their calls and claims stay true as well.
def _fragment(first_call: str) -> Block:
    (block,) = [b for b in BLOCKS if b.language == "py" and first_call in b.code]
    return block


def test_the_faults_fragment_adds_each_rule_it_shows() -> None:
    from frameio_oauth_mock.mockserver import MockServer
    from frameio_oauth_mock.mockserver.settings import demo_settings

    block = _fragment("mock.faults.add(")
    mock = MockServer(settings=demo_settings())
    exec(compile(block.code, block.id, "exec"), {"mock": mock})
    shown = block.code.count("mock.faults.add(")
    assert shown >= 8 and len(mock.faults) == shown


def test_the_request_log_fragment_holds_after_a_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from frameio_oauth_mock.mockserver import MockServer
    from frameio_oauth_mock.mockserver.settings import demo_settings

    block = _fragment("mock.requests.last(")
    monkeypatch.chdir(tmp_path)
    redirect = "http://127.0.0.1:8765/callback"
    with (
        MockServer(settings=demo_settings()) as mock,
        httpx.Client(auth=("demo-app", "demo-secret")) as http,
    ):
        query = {
            "client_id": "demo-app",
            "response_type": "code",
            "redirect_uri": redirect,
            "scope": "account.read offline",
            "state": "state-12345678",
        }
        location = httpx.get(mock.authorize_url, params=query).headers["location"]
        code = httpx.URL(location).params["code"]
        exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
        old_tokens = http.post(mock.token_url, data=exchange).json()
        refresh = {"grant_type": "refresh_token", "refresh_token": old_tokens["refresh_token"]}
        refreshed = http.post(mock.token_url, data=refresh)
        assert refreshed.status_code == 200, refreshed.text
        exec(compile(block.code, block.id, "exec"), {"mock": mock, "old_tokens": old_tokens})
    assert '"endpoint": "token"' in (tmp_path / "token-calls.json").read_text()
