"""`frameio-mock conformance ...`: argument handling, kept apart from the mock's own CLI.

mockserver/cli.py calls add_parser() to hang `conformance` under its subcommands and run()
when it is chosen. Only argparse is imported up front, so `frameio-mock --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

PROG = "frameio-mock"
FAIL_ON = ("must", "should")
ADAPTER_NAMES = ("this", "authlib", "requests-oauthlib")  # conformance.client.adapter.ADAPTERS
PROFILE_NAMES = ("frameio-v2", "adobe-ims")  # conformance.client.context.PROFILES


def _add_report_options(parser: argparse.ArgumentParser, example: str) -> None:
    """The options both sides share: selection, report files, exit policy, progress."""
    parser.add_argument("--only", metavar="IDS", help=f"comma-separated check ids, e.g. {example}")
    parser.add_argument("--json", metavar="FILE", help="write the JSON report here")
    parser.add_argument(
        "--junit", metavar="FILE", help="write JUnit XML here (one testcase per check)"
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="must",
        help="exit 1 when a check at or above this level fails (default must; 'should' also "
        "counts warnings)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add `conformance` (with its `server` and `client` sides) to an argparse subparsers object."""
    conformance: argparse.ArgumentParser = commands.add_parser(
        "conformance", help="grade an OAuth server or client against the RFCs"
    )
    sides = conformance.add_subparsers(
        dest="conformance_side", metavar="SIDE", parser_class=type(conformance)
    )
    server = sides.add_parser(
        "server",
        help="black-box checks of an authorization server (docs/conformance-catalogue.md S1-S64)",
    )
    server.add_argument("--target", required=True, metavar="FILE", help="target description (TOML)")
    _add_report_options(server, "S39,S43")
    client = sides.add_parser(
        "client",
        help="run an OAuth client through scenarios on the mock "
        "(docs/conformance-catalogue.md C1-C32)",
        description="Grade a shipped adapter (--adapter) or any program (-- COMMAND ...; see "
        "docs/conformance-client.md for its environment variables and stdin/stdout lines).",
    )
    client.add_argument(
        "--adapter", choices=ADAPTER_NAMES, help="a Python client the harness drives in-process"
    )
    client.add_argument(
        "--profile",
        choices=PROFILE_NAMES,
        default="frameio-v2",
        help="the mock's endpoints to grade against: frameio-v2 (/oauth2/..., default) or "
        "adobe-ims (Frame.io V4, /ims/...)",
    )
    client.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long a command client gets to print a URL or a result line (default 10)",
    )
    client.add_argument(
        "--adapter-code",
        metavar="IDS",
        help="with -- COMMAND: the items whose work the program's own code does (say it "
        "parses the callback itself), not the library it wraps; the report says so",
    )
    _add_report_options(client, "C9,C11")
    client.add_argument(
        "client_command",  # not "command": mockserver/cli.py keeps the subcommand there
        metavar="COMMAND",
        nargs=argparse.REMAINDER,
        help="after --: the client program and its arguments",
    )
    return conformance


def _error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    side = getattr(args, "conformance_side", None)
    if side == "server":
        return _run_server(args)
    if side == "client":
        return _run_client(args)
    return _error(
        "conformance needs a side: 'conformance server --target FILE' or "
        "'conformance client --adapter NAME' / 'conformance client -- COMMAND ...'"
    )


def _progress(args: argparse.Namespace) -> Any:
    from frameio_oauth_mock.conformance.report import progress_line

    def progress(index: int, total: int, result: Any) -> None:
        if not args.quiet:
            print(progress_line(index, total, result), file=sys.stderr, flush=True)

    return progress


def _finish(report: Any, args: argparse.Namespace) -> int:
    """Print the summary, write the requested reports, and give the exit status."""
    from frameio_oauth_mock.conformance.model import Level
    from frameio_oauth_mock.conformance.report import (
        exit_status,
        summary_table,
        write_json,
        write_junit,
    )

    print(summary_table(report))
    for finding in report.target.get("frameio_compatibility") or ():
        print(f"\nFrame.io compatibility: {finding}")
    try:
        if args.json:
            write_json(report, args.json)
        if args.junit:
            write_junit(report, args.junit)
    except OSError as error:
        return _error(f"cannot write the report: {error}")
    return exit_status(report, Level.MUST if args.fail_on == "must" else Level.SHOULD)


def _only(args: argparse.Namespace) -> list[str] | None:
    return args.only.split(",") if args.only else None


def _run_server(args: argparse.Namespace) -> int:
    from frameio_oauth_mock.conformance.server.discovery import SetupError
    from frameio_oauth_mock.conformance.server.suite import run_server_suite
    from frameio_oauth_mock.conformance.server.target import TargetError, load_target

    try:
        target = load_target(args.target)
    except TargetError as error:
        return _error(str(error))
    try:
        report = run_server_suite(target, _only(args), _progress(args))
    except KeyError as error:
        return _error(f"--only: unknown check id {error.args[0]}")
    except SetupError as error:
        return _error(f"{target.source}: {error}")
    return _finish(report, args)


def _run_client(args: argparse.Namespace) -> int:
    from frameio_oauth_mock.conformance.client.adapter import AdapterError, load_adapter
    from frameio_oauth_mock.conformance.client.process import process_adapter
    from frameio_oauth_mock.conformance.client.suite import run_client_suite

    command = list(args.client_command or [])
    if command[:1] == ["--"]:
        command = command[1:]
    if bool(command) == bool(args.adapter):
        return _error("conformance client needs --adapter NAME or -- COMMAND ... (one of them)")
    if args.timeout <= 0:
        return _error("--timeout must be positive")
    if args.adapter == "this" and args.profile != "frameio-v2":
        return _error(
            f"adapter 'this' (client.FrameioOAuth) supports only frameio-v2, not {args.profile}"
        )
    try:
        if args.adapter:
            factory = load_adapter(args.adapter)
            target: dict[str, Any] = {"adapter": args.adapter}
        else:
            declared = [item.strip().upper() for item in (args.adapter_code or "").split(",")]
            factory = process_adapter(command, args.timeout, [item for item in declared if item])
            target = {"command": command}
    except AdapterError as error:
        return _error(str(error))
    try:
        report = run_client_suite(factory, target, _only(args), _progress(args), args.profile)
    except KeyError as error:
        return _error(f"--only: unknown check id {error.args[0]}")
    return _finish(report, args)
