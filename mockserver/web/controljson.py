"""Strict JSON for control request bodies: refused whole, before anything is applied.

Python's json module accepts NaN and Infinity, numbers of any size, nesting up to the
interpreter's recursion limit and strings with lone surrogates; each of those, once stored,
broke a later answer (a clock at NaN refuses every code; a surrogate cannot be encoded in the
client listing or the login page). So a control document holds finite numbers within the range
JSON peers agree on, nests at most MAX_DEPTH deep, and every string is encodable text.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 16
MAX_SAFE_INTEGER = 2**53 - 1  # beyond this, JSON implementations disagree on the value


class ControlError(Exception):
    """A bad control request; the message names the bad field."""


def _number_refused(text: str) -> Any:
    raise ControlError(f"body: {text} is not a JSON number this mock accepts")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        _number_refused(text[:20])
    return value


def _safe_int(text: str) -> int:
    # Refuse by length first, so a 100,000-digit integer is never converted.
    if len(text.lstrip("-")) > 16 or abs(int(text)) > MAX_SAFE_INTEGER:
        _number_refused(text[:20] + ("..." if len(text) > 20 else ""))
    return int(text)


def parse_control_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in a control body ({} for an empty body), or ControlError."""
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ControlError("body: not UTF-8 text") from None
    if _nesting(text) > MAX_DEPTH:
        raise ControlError(f"body: nested more than {MAX_DEPTH} deep")
    try:
        data = json.loads(
            text,
            parse_constant=_number_refused,
            parse_float=_finite_float,
            parse_int=_safe_int,
        )
    except json.JSONDecodeError as error:
        raise ControlError(f"body: not valid JSON ({error})") from None
    except RecursionError:  # _nesting refuses such documents first; this is a backstop
        raise ControlError(f"body: nested more than {MAX_DEPTH} deep") from None
    if not isinstance(data, dict):
        raise ControlError("body: must be a JSON object")
    _check_strings(data)
    return data


def _nesting(text: str) -> int:
    """How deep brackets nest, ignoring those inside strings (an upper bound is enough)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _check_strings(document: Any) -> None:
    """Refuse strings (values or keys) that are not encodable text, e.g. lone surrogates."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ControlError(
                    f"body: the string {value[:40]!r} is not valid text (a lone surrogate)"
                ) from None
