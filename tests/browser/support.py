"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright
(its wheel ships the driver; no browser download). `.ci/run` installs the chromium package."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("FRAMEIO_MOCK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
REDIRECT = "http://127.0.0.1:8765/callback"
# An SPA on another origin than the mock's; Playwright serves its pages (page.route), the
# browser fetches the mock for real, so CORS is the browser's own.
SPA_ORIGIN = "http://127.0.0.1:5173"
SPA_REDIRECT = SPA_ORIGIN + "/callback"


class PageServer:
    """A web server on its own loopback port serving one HTML page at every path: the site of
    a single-page app, on another origin than the mock's. (A page Playwright fulfils itself has
    no address, and Chromium's local-network protection would then refuse its fetch() to
    127.0.0.1 before CORS is even asked.)"""

    def __init__(self, html: str = "") -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = owner.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

        self.html = html
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
