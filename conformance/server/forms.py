"""HTML forms as a browser sees them, with html.parser: fields, buttons, and which one to press.

Enough of HTML for login and consent pages: <form>, <input>, <button>, <select>/<option>,
<textarea>. Scripts are not run, so a page that only works with JavaScript needs a login hook.
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

    def pairs(self, filled: dict[str, str], button: Button | None) -> list[tuple[str, str]]:
        """What submitting the form sends: current values (hidden ones included), the filled
        ones replaced, and the pressed button's own name=value."""
        pairs: list[tuple[str, str]] = []
        for item in self.fields:
            if item.type in _NEVER_SUBMITTED:
                continue
            if item.type in ("checkbox", "radio") and not item.checked:
                continue
            pairs.append((item.name, filled.get(item.name, item.value)))
        if button is not None and button.name:
            pairs.append((button.name, button.value))
        return pairs


class _FormParser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._button: Button | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
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
                self._form.buttons.append(Button(name, values.get("value", ""), ""))
            elif name:
                self._form.fields.append(
                    Field(name, kind, values.get("value", ""), "checked" in values, hints)
                )
        elif tag == "button":
            if values.get("type", "submit").lower() == "submit":
                self._button = Button(name, values.get("value", ""), "")
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

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "button":
            self._button = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.text = (self._button.text + " " + data.strip()).strip()
        elif self._textarea is not None:
            self._textarea.value += data


def parse_forms(html: str, base_url: str) -> list[Form]:
    parser = _FormParser(base_url)
    parser.feed(html)
    parser.close()
    return parser.forms
