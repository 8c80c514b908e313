"""Grade OAuth servers that were not written here with `frameio-mock conformance server`.

    python external/grade.py --out reports/ [--node-modules DIR] [--only NAME,...]

For each server: start it on a free loopback port, register the clients it needs, write a
target file, run the suite (JSON and JUnit reports in --out), stop it. Then print a Markdown
table of what each one fails or warns on. `tox -e conformance-external` installs the servers
(oidc-provider-mock from PyPI; oauth2-mock-server and oidc-provider from npm) and runs this.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
REDIRECT = "https://client.example.test/callback"
LOOPBACK_REDIRECT = "http://127.0.0.1:8765/callback"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:g}s")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], dict)


def to_toml(target: dict[str, Any]) -> str:
    """Just enough TOML for a target: top-level keys, [tables] and [[arrays of tables]]."""
    lines = [
        f"{key} = {toml_value(value)}"
        for key, value in target.items()
        if not isinstance(value, dict) and not _is_tables(value)
    ]
    for key, value in target.items():
        if isinstance(value, dict):
            lines += ["", f"[{key}]", *(f"{k} = {toml_value(v)}" for k, v in value.items())]
        elif _is_tables(value):
            for table in value:
                lines += ["", f"[[{key}]]", *(f"{k} = {toml_value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


@dataclass
class Server:
    name: str
    source: str  # where it comes from, for the table
    command: Callable[[int, argparse.Namespace], list[str]]
    target: Callable[[str], dict[str, Any]]  # base URL -> target description
    health_path: str = "/.well-known/openid-configuration"


OPTIONS = {"code_reuse_delay": 2.0, "brute_force_attempts": 10}


def oidc_provider_mock_target(url: str) -> dict[str, Any]:
    """oidc-provider-mock with --require-registration: register clients through its API."""

    def register(method: str) -> dict[str, str]:
        answer = httpx.post(
            f"{url}/oauth2/clients",
            json={
                "redirect_uris": [REDIRECT, LOOPBACK_REDIRECT],
                "token_endpoint_auth_method": method,
            },
        )
        answer.raise_for_status()
        return dict(answer.json())

    # No public client: registration accepts token_endpoint_auth_method "none", but the token
    # endpoint then refuses the client (it only authenticates with a secret), which would
    # turn every PKCE check into an error rather than a grade.
    clients = [
        {
            "client_id": c["client_id"],
            "client_secret": c["client_secret"],
            "redirect_uris": [REDIRECT, LOOPBACK_REDIRECT],
            "scope": "openid email",
        }
        for c in (register("client_secret_basic"), register("client_secret_basic"))
    ]
    return {
        "issuer": url,
        "clients": clients,
        "user": {"username": "conformance-user", "password": "unused"},
        "login": {"strategy": "form"},
        "options": OPTIONS,
    }


def oauth2_mock_server_target(url: str) -> dict[str, Any]:
    """oauth2-mock-server accepts any client and approves at once. It names itself
    http://localhost:PORT whatever address it listens on, so that is the issuer."""
    return {
        "issuer": url.replace("127.0.0.1", "localhost"),
        "clients": [
            {
                "client_id": "conformance-app",
                "client_secret": "conformance-secret",
                "redirect_uris": [REDIRECT],
                "scope": "openid offline_access",
            },
            {
                "client_id": "conformance-other",
                "client_secret": "other-secret",
                "redirect_uris": [REDIRECT],
                "scope": "openid offline_access",
            },
            {
                "client_id": "conformance-public",
                "auth_method": "none",
                "redirect_uris": [REDIRECT],
                "scope": "openid offline_access",
            },
            {
                "client_id": "conformance-special",
                "client_secret": "s3 cr:t+%&/",
                "redirect_uris": [REDIRECT],
                "scope": "openid",
            },
        ],
        "user": {"username": "conformance-user", "password": "unused"},
        "login": {"strategy": "auto"},
        "options": OPTIONS,
    }


