"""What an HTML page loads by itself, for the "no third-party content" checks of both sides
(S25 on the authorization server's pages, C29 on a client's callback page)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin


class PageResources(HTMLParser):
    """URLs a page loads by itself (scripts, styles, images, frames) and its meta referrer."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.urls: list[str] = []
        self.meta_referrer = ""
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ("script", "img", "iframe") and values.get("src"):
            self.urls.append(urljoin(self.base, values["src"]))
        elif tag == "link" and "stylesheet" in values.get("rel", "") and values.get("href"):
            self.urls.append(urljoin(self.base, values["href"]))
        elif tag == "meta" and values.get("name", "").lower() == "referrer":
            self.meta_referrer = values.get("content", "")
        self._in_script = tag == "script" and not values.get("src")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)
