"""HTML forms as a browser sees them, with html.parser: fields, buttons, links, and which one
to press.

Enough of HTML for login and consent pages: <form>, <input>, <button> (with formaction),
<select>/<option>, <textarea>, and <a href> (a "Cancel" link). Scripts are not run, so a page
that only works with JavaScript needs a login hook; the one script pattern recognised is the
auto-submitting form (form_post, "continue" pages), which a browser would submit unasked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

# Words on the button that grants (or refuses) consent; matched against text, value and name.
APPROVE_WORDS = re.compile(
    r"\b(allow|accept|approve|consent|authori[sz]e|yes|grant|confirm|continue|agree)\b", re.I
)
DENY_WORDS = re.compile(r"\b(deny|reject|decline|cancel|refuse|no|abort|disallow)\b", re.I)
# Names (or ids, autocomplete values) of the field that takes the user's login.
USERNAME_HINTS = re.compile(r"user|e-?mail|login|account|ident|sub|name|phone", re.I)
_TEXT_TYPES = frozenset(["text", "email", "tel", ""])
_NEVER_SUBMITTED = frozenset(["submit", "button", "image", "reset", "file"])


@dataclass
class Field:
    name: str
    type: str
    value: str
    checked: bool = False
    hints: str = ""  # id, autocomplete and placeholder, for the username heuristics


@dataclass
class Button:
    name: str
    value: str
    text: str
    action: str = ""  # formaction: the button posts somewhere else than its form

    @property
    def words(self) -> str:
        return " ".join(part for part in (self.text, self.value, self.name) if part)


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    @property
    def password_field(self) -> Field | None:
        return next((f for f in self.fields if f.type == "password"), None)

    @property
    def visible_text_fields(self) -> list[Field]:
        return [f for f in self.fields if f.type in _TEXT_TYPES]

    def username_field(self, hinted: bool = False) -> Field | None:
        """The field for the login name: type=email, else a hinted name, else (unless
        `hinted`) the only text field."""
        candidates = self.visible_text_fields
        for candidate in candidates:
            if candidate.type == "email":
                return candidate
        for candidate in candidates:
            if USERNAME_HINTS.search(f"{candidate.name} {candidate.hints}"):
                return candidate
        return candidates[0] if len(candidates) == 1 and not hinted else None

    def button(self, words: re.Pattern[str]) -> Button | None:
        return next((b for b in self.buttons if words.search(b.words)), None)

    @property
    def checkboxes(self) -> list[Field]:
        return [f for f in self.fields if f.type == "checkbox"]

    def pairs(
        self, filled: dict[str, str], button: Button | None, tick: bool = False
    ) -> list[tuple[str, str]]:
        """What submitting the form sends: current values (hidden ones included), the filled
        ones replaced, and the pressed button's own name=value. `tick` checks every checkbox
        first, as a user granting everything a consent page asks for would."""
        pairs: list[tuple[str, str]] = []
        for item in self.fields:
            if item.type in _NEVER_SUBMITTED:
                continue
            checked = item.checked or (tick and item.type == "checkbox")
            if item.type in ("checkbox", "radio") and not checked:
                continue
            value = item.value or ("on" if item.type == "checkbox" else "")
            pairs.append((item.name, filled.get(item.name, value)))
        if button is not None and button.name:
            pairs.append((button.name, button.value))
        return pairs


@dataclass
class Link:
    href: str
    text: str


@dataclass
class Page:
    forms: list[Form]
    links: list[Link]
    auto_submits: bool  # a script (or onload) submits the form by itself

    def link(self, words: re.Pattern[str]) -> Link | None:
        return next((link for link in self.links if words.search(link.text)), None)


# form.submit() / forms[0].submit() in a script or an onload attribute.
_AUTO_SUBMIT = re.compile(r"\.submit\(\s*\)|requestSubmit\(", re.I)


class _FormParser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.forms: list[Form] = []
        self.links: list[Link] = []
        self.auto_submits = False
        self._form: Form | None = None
        self._button: Button | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._link: Link | None = None
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if _AUTO_SUBMIT.search(values.get("onload", "")):
            self.auto_submits = True
        if tag == "script":
            self._in_script = True
            return
        if tag == "a" and values.get("href") and not values["href"].startswith("#"):
            self._link = Link(urljoin(self.base_url, values["href"]), "")
            self.links.append(self._link)
            return
        if tag == "form":
            action = urljoin(self.base_url, values.get("action") or self.base_url)
            method = (values.get("method") or "get").upper()
            self._form = Form(action, "POST" if method == "POST" else "GET")
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = values.get("name", "")
        hints = " ".join(values.get(key, "") for key in ("id", "autocomplete", "placeholder"))
        if tag == "input":
            kind = values.get("type", "text").lower()
            if kind in ("submit", "image"):
                self._form.buttons.append(
                    Button(name, values.get("value", ""), "", self._action(values))
                )
            elif name:
                self._form.fields.append(
                    Field(name, kind, values.get("value", ""), "checked" in values, hints)
                )
        elif tag == "button":
            if values.get("type", "submit").lower() == "submit":
                self._button = Button(name, values.get("value", ""), "", self._action(values))
                self._form.buttons.append(self._button)
        elif tag == "select" and name:
            self._select = Field(name, "select", "", hints=hints)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = values.get("value", "")
            if not self._select.value or "selected" in values:
                self._select.value = value
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea", "", hints=hints)
            self._form.fields.append(self._textarea)

    def _action(self, values: dict[str, str]) -> str:
        action = values.get("formaction")
        return urljoin(self.base_url, action) if action else ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        elif tag == "a":
            self._link = None
        elif tag == "form":
            self._form = None
        elif tag == "button":
            self._button = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.auto_submits = self.auto_submits or bool(_AUTO_SUBMIT.search(data))
            return
        if self._link is not None:
            self._link.text = (self._link.text + " " + data.strip()).strip()
        if self._button is not None:
            self._button.text = (self._button.text + " " + data.strip()).strip()
        elif self._textarea is not None:
            self._textarea.value += data


def parse_page(html: str, base_url: str) -> Page:
    parser = _FormParser(base_url)
    parser.feed(html)
    parser.close()
    return Page(parser.forms, parser.links, parser.auto_submits)


def parse_forms(html: str, base_url: str) -> list[Form]:
    return parse_page(html, base_url).forms