def oidc_provider_target(url: str) -> dict[str, Any]:
    """panva/oidc-provider with the clients external/oidc_provider.mjs registers."""
    redirects = [REDIRECT, LOOPBACK_REDIRECT]
    return {
        "issuer": url,
        "clients": [
            {
                "client_id": "conformance-app",
                "client_secret": "conformance-secret-0123456789-abcdefghij",
                "redirect_uris": redirects,
                "scope": "openid offline_access",
            },
            {
                "client_id": "conformance-other",
                "client_secret": "other-secret-0123456789-abcdefghijklmno",
                "redirect_uris": redirects,
                "scope": "openid offline_access",
            },
            {
                "client_id": "conformance-public",
                "auth_method": "none",
                "redirect_uris": redirects,
                "scope": "openid offline_access",
            },
            {
                "client_id": "conformance-special",
                "client_secret": "s3 cr:t+%&/-0123456789-abcdefghijklmnopq",
                "redirect_uris": redirects,
                "scope": "openid",
            },
        ],
        "user": {"username": "conformance-user", "password": "any-password"},
        "login": {"strategy": "form"},
        "options": OPTIONS,
    }


def _node(*parts: str) -> list[str]:
    return ["node", *parts]


SERVERS = [
    Server(
        "oidc-provider-mock",
        "PyPI",
        lambda port, args: [
            sys.executable,
            "-m",
            "oidc_provider_mock",
            "--port",
            str(port),
            "--require-registration",
            "true",
        ],
        oidc_provider_mock_target,
    ),
    Server(
        "oauth2-mock-server",
        "npm",
        lambda port, args: _node(
            str(Path(args.node_modules) / "oauth2-mock-server/dist/oauth2-mock-server.mjs"),
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
        ),
        oauth2_mock_server_target,
    ),
    Server(
        "oidc-provider",
        "npm",
        lambda port, args: _node(str(HERE / "oidc_provider.mjs"), str(port)),
        oidc_provider_target,
    ),
]


def grade(server: Server, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NODE_PATH": str(args.node_modules)}
    log = (out / f"{server.name}.server.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
        server.command(port, args), stdout=log, stderr=subprocess.STDOUT, env=env
    )
    try:
        wait_until_up(url + server.health_path, process)
        target_file = out / f"{server.name}.target.toml"
        target_file.write_text(to_toml(server.target(url)))
        json_file, junit_file = out / f"{server.name}.json", out / f"{server.name}.junit.xml"
        started = time.monotonic()
        run = subprocess.run(  # noqa: S603 - our own command line, no shell
            [
                sys.executable,
                "-m",
                "frameio_oauth_mock",
                "conformance",
                "server",
                "--target",
                str(target_file),
                "--json",
                str(json_file),
                "--junit",
                str(junit_file),
                "--quiet",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        (out / f"{server.name}.summary.txt").write_text(run.stdout + run.stderr)
        if not json_file.exists():
            raise RuntimeError(run.stderr.strip() or run.stdout.strip())
        report = json.loads(json_file.read_text())
        report["wall_seconds"] = time.monotonic() - started
        return dict(report)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def markdown(results: dict[str, dict[str, Any]], sources: dict[str, str]) -> str:
    lines = [
        "| server | source | pass | fail | warn | n/a | not decidable | error | fail or error "
        "| warn |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, report in results.items():
        if "error_message" in report:
            lines.append(f"| {name} | {sources[name]} | could not run: {report['error_message']} |")
            continue
        counts = {outcome: sum(row.values()) for outcome, row in report["summary"].items()}
        fails = ", ".join(c["id"] for c in report["checks"] if c["outcome"] in ("fail", "error"))
        warns = ", ".join(c["id"] for c in report["checks"] if c["outcome"] == "warn")
        numbers = " | ".join(
            str(counts[outcome])
            for outcome in ("pass", "fail", "warn", "not_applicable", "not_decidable", "error")
        )
        lines.append(f"| {name} | {sources[name]} | {numbers} | {fails or '-'} | {warns or '-'} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="conformance-reports", help="directory for the reports")
    parser.add_argument(
        "--node-modules", default="node_modules", help="where npm installed the Node servers"
    )
    parser.add_argument("--only", help="comma-separated server names")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = set(args.only.split(",")) if args.only else None
    results: dict[str, dict[str, Any]] = {}
    for server in SERVERS:
        if wanted and server.name not in wanted:
            continue
        print(f"grading {server.name} ({server.source}) ...", file=sys.stderr, flush=True)
        try:
            results[server.name] = grade(server, args, out)
        except (RuntimeError, OSError, httpx.HTTPError) as error:
            results[server.name] = {"error_message": str(error)}
    table = markdown(results, {server.name: server.source for server in SERVERS})
    (out / "summary.md").write_text(table + "\n")
    print(table)
    return 0 if all("error_message" not in report for report in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
