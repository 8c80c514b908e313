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
