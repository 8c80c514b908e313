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

from frameio_oauth_mock.conformance.server.forms import (
    APPROVE_WORDS,
    DENY_WORDS,
    Button,
    Form,
    parse_page,
)
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
    # Set when the driver could not operate a page (login refused, no way to deny, a form it
    # does not understand): the drive says nothing about the server, so nothing is graded.
    stuck: str = ""
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
            if call.status >= 500:
                # A server error page is no page to operate: its forms (a debugger's PIN
                # prompt) are not the server's login, and submitting them only leads back
                # to the start, where a login form looks "refused".
                drive.stopped = f"HTTP {call.status} at {_page(call)}: the server failed" + (
                    f" when the {drive.submissions[-1][0]} form was submitted"
                    if drive.submissions and drive.submissions[-1][1] is call
                    else ""
                )
                return drive
            step = self._next_step(call)
            if isinstance(step, str):
                if step:
                    drive.stuck = drive.stopped = step
                else:
                    drive.stopped = f"HTTP {call.status} at {_page(call)} with no form to submit"
                return drive
            if step.kind == "consent" and self.stop_at_consent and step.form is not None:
                drive.consent_form = step.form
                drive.stopped = "stopped at the consent form as asked"
                return drive
            if step.kind == "login":
                if tried_login:
                    drive.stuck = drive.stopped = (
                        f"the login form at {_page(call)} came back: username or password refused"
                    )
                    return drive
                tried_login = True
            call = self._take(step)
            drive.calls.append(call)
            drive.submissions.append((step.kind, call))
        drive.stuck = drive.stopped = f"gave up after {MAX_STEPS} steps without reaching the client"
        return drive

    def _next_step(self, call: Call) -> Step | str:
        """What a user would do on this page, or why nothing can be done: "" for a page
        without forms (an error page: the server refused), a message naming the page when
        it has forms the driver cannot operate (never graded as a refusal)."""
        if not call.is_html:
            return ""
        page = parse_page(call.text, call.url)
        forms = page.forms
        if page.auto_submits and forms:
            form = forms[0]
            return Step("form", form, form.buttons[0] if form.buttons else None)
        if not self.fill:
            if forms:
                return (
                    f"the server showed a form at {_page(call)} (use [login] strategy = "
                    '"form" or a hook)'
                )
            return ""
        for form in forms:
            if form.password_field is not None:
                return Step("login", form, _login_button(form))
        for form in forms:  # a login that asks only for a name (test IdPs often do)
            if len(form.visible_text_fields) == 1 and form.username_field(hinted=True):
                return Step("login", form, _login_button(form))
        approving = next((form for form in forms if form.button(APPROVE_WORDS)), None)
        if self.decision == "deny":
            refusing = next((form for form in forms if form.button(DENY_WORDS)), None)
            if refusing is not None:
                return Step("consent", refusing, refusing.button(DENY_WORDS))
            link = page.link(DENY_WORDS)
            if link is not None:
                return Step("consent", None, None, link.href)
            if approving is not None:
                return (
                    f"cannot deny on the page at {_page(call)}: it offers no refusing button "
                    "or link, only one that approves"
                )
        elif approving is not None:
            return Step("consent", approving, approving.button(APPROVE_WORDS))
        if forms:
            return (
                f"cannot operate the page at {_page(call)}: {len(forms)} form(s) with no login "
                "field, no allow or deny button, and no script submitting them"
            )
        return ""

    def submit(self, form: Form, pairs: list[tuple[str, str]], action: str = "") -> Call:
        """Send a form's pairs as its method says (POST body or GET query)."""
        target = action or form.action
        if form.method == "POST":
            return self.http.post(target, pairs)
        query = urlencode(pairs)
        separator = "&" if "?" in target else "?"
        return self.http.get(f"{target}{separator}{query}" if query else target)

    def _take(self, step: Step) -> Call:
        if step.form is None:  # a link
            return self.http.get(step.href)
        form, button = step.form, step.button
        filled: dict[str, str] = {}
        if step.kind == "login":
            user_field = form.username_field()
            if user_field is not None:
                filled[user_field.name] = self.username
            password = form.password_field
            if password is not None:
                filled[password.name] = self.password
        # Granting consent ticks what the page asks to be ticked (a "confirm" checkbox, the
        # scopes); refusing leaves the form as it came.
        tick = step.kind == "consent" and self.decision == "allow"
        return self.submit(form, form.pairs(filled, button, tick), button.action if button else "")


@dataclass(frozen=True)
class Step:
    """One thing to do on a page: submit `form` pressing `button`, or follow `href`."""

    kind: str  # "login", "consent" or "form" (an auto-submitting page)
    form: Form | None
    button: Button | None
    href: str = ""


def _login_button(form: Form) -> Button | None:
    return form.button(APPROVE_WORDS) or (form.buttons[0] if form.buttons else None)


def _page(call: Call) -> str:
    return call.url.split("?", 1)[0]


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
