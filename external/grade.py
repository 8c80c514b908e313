"""Grade OAuth servers that were not written here with `frameio-mock conformance server`.

    python external/grade.py --out reports/ [--node-modules DIR] [--only NAME,...] [--no-compare]

For each server: start it on a free loopback port, register the clients it needs, write a
target file, run the suite (JSON and JUnit reports in --out), stop it. Then print a Markdown
table of what each one fails or warns on, and compare every item's outcome with the verdict
committed in external/expected/<server>.json (with the evidence for it, from the server's
source and probes): any difference is printed and the exit status is 1.
`tox -e conformance-external` installs the servers (django-oauth-toolkit, nanoidp and
oidc-provider-mock from PyPI; oidc-provider, @node-oauth/oauth2-server with express and
oauth2-mock-server from npm) and runs this.
"""

from __future__ import annotations

import argparse
import importlib.metadata
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
EXPECTED = HERE / "expected"  # per server: the verdict expected for each item, with evidence
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
    package: str = ""  # the PyPI distribution or npm package whose version is graded

    def version(self, args: argparse.Namespace) -> str:
        name = self.package or self.name
        if self.source == "PyPI":
            try:
                return importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                return "?"
        manifest = Path(args.node_modules) / name / "package.json"
        try:
            return str(json.loads(manifest.read_text())["version"])
        except (OSError, ValueError, KeyError):
            return "?"


OPTIONS = {"code_reuse_delay": 2.0, "brute_force_attempts": 10}
# Servers whose code lifetime is configured here (external/*.mjs, dot_server.py): S73 waits
# one out. The others keep their default (nanoidp 600 s, fixed) and leave S73 undecided.
SHORT_CODES = {**OPTIONS, "code_lifetime": 5}


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
        "options": SHORT_CODES,
    }


def dot_target(url: str) -> dict[str, Any]:
    """external/dot_server.py: the toolkit's URLs under /o/ found through its metadata,
    Django's login, /me."""
    redirects = [REDIRECT, LOOPBACK_REDIRECT]
    clients: list[dict[str, Any]] = [
        {
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": redirects,
            "scope": "read",
            "extra_scope": "write",
        }
        for client_id, secret in (
            ("conformance-app", "conformance-secret-0123456789"),
            ("conformance-other", "other-secret-0123456789"),
            ("conformance-special", "s3 cr:t+%&/-0123456789"),
        )
    ]
    clients.append(
        {
            "client_id": "conformance-public",
            "auth_method": "none",
            "redirect_uris": redirects,
            "scope": "read",
            "extra_scope": "write",
        }
    )
    return {
        "issuer": url,
        "endpoints": {"resource": f"{url}/me"},
        "clients": clients,
        "user": {"username": "conformance-user", "password": "conformance-password-123"},
        "login": {"strategy": "form"},
        "options": SHORT_CODES,
    }


def node_oauth2_server_target(url: str) -> dict[str, Any]:
    """external/node_oauth2_server.mjs: no metadata, so every endpoint is named."""
    redirects = [REDIRECT, LOOPBACK_REDIRECT]
    return {
        "endpoints": {
            "authorization": f"{url}/authorize",
            "token": f"{url}/token",
            "resource": f"{url}/me",
        },
        "clients": [
            {
                "client_id": "conformance-app",
                "client_secret": "conformance-secret-0123456789",
                "redirect_uris": redirects,
                "scope": "read",
                "extra_scope": "write",
            },
            {
                "client_id": "conformance-other",
                "client_secret": "other-secret-0123456789",
                "redirect_uris": redirects,
                "scope": "read",
                "extra_scope": "write",
            },
            {
                "client_id": "conformance-public",
                "auth_method": "none",
                "redirect_uris": redirects,
                "scope": "read",
                "extra_scope": "write",
            },
        ],
        "user": {"username": "conformance-user", "password": "unused"},
        "login": {"strategy": "auto"},
        "options": SHORT_CODES,
    }


NANOIDP_CLIENTS = (
    ("conformance-app", "conformance-secret-0123456789", "client_secret_basic"),
    ("conformance-other", "other-secret-0123456789", "client_secret_basic"),
    ("conformance-public", "", "none"),
)


def nanoidp_command(port: int, args: argparse.Namespace) -> list[str]:
    """nanoidp with a configuration directory written here: its defaults (the dev profile),
    our clients, and one user."""
    config = Path(args.out) / "nanoidp-config"
    config.mkdir(parents=True, exist_ok=True)
    clients = "".join(
        f"    - client_id: {json.dumps(client_id)}\n"
        + (f"      client_secret: {json.dumps(secret)}\n" if secret else "")
        + f"      token_endpoint_auth_method: {method}\n"
        + f"      redirect_uris: [{json.dumps(REDIRECT)}, {json.dumps(LOOPBACK_REDIRECT)}]\n"
        for client_id, secret, method in NANOIDP_CLIENTS
    )
    (config / "settings.yaml").write_text(
        "config_version: 1\n"
        f"server:\n  host: 127.0.0.1\n  port: {port}\n"
        f"oauth:\n  issuer: http://127.0.0.1:{port}\n  clients:\n{clients}"
    )
    (config / "users.yaml").write_text(
        "config_version: 1\nusers:\n  conformance-user:\n"
        '    password: "conformance-password-123"\n    email: "user@example.org"\n'
    )
    return [
        sys.executable,
        "-m",
        "nanoidp",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--config",
        str(config),
    ]


