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


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add `conformance` (with its `server` subcommand) to an argparse subparsers object."""
    conformance: argparse.ArgumentParser = commands.add_parser(
        "conformance", help="grade an OAuth server (or, later, a client) against the RFCs"
    )
    sides = conformance.add_subparsers(
        dest="conformance_side", metavar="SIDE", parser_class=type(conformance)
    )
    server = sides.add_parser(
        "server", help="black-box checks of an authorization server (CONFORMANCE.md S1-S64)"
    )
    server.add_argument("--target", required=True, metavar="FILE", help="target description (TOML)")
    server.add_argument("--only", metavar="IDS", help="comma-separated check ids, e.g. S39,S43")
    server.add_argument("--json", metavar="FILE", help="write the JSON report here")
    server.add_argument(
        "--junit", metavar="FILE", help="write JUnit XML here (one testcase per check)"
    )
    server.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="must",
        help="exit 1 when a check at or above this level fails (default must; 'should' also "
        "counts warnings)",
    )
    server.add_argument("--quiet", action="store_true", help="no progress lines")
    return conformance


def _error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    side = getattr(args, "conformance_side", None)
    if side == "server":
        return _run_server(args)
    return _error("conformance needs a side: 'conformance server --target FILE'")


def _run_server(args: argparse.Namespace) -> int:
    from conformance.model import Level
    from conformance.report import (
        exit_status,
        progress_line,
        summary_table,
        write_json,
        write_junit,
    )
    from conformance.server.discovery import SetupError
    from conformance.server.suite import run_server_suite
    from conformance.server.target import TargetError, load_target

    try:
        target = load_target(args.target)
    except TargetError as error:
        return _error(str(error))
    only = args.only.split(",") if args.only else None

    def progress(index: int, total: int, result: Any) -> None:
        if not args.quiet:
            print(progress_line(index, total, result), file=sys.stderr, flush=True)

    try:
        report = run_server_suite(target, only, progress)
    except KeyError as error:
        return _error(f"--only: unknown check id {error.args[0]}")
    except SetupError as error:
        return _error(f"{target.source}: {error}")
    print(summary_table(report))
    try:
        if args.json:
            write_json(report, args.json)
        if args.junit:
            write_junit(report, args.junit)
    except OSError as error:
        return _error(f"cannot write the report: {error}")
    return exit_status(report, Level.MUST if args.fail_on == "must" else Level.SHOULD)
