"""Opening the authorization URL in the user's browser, when there is one."""

from __future__ import annotations

import webbrowser


def open_in_browser(url: str) -> bool:
    """webbrowser.open, looked up at call time (so tests can stand in); False if it failed."""
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False
