"""The `frameio-mock` command: serve (and, later, login and conformance).

Every failure a user can cause (bad flag, bad config, port in use) ends in one line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlencode, urlsplit

# The server's modules are imported by the functions that use them, once main() has turned the
# garbage collector off for start-up.
if TYPE_CHECKING:
    from frameio_oauth_mock.mockserver.settings import ServerSettings, Settings

PROG = "frameio-mock"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line instead of argparse's usage dump.
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _VersionAction(argparse.Action):
    """--version, reading the installed version only when asked (see frameio_oauth_mock)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="show program's version number and exit",
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from frameio_oauth_mock import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def _build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; `login` and `conformance` are added only when `command` may need them,
    so `serve` starts without importing the client library or the conformance suite."""
    from frameio_oauth_mock.mockserver.environment import CONFIG_VARIABLE

    parser = _Parser(prog=PROG, description="A local, faithful Frame.io OAuth 2 server.")
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    serve = commands.add_parser(
        "serve",
        help="run the mock authorization server",
        description="Run the mock authorization server.",
        epilog="Every [server] option can also be set by an environment variable "
        "FRAMEIO_MOCK_<OPTION>: FRAMEIO_MOCK_HOST, FRAMEIO_MOCK_PORT, FRAMEIO_MOCK_AUTO_APPROVE, "
        "FRAMEIO_MOCK_ADMIN_TOKEN, ... (flags override them, they override the file). "
        "FRAMEIO_MOCK_JSON_CONFIG holds a whole configuration inline, as JSON shaped like the "
        "TOML file.",
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, help="port to listen on (default 8080; 0 picks a free one)"
    )
    serve.add_argument(
        "--config",
        default=os.environ.get(CONFIG_VARIABLE),
        metavar="PATH",
        help="TOML file with [server], [[clients]] and [[users]] "
        "(default: $FRAMEIO_MOCK_CONFIG, else a built-in demo)",
    )
    serve.add_argument(
        "--auto-approve",
        action="store_true",
        default=None,
        help="approve every valid authorization request at once, without login or consent pages",
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="OAuth 2.1 / RFC 9700 behaviour instead of the real server's quirks: PKCE for "
        "every client, S256 only, iss in every authorization response, WWW-Authenticate on 401",
    )
    serve.add_argument("--issuer", metavar="URL", help="public base URL when behind a proxy")
    serve.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="Bearer token required by the /_mock/ control API; needed to enable it when "
        "listening on a non-loopback address",
    )
    serve.add_argument("--log-level", choices=LOG_LEVELS, help="uvicorn log level (default info)")
    serve.add_argument(
        "--store",
        metavar="URL",
        help="where state lives: memory (default), sqlite:///path/to/mock.db (survives a "
        "restart) or redis://host:port/db (shared by several instances)",
    )
    if command != "serve" and command != "conformance":
        from frameio_oauth_mock.client._cli import add_login_command

        add_login_command(commands)
    if command != "serve" and command != "login":
        from frameio_oauth_mock.conformance.cli import add_parser as add_conformance_command

        add_conformance_command(commands)
    return parser


def _serve_settings(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> tuple[Settings, str | None]:
    """Settings from the config file, the inline JSON or the demo, then the FRAMEIO_MOCK_*
    variables, then the flags; and where the configuration came from (None: the demo)."""
    from frameio_oauth_mock.mockserver.environment import (
        CONFIG_VARIABLE,
        JSON_CONFIG_VARIABLE,
        json_config,
        server_options,
    )
    from frameio_oauth_mock.mockserver.settings import (
        demo_settings,
        load_config,
        store_url_problem,
    )

    environ = os.environ if environ is None else environ
    inline = environ.get(JSON_CONFIG_VARIABLE) or None
    if inline is not None and args.config is not None:
        raise UsageError(
            f"--config (or ${CONFIG_VARIABLE}) and ${JSON_CONFIG_VARIABLE} are both set; use one"
        )
    source: str | None
    if inline is not None:
        settings, source = json_config(inline), f"${JSON_CONFIG_VARIABLE}"
    elif args.config is not None:
        settings, source = load_config(args.config), args.config
    else:
        settings, source = demo_settings(), None
    changes: dict[str, object] = server_options(environ)
    options = (
        "host",
        "port",
        "issuer",
        "auto_approve",
        "strict",
        "log_level",
        "admin_token",
        "store",
    )
    for option in options:
        value = getattr(args, option)
        if value is not None:
            changes[option] = value
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    if args.store is not None:
        problem = store_url_problem(args.store)
        if problem:
            raise UsageError(f"--store: {problem}")
    if args.issuer is not None:
        parts = urlsplit(args.issuer)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"--issuer must be an http(s) URL, got {args.issuer!r}")
    return settings.with_server(**changes), source


def _describe_demo(settings: Settings, url: str) -> str:
    confidential, public = settings.clients[0], settings.clients[1]
    user = settings.users[0]
    redirect = confidential.redirect_uris[0]
    try_url = f"{url}{settings.profile.paths.authorize}?" + urlencode(
        {
            "client_id": confidential.client_id,
            "response_type": "code",
            "redirect_uri": redirect,
            "scope": "account.read offline",
            "state": "try-it-12345",
        }
    )
    return "\n".join(
        [
            "Built-in demo configuration (pass --config FILE to use your own):",
            f"  confidential app  client_id={confidential.client_id}  "
            f"client_secret={confidential.client_secret}  (HTTP Basic at the token endpoint)",
            f"  PKCE app          client_id={public.client_id}  "
            "(no secret; send code_challenge with S256)",
            f"  redirect URI      {redirect}",
            f"  scopes            {' '.join(confidential.scopes)}",
            f"  user              {user.email} / {user.password}",
            f"  try it            {try_url}",
        ]
    )


def _describe_control_api(server: ServerSettings, loopback_only: bool) -> str:
    """What the banner says about /_mock/; `loopback_only` is judged from the bound address."""
    if server.admin_token:
        return "Control API /_mock/ is on; it requires 'Authorization: Bearer <admin token>'"
    if not loopback_only:
        return (
            "Control API /_mock/ is off: listening on a non-loopback address; "
            "pass --admin-token to enable it"
        )
    return "Control API /_mock/ is on (loopback only, no token needed)"


def _serve(args: argparse.Namespace, collecting: bool) -> int:
    # Imported here so `--help` and config errors answer without loading the server stack.
    from frameio_oauth_mock.mockserver import summary
    from frameio_oauth_mock.mockserver.serving import (
        BindError,
        NotifyingServer,
        bind_socket,
        socket_url,
        tune_gc_for_serving,
        uvicorn_config,
    )
    from frameio_oauth_mock.mockserver.web import create_app

    settings, source = _serve_settings(args, os.environ)
    for warning in [] if source is None else summary.warnings(settings, source):
        print(f"{PROG}: warning: {warning}", file=sys.stderr, flush=True)
    server_options = settings.server
    try:
        sock = bind_socket(server_options.host, server_options.port)
    except BindError as error:
        raise UsageError(str(error)) from None
    url = socket_url(sock)
    from frameio_oauth_mock.mockserver.store.opening import StoreUnavailable

    try:
        app = create_app(settings)
    except StoreUnavailable as error:
        raise UsageError(str(error)) from None
    exposure = app.state.exposure
    exposure.bind(sock)

    def announce() -> None:
        if source is None:
            print(_describe_demo(settings, url), flush=True)
        else:
            print(summary.describe(settings, source), flush=True)
        mode = "auto-approve" if server_options.auto_approve else "interactive login and consent"
        print(_describe_control_api(server_options, exposure.loopback_only), flush=True)
        print(f"{PROG} ({settings.profile.name}, {mode}) listening on {url}", flush=True)

    def ready() -> None:
        # What start-up built lives as long as the process: frozen out of the collector's
        # sight, then the collector is on again (main turned it off).
        tune_gc_for_serving()
        if collecting:
            gc.enable()
        announce()

    server = NotifyingServer(uvicorn_config(app, server_options.log_level), on_ready=ready)
    server.run(sockets=[sock])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    # Start-up (imports, settings, the app, uvicorn's own) allocates tens of thousands of
    # objects that live as long as the process and next to no garbage; the collector would
    # walk them dozens of times, about 7 ms of every `serve` start. `serve` turns it on again
    # once it is ready; every other path (and a failed start) on the way out.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(argv, collecting)
    finally:
        if collecting:
            gc.enable()


def _run(argv: Sequence[str] | None, collecting: bool) -> int:
    from frameio_oauth_mock.mockserver.settings import ConfigError

    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((word for word in arguments if not word.startswith("-")), None)
    parser = _build_parser(command)
    try:
        args = parser.parse_args(arguments)
        if args.command == "serve":
            return _serve(args, collecting)
        if collecting:  # login and conformance run long and make garbage like any program
            gc.enable()
        if args.command == "login":
            from frameio_oauth_mock.client._cli import run_login

            return run_login(args, PROG)
        if args.command == "conformance":
            from frameio_oauth_mock.conformance.cli import run as run_conformance

            return run_conformance(args)
        parser.print_help()
        return 2
    except (UsageError, ConfigError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