def nanoidp_target(url: str) -> dict[str, Any]:
    clients: list[dict[str, Any]] = []
    for client_id, secret, method in NANOIDP_CLIENTS:
        client: dict[str, Any] = {
            "client_id": client_id,
            "redirect_uris": [REDIRECT, LOOPBACK_REDIRECT],
            "scope": "openid",
            "auth_method": method,
        }
        if secret:
            client["client_secret"] = secret
        clients.append(client)
    return {
        "issuer": url,
        "clients": clients,
        "user": {"username": "conformance-user", "password": "conformance-password-123"},
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
    Server(
        "django-oauth-toolkit",
        "PyPI",
        lambda port, args: [sys.executable, str(HERE / "dot_server.py"), str(port)],
        dot_target,
        health_path="/login/",
    ),
    Server(
        "node-oauth2-server",
        "npm",
        lambda port, args: _node(str(HERE / "node_oauth2_server.mjs"), str(port)),
        node_oauth2_server_target,
        health_path="/health",
        package="@node-oauth/oauth2-server",
    ),
    Server("nanoidp", "PyPI", nanoidp_command, nanoidp_target),
]


def grade(server: Server, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NODE_PATH": str(args.node_modules)}
    log = (out / f"{server.name}.server.log").open("wb")
    # In the reports directory: some servers write files where they run (nanoidp its keys).
    process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
        server.command(port, args), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=out
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


def markdown(
    results: dict[str, dict[str, Any]], sources: dict[str, str], versions: dict[str, str]
) -> str:
    lines = [
        "| server | source | pass | fail | warn | n/a | not decidable | error | fail or error "
        "| warn |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, report in results.items():
        if "error_message" in report:
            lines.append(
                f"| {versions[name]} | {sources[name]} | could not run: {report['error_message']} |"
            )
            continue
        counts = {outcome: sum(row.values()) for outcome, row in report["summary"].items()}
        fails = ", ".join(c["id"] for c in report["checks"] if c["outcome"] in ("fail", "error"))
        warns = ", ".join(c["id"] for c in report["checks"] if c["outcome"] == "warn")
        numbers = " | ".join(
            str(counts[outcome])
            for outcome in ("pass", "fail", "warn", "not_applicable", "not_decidable", "error")
        )
        lines.append(
            f"| {versions[name]} | {sources[name]} | {numbers} | {fails or '-'} | {warns or '-'} |"
        )
    return "\n".join(lines)


def expected_verdicts(name: str) -> dict[str, dict[str, str]]:
    path = EXPECTED / f"{name}.json"
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text())["verdicts"])


def changed_verdicts(name: str, report: dict[str, Any]) -> list[str]:
    """Items whose outcome differs from the committed expectation, one line each; an item
    the file does not list is a change too (every item has an expected verdict)."""
    expected = expected_verdicts(name)
    if not expected:
        return [f"{name}: no expected verdicts in {EXPECTED / (name + '.json')}"]
    lines = []
    seen = {check["id"]: check for check in report["checks"]}
    for check_id, check in seen.items():
        want = expected.get(check_id, {}).get("outcome")
        if want != check["outcome"]:
            lines.append(
                f"{name} {check_id}: expected {want or '(none recorded)'}, got "
                f"{check['outcome']}: {check['summary'][:160]}"
            )
    for check_id in sorted(set(expected) - set(seen)):
        lines.append(f"{name} {check_id}: expected {expected[check_id]['outcome']}, not run")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="conformance-reports", help="directory for the reports")
    parser.add_argument(
        "--node-modules", default="node_modules", help="where npm installed the Node servers"
    )
    parser.add_argument("--only", help="comma-separated server names")
    parser.add_argument(
        "--no-compare",
        action="store_true",
        help="do not compare with external/expected/ (exit 0 even if verdicts changed)",
    )
    args = parser.parse_args()
    # Absolute: the servers run in the reports directory, not here.
    args.out = str(Path(args.out).resolve())
    args.node_modules = str(Path(args.node_modules).resolve())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = set(args.only.split(",")) if args.only else None
    results: dict[str, dict[str, Any]] = {}
    versions: dict[str, str] = {}
    for server in SERVERS:
        if wanted and server.name not in wanted:
            continue
        print(f"grading {server.name} ({server.source}) ...", file=sys.stderr, flush=True)
        versions[server.name] = f"{server.name} {server.version(args)}"
        try:
            results[server.name] = grade(server, args, out)
        except (RuntimeError, OSError, httpx.HTTPError) as error:
            results[server.name] = {"error_message": str(error)}
    table = markdown(results, {server.name: server.source for server in SERVERS}, versions)
    (out / "summary.md").write_text(table + "\n")
    print(table)
    ran = all("error_message" not in report for report in results.values())
    if args.no_compare:
        return 0 if ran else 1
    changes = [
        line
        for name, report in results.items()
        if "error_message" not in report
        for line in changed_verdicts(name, report)
    ]
    (out / "changed-verdicts.txt").write_text("".join(f"{line}\n" for line in changes))
    for line in changes:
        print(f"CHANGED {line}", file=sys.stderr)
    return 0 if ran and not changes else 1


if __name__ == "__main__":
    sys.exit(main())
