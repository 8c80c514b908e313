"""Getting from an authorization URL to the redirect back to the client, like a browser would.

Three strategies (target [login] strategy):
- auto: the server approves by itself; only redirects on the server's own origins are followed.
- form: the built-in form driver logs in (username + password fields found by type and name)
  and consents (the allow/accept/approve... button), submitting hidden fields such as CSRF
  tokens with the cookies the pages set.
- hook: a user function "module:function" gets a LoginRequest and returns the callback URL.

The redirect URI is never contacted: the drive stops at the first Location that starts with a
client's redirect URI (or leaves the server's origins), and hands that Location back.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import httpx

from frameio_oauth_mock.conformance.server.forms import APPROVE_WORDS, DENY_WORDS, Form, parse_forms
from frameio_oauth_mock.conformance.server.http import Call, Http
from frameio_oauth_mock.conformance.server.target import Target

MAX_STEPS = 20
_FOLLOW_WITH_BODY = (307, 308)  # the only redirects that repeat a POST as a POST


@dataclass
class Drive:
    """What happened between the authorization request and the way back to the client."""

    calls: list[Call] = field(default_factory=list)
    callback: str | None = None  # the Location that reached the client (None: it never did)
    stopped: str = ""  # why the drive ended without a callback, for error messages
    # (kind, call) for every form submitted: kind is "login", "consent" or "form".
    submissions: list[tuple[str, Call]] = field(default_factory=list)
    # The consent form, when the driver was asked to stop before pressing its button.
    consent_form: Form | None = None

    @property
    def first(self) -> Call | None:
        return self.calls[0] if self.calls else None

    @property
    def last(self) -> Call | None:
        return self.calls[-1] if self.calls else None

    @property
    def pages(self) -> list[Call]:
        return [call for call in self.calls if call.is_html and not call.is_redirect]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass
class FormDriver:
    """Follows redirects and, when `fill` is set, fills login and consent forms."""

    http: Http
    server_origins: frozenset[str]
    client_prefixes: tuple[str, ...]
    username: str = ""
    password: str = ""
    fill: bool = True
    decision: str = "allow"  # or "deny": press the refusing button on the consent page
    stop_at_consent: bool = False  # hand the consent form back instead of submitting it

    def is_client_url(self, url: str) -> bool:
        return url.startswith(self.client_prefixes) or origin(url) not in self.server_origins

    def run(
        self, url: str, method: str = "GET", data: list[tuple[str, str]] | None = None
    ) -> Drive:
        drive = Drive()
        call = self.http.request(method, url, data=data)
        drive.calls.append(call)
        tried_login = False
        for _ in range(MAX_STEPS):
            if call.response is None:
                drive.stopped = f"no answer from {call.url}: {call.error}"
                return drive
            if call.is_redirect:
                location = call.location
                if self.is_client_url(location):
                    drive.callback = location
                    return drive
                if call.status in _FOLLOW_WITH_BODY and call.method == "POST":
                    previous = call.response.request.content.decode()
                    call = self.http.request(
                        "POST", location, content=previous, headers=_form_header()
                    )
                else:
                    call = self.http.get(location)
                drive.calls.append(call)
                continue
            form, kind = self._pick_form(call) if self.fill else (None, "")
            if form is None:
                drive.stopped = self._why_stuck(call)
                return drive
            if kind == "consent" and self.stop_at_consent:
                drive.consent_form = form
                drive.stopped = "stopped at the consent form as asked"
                return drive
            if kind == "login":
                if tried_login:
                    drive.stopped = "the login form came back: username or password refused"
                    return drive
                tried_login = True
            call = self._submit(form, kind)
            drive.calls.append(call)
            drive.submissions.append((kind, call))
        drive.stopped = f"gave up after {MAX_STEPS} steps without reaching the client"
        return drive

    def _why_stuck(self, call: Call) -> str:
        if call.is_html and not self.fill and parse_forms(call.text, call.url):
            return f'the server showed a form at {call.url} (use [login] strategy = "form")'
        return f"HTTP {call.status} at {call.url} with no form to submit"

    def _pick_form(self, call: Call) -> tuple[Form | None, str]:
        if not call.is_html:
            return None, ""
        forms = parse_forms(call.text, call.url)
        for form in forms:
            if form.password_field is not None:
                return form, "login"
        if self.decision == "deny":
            refusing = next((form for form in forms if form.button(DENY_WORDS)), None)
            if refusing is not None:
                return refusing, "consent"
        for form in forms:  # a login that asks only for a name (test IdPs often do)
            if len(form.visible_text_fields) == 1 and form.username_field(hinted=True):
                return form, "login"
        for form in forms:
            if form.button(APPROVE_WORDS) is not None:
                return form, "consent"
        # An auto-submitting page (form_post, "continue") with one form of hidden fields only.
        if len(forms) == 1 and not forms[0].visible_text_fields:
            return forms[0], "form"
        return None, ""

    def submit(self, form: Form, pairs: list[tuple[str, str]]) -> Call:
        """Send a form's pairs as its method says (POST body or GET query)."""
        if form.method == "POST":
            return self.http.post(form.action, pairs)
        query = urlencode(pairs)
        separator = "&" if "?" in form.action else "?"
        return self.http.get(f"{form.action}{separator}{query}" if query else form.action)

    def _submit(self, form: Form, kind: str) -> Call:
        filled: dict[str, str] = {}
        button = None
        if kind == "login":
            user_field = form.username_field()
            if user_field is not None:
                filled[user_field.name] = self.username
            password = form.password_field
            if password is not None:
                filled[password.name] = self.password
            button = form.button(APPROVE_WORDS) or (form.buttons[0] if form.buttons else None)
        elif kind == "consent":
            words = DENY_WORDS if self.decision == "deny" else APPROVE_WORDS
            button = form.button(words)
        elif form.buttons:
            button = form.buttons[0]
        return self.submit(form, form.pairs(filled, button))


def _form_header() -> dict[str, str]:
    return {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class LoginRequest:
    """What a login hook receives; it returns the callback URL (the Location that reached
    one of `client_prefixes`) or None when it could not get there."""

    authorize_url: str
    client: httpx.Client  # keeps cookies between calls; does not follow redirects
    username: str
    password: str
    client_prefixes: tuple[str, ...]
    decision: str = "allow"


Hook = Callable[[LoginRequest], "str | None"]


def load_hook(spec: str, base_dir: str) -> Hook:
    """Import "package.module:function", looking next to the target file first."""
    module_name, _, function_name = spec.partition(":")
    if base_dir not in sys.path:
        sys.path.insert(0, base_dir)
    module = importlib.import_module(module_name)
    hook = getattr(module, function_name, None)
    if not callable(hook):
        raise ValueError(f"login hook {spec!r}: {function_name} is not a function")
    return hook  # type: ignore[no-any-return]


def server_origins(target: Target, endpoints: dict[str, str]) -> frozenset[str]:
    urls = [target.issuer or "", *endpoints.values(), *target.login.origins]
    return frozenset(origin(url) for url in urls if url)
