"""`frameio-mock login`: authorize from the command line, against the mock or Frame.io.

Kept here, next to the client it drives; mockserver/cli.py only registers it. Every failure
is one line on stderr and exit status 2, like the rest of the CLI.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TypeVar

import httpx

from frameio_oauth_mock.client._base import FRAMEIO_API_URL, FRAMEIO_BASE_URL
from frameio_oauth_mock.client._browser import open_in_browser
from frameio_oauth_mock.client._errors import FrameioOAuthError
from frameio_oauth_mock.client._store import FileTokenStore, MemoryTokenStore, TokenStore
from frameio_oauth_mock.client._sync import FrameioOAuth

Parser = TypeVar("Parser", bound=argparse.ArgumentParser)

MOCK_URL = "http://127.0.0.1:8080"
DEMO_CLIENT_ID = "demo-pkce-app"
DEMO_REDIRECT_URI = "http://127.0.0.1:8765/callback"
DEFAULT_SCOPE = "account.read offline"
SECRET_VARIABLE = "FRAMEIO_CLIENT_SECRET"
PROBE_TIMEOUT = 10.0  # seconds for the server to answer at all
# FrameioOAuth's parameter names as this command's options, for error messages.
_OPTIONS = {
    "base_url": "--base-url",
    "api_url": "--api-url",
    "client_id": "--client-id",
    "client_secret": "--client-secret",
    "redirect_uri": "--redirect-uri",
}


def add_login_command(commands: argparse._SubParsersAction[Parser]) -> None:
    """Add the `login` subcommand to a subparsers object (of any ArgumentParser subclass)."""
    login = commands.add_parser(
        "login",
        help="log in through the browser and print or store the token",
        description="Run the authorization-code flow with a loopback redirect: open the "
        "authorization URL, catch the callback, exchange the code. Against the mock on "
        f"{MOCK_URL} with its demo PKCE app by default.",
    )
    login.add_argument(
        "--base-url",
        default=MOCK_URL,
        metavar="URL",
        help=f"authorization server (default {MOCK_URL}; Frame.io: {FRAMEIO_BASE_URL})",
    )
    login.add_argument(
        "--api-url",
        metavar="URL",
        help=f"API base URL (default: {FRAMEIO_API_URL} for Frame.io, else --base-url)",
    )
    login.add_argument(
        "--client-id", default=DEMO_CLIENT_ID, help=f"default {DEMO_CLIENT_ID} (the demo)"
    )
    login.add_argument(
        "--client-secret",
        default=os.environ.get(SECRET_VARIABLE),
        help=f"for apps with a secret (default ${SECRET_VARIABLE}; none: a PKCE app)",
    )
    login.add_argument(
        "--scope", default=DEFAULT_SCOPE, help=f"space-separated scopes (default {DEFAULT_SCOPE!r})"
    )
    login.add_argument(
        "--redirect-uri",
        default=DEMO_REDIRECT_URI,
        metavar="URI",
        help=f"loopback redirect URI registered for the app (default {DEMO_REDIRECT_URI}; "
        "port 0 picks a free port)",
    )
    login.add_argument(
        "--token-file",
        metavar="PATH",
        help="store the token in this file (mode 0600) instead of printing it",
    )
    login.add_argument(
        "--no-browser", action="store_true", help="only print the URL, do not open a browser"
    )
    login.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the browser (default 300)",
    )


def _api_url(args: argparse.Namespace) -> str:
    if args.api_url:
        return str(args.api_url)
    return FRAMEIO_API_URL if args.base_url.rstrip("/") == FRAMEIO_BASE_URL else str(args.base_url)


def _unreachable(base_url: str) -> str | None:
    """Why the server cannot be reached, or None if it answers at all.

    Asked before the browser opens, so a server that is not running is reported at once instead
    of after the whole --timeout spent waiting for a callback that cannot come.
    """
    try:
        httpx.head(base_url, timeout=PROBE_TIMEOUT)
    except httpx.TransportError as error:
        hint = " (is the mock running? frameio-mock serve)" if base_url == MOCK_URL else ""
        reason = str(error) or type(error).__name__
        return f"cannot reach {base_url}: {reason}{hint}"
    return None


def run_login(args: argparse.Namespace, prog: str = "frameio-mock") -> int:
    """Run `login` with parsed arguments; returns the exit status."""

    def fail(message: str) -> int:
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2

    if args.timeout <= 0:
        return fail(f"--timeout must be positive, got {args.timeout:g}")
    store: TokenStore = FileTokenStore(args.token_file) if args.token_file else MemoryTokenStore()
    try:
        oauth = FrameioOAuth(
            args.client_id,
            args.client_secret or None,
            redirect_uri=args.redirect_uri,
            scopes=args.scope,
            base_url=args.base_url,
            api_url=_api_url(args),
            token_store=store,
        )
    except ValueError as error:  # the message starts with the parameter's name
        name, _, problem = str(error).partition(":")
        return fail(f"{_OPTIONS.get(name, name)}:{problem}")
    unreachable = _unreachable(oauth.base_url)
    if unreachable:
        return fail(unreachable)
    with oauth:
        try:
            token = oauth.login(
                open_browser=None if args.no_browser else open_in_browser, timeout=args.timeout
            )
        except FrameioOAuthError as error:
            return fail(str(error))
        except httpx.HTTPError as error:
            return fail(f"cannot reach {oauth.base_url}: {str(error) or type(error).__name__}")
    lifetime = token.expires_in(oauth.clock())
    summary = f"Logged in with {oauth.client_id}: scope {token.scope!r}" + (
        f", expires in {lifetime:.0f} s" if lifetime is not None else ""
    )
    if args.token_file:
        print(f"{summary}; token saved to {args.token_file}", file=sys.stderr)
    else:
        print(summary, file=sys.stderr)
        print(token.to_json())
    return 0
