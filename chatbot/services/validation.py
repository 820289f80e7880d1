"""Checking a form of fields at once: keep what is valid, say what is not (issue 4 §1–§2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chatbot.errors import InvalidInput

Rule = Callable[[Any], Any]


def field_error(field: str, label: str, reason: str) -> InvalidInput:
    """An `InvalidInput` about one field: message "<label>: <reason>" (Korean), details {field: reason}."""
    return InvalidInput(f"{label}: {reason}", details={field: reason})


def validate_fields(
    rules: Mapping[str, Rule], raw: Mapping[str, Any], required: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Apply each field's rule (a function raising `InvalidInput`) to `raw[field]`.

    A value that is None or blank counts as not given. Returns `(accepted, errors)`: `accepted`
    maps each valid given field to its normalized value (a rule's "" result counts as not given);
    `errors` maps each rejected field, and each missing field of `required`, to a Korean reason.
    Never raises.
    """
    accepted: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, rule in rules.items():
        value = raw.get(field)
        result: Any = ""
        if value is not None and not (isinstance(value, str) and not value.strip()):
            try:
                result = rule(value)
            except InvalidInput as exc:
                errors[field] = exc.details.get(field, exc.user_message)
                continue
        if result != "":
            accepted[field] = result
        elif field in required:
            errors[field] = "입력해 주세요."
    return accepted, errors


def parse_id(value: Any, field: str, message: str) -> int:
    """A row id from clientExtra/params (int or digits, "#" allowed in front, 1..2^31-1).

    Raises `InvalidInput(message, details={field: "invalid"})` otherwise.
    """
    text = str(value if value is not None else "").strip().lstrip("#")
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise InvalidInput(message, details={field: "invalid"})
    return int(text)
