"""login(): the authorization-code flow for scripts and CLIs, with a loopback redirect (RFC 8252).

It listens on the redirect URI's host, port and path, shows the user the authorization URL
(and opens it in a browser if it can), waits for the one callback, answers the browser with a
short page, and exchanges the code. Port 0 in the redirect URI means "any free port": Frame.io
(like the mock) accepts any port on a loopback IP literal.
"""

from __future__ import annotations

import base64
import hashlib
import html
import socket
import sys
import threading
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

from frameio_oauth_mock.client._base import with_port
from frameio_oauth_mock.client._browser import open_in_browser
from frameio_oauth_mock.client._errors import LoginError, LoginTimeoutError
from frameio_oauth_mock.client._sync import FrameioOAuth
from frameio_oauth_mock.client._token import Token
from frameio_oauth_mock.hosts import is_loopback_host

# Removes the code from the address bar and history once the page has loaded.
_SCRIPT = 'history.replaceState(null, "", location.pathname);'
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
_PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        f"default-src 'none'; script-src 'sha256-{_SCRIPT_HASH}'; style-src 'unsafe-inline'"
    ),
}
# The look of the mock's own login and consent pages, so the round trip feels like one app.
_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#14151a;color:#e8e8ef;margin:0}"
    "main{max-width:26rem;margin:4rem auto;background:#1f2027;padding:2rem;border-radius:12px}"
    "h1{font-size:1.3rem;margin-top:0}.ok{color:#7ee0a1}.failed{color:#ff8f9a}"
    ".note{color:#9a9aa8;font-size:.8rem;margin-top:2rem}"
    "@media (max-width:30rem){main{margin:0;border-radius:0;min-height:100vh;"
    "box-sizing:border-box;padding:1.2rem}}"
)


def _page(title: str, message: str, outcome: str = "") -> bytes:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body><main>"
        f'<h1 class="{outcome}">{html.escape(title)}</h1><p>{html.escape(message)}</p>'
        '<p class="note">frameio-mock login: the sign-in listener of a command-line tool.</p>'
        f"<script>{_SCRIPT}</script></main></body></html>"
    ).encode()


class _CallbackServer(HTTPServer):
    """A one-shot HTTP server that keeps the first request to `callback_path`."""

    def __init__(self, host: str, port: int, callback_path: str) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _CallbackHandler)
        self.callback_path = callback_path
        self.callback: str | None = None
        self.received = threading.Event()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:
        target = urlsplit(self.path)
        if target.path != self.server.callback_path or not target.query:
            self._answer(404, _page("Not found", "This is the sign-in listener of a CLI."))
            return
        if self.server.received.is_set():
            self._answer(200, _page("Already received", "You can close this window."))
            return
        self.server.callback = self.path
        params = dict(parse_qsl(target.query))
        if "error" in params:
            page = _page("Authorization failed", "Return to the application for details.", "failed")
        else:
            page = _page("Authorization received", "You can close this window now.", "ok")
        self._answer(200, page)
        self.server.received.set()

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        for name, value in _PAGE_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # stay quiet: request lines carry the authorization code


def _loopback_target(redirect_uri: str) -> tuple[str, int, str]:
    parts = urlsplit(redirect_uri)
    host = parts.hostname or ""
    if parts.scheme != "http" or not is_loopback_host(host):
        raise LoginError(
            "invalid_redirect_uri",
            f"login() needs an http redirect URI on a loopback host, not {redirect_uri!r}",
        )
    return host, parts.port if parts.port is not None else 80, parts.path or "/"


def _print_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def login(
    oauth: FrameioOAuth,
    *,
    open_browser: Callable[[str], object] | None = open_in_browser,
    timeout: float = 300.0,
    announce: Callable[[str], object] | None = None,
) -> Token:
    """Authorize the user of a script or CLI and return (and store) their Token.

    `announce` shows the authorization URL (default: stderr); `open_browser` opens it
    (default: the system browser; None to only show it). Raises LoginTimeoutError when no
    callback arrives within `timeout` seconds, and whatever exchange() raises.
    """
    host, port, path = _loopback_target(oauth.redirect_uri)
    try:
        server = _CallbackServer(host, port, path)
    except OSError as error:
        raise LoginError(
            "listener_failed", f"cannot listen on {host}:{port} ({error.strerror or error})"
        ) from None
    # A short poll interval: shutdown() waits up to one interval for the serving loop.
    serve = partial(server.serve_forever, poll_interval=0.05)
    thread = threading.Thread(target=serve, name="frameio-login", daemon=True)
    thread.start()
    try:
        redirect_uri = (
            with_port(oauth.redirect_uri, server.port) if port == 0 else oauth.redirect_uri
        )
        request = oauth.authorization_url(redirect_uri=redirect_uri)
        (announce or _print_to_stderr)(
            f"Open this URL in a browser to authorize {oauth.client_id}:\n  {request.url}"
        )
        if open_browser is not None:
            open_browser(request.url)
        if not server.received.wait(timeout):
            raise LoginTimeoutError(
                "login_timeout", f"no authorization response within {timeout:g} seconds"
            )
        callback = f"http://{urlsplit(redirect_uri).netloc}{server.callback}"
    finally:
        server.shutdown()  # waits for a request in progress, so the browser gets its page
        server.server_close()
        thread.join()
    return oauth.exchange(callback, request.state, request.code_verifier, redirect_uri=redirect_uri)
