"""The mock's HTML pages read as a browser reads them: the forms of the login and consent pages,
and the auto-submitting page of response_mode=form_post.

The login and consent forms are read with a small HTMLParser, not regular expressions, so
attribute order and escaping do not matter; the form_post page is matched exactly, because
its markup (and the hash of its one script in the CSP) is what a browser runs.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # every named input and its value
    hidden: dict[str, str] = field(default_factory=dict)  # the hidden ones (challenge, csrf)
    buttons: dict[str, list[str]] = field(default_factory=dict)  # name -> values, in order

    @property
    def inputs(self) -> set[str]:
        """The names of the inputs a user fills in (email, password)."""
        return set(self.fields) - set(self.hidden)


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(values.get("action", ""), values.get("method", "get").lower()))
        elif not self.forms or "name" not in values:
            return
        elif tag == "input":
            name, value = values["name"], values.get("value", "")
            self.forms[-1].fields[name] = value
            if values.get("type") == "hidden":
                self.forms[-1].hidden[name] = value
        elif tag == "button":
            self.forms[-1].buttons.setdefault(values["name"], []).append(values.get("value", ""))


def forms_of(response: httpx.Response) -> list[Form]:
    reader = _FormReader()
    reader.feed(response.text)
    return reader.forms


def form_of(response: httpx.Response) -> Form:
    """The page's one form."""
    forms = forms_of(response)
    assert len(forms) == 1, response.text
    return forms[0]


def is_login_page(response: httpx.Response) -> bool:
    return 'name="password"' in response.text


def is_consent_page(response: httpx.Response) -> bool:
    return 'value="allow"' in response.text and 'name="password"' not in response.text


def form_post_page(response: httpx.Response) -> tuple[str, dict[str, str]]:
    """The auto-submitting page's form target and fields, after checking its headers."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "location" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    script = re.search(r"<script>(.*?)</script>", response.text, re.S)
    assert script is not None, response.text
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in response.headers["content-security-policy"]
    action = re.search(r'<form method="post" action="([^"]*)">', response.text)
    assert action is not None, response.text
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.text)
    return html.unescape(action.group(1)), {k: html.unescape(v) for k, v in fields}
