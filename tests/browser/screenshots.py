"""Regenerate the README's screenshots in docs/screenshots/ (not a test; run by hand):

    python -m tests.browser.screenshots            # every page
    python -m tests.browser.screenshots login      # only the named ones

Each page is driven as the browser tests drive it, then captured at a small size.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import Any

import httpx

from frameio_oauth_mock.mockserver import MockServer
from tests.browser import flows
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS


def shoot(page: Any, name: str, full_page: bool = False) -> None:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    # Small files for the README: a 64-colour palette (Debian's pngquant), when installed.
    if shutil.which("pngquant"):
        subprocess.run(
            ["pngquant", "--force", "--skip-if-larger", "--output", str(path), "64", str(path)],
            check=False,
        )
    print(path, path.stat().st_size, "bytes")


def main(names: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    unknown = sorted(set(names) - set(flows.SCREENSHOT_STEPS))
    if unknown:
        print(f"unknown screenshot {', '.join(unknown)}; choose from "
              f"{', '.join(flows.SCREENSHOT_STEPS)}", file=sys.stderr)  # fmt: skip
        return 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with MockServer(**flows.SERVER) as mock, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name, shot in flows.SCREENSHOT_STEPS.items():
            if names and name not in names:
                continue
            context = browser.new_context(**shot.get("context", {"viewport": flows.DESKTOP}))
            page = context.new_page()
            mock.reset()
            shot["drive"](mock, page)
            shoot(page, name, shot.get("full_page", False))
            context.close()
        httpx.get(mock.url + "/health")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
