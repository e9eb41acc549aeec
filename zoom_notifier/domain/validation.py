"""One readable line from a pydantic ``ValidationError``, naming each field and the rule broken."""

from __future__ import annotations

import re

from pydantic import ValidationError

__all__ = ["describe_validation_error", "json_kind", "slack_channel_problem", "validation_sentence"]

# A public (C...) or private (G...) channel's id. A direct message's id (D...) is refused: its
# history needs the im:history scope, which the app does not ask for, so an interrupted post
# there could not be looked up.
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")

_MAX_PROBLEMS = 5


# What a JSON value is called, by the Python type it parses to.
_JSON_KINDS = {
    "NoneType": "null",
    "list": "a list",
    "tuple": "a list",
    "dict": "an object",
    "str": "a string",
    "int": "a number",
    "float": "a number",
    "bool": "true or false",
}


def json_kind(value: object) -> str:
    """How a parsed JSON value is called in a message: ``null``, ``a list``, ``a string``."""
    name = type(value).__name__
    return _JSON_KINDS.get(name, name)


# pydantic's messages in words about a JSON field, by error type; ``{n}`` is its limit.
_SENTENCES = {
    "missing": "is required",
    "extra_forbidden": "is not a field this accepts (a typo?)",
    "string_type": "must be a string (text in quotes)",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date (YYYY-MM-DD)",
}
_LIMITS = {
    "too_short": "must hold at least {min_length} item(s)",
    "too_long": "must hold at most {max_length} item(s)",
    "string_too_short": "must have at least {min_length} character(s)",
    "string_too_long": "must have at most {max_length} characters",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be {ge} or more",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be {le} or less",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
}


def validation_sentence(error: dict[str, object]) -> str:
    """One pydantic error in words about the field (no Python types, no 'Value error,')."""
    kind = str(error["type"])
    if kind in _SENTENCES:
        return _SENTENCES[kind]
    context = error.get("ctx")
    if kind in _LIMITS and isinstance(context, dict):
        try:
            return _LIMITS[kind].format(**context)
        except (KeyError, IndexError):
            pass
    return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")


def describe_validation_error(exc: ValidationError) -> str:
    """``field 'topic': must have at most 200 characters; ...`` (first few problems), in words
    about the JSON, not Python's.

    The offending input is never quoted: it may be a secret.
    """
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in error["loc"])
        text = validation_sentence(dict(error))
        problems.append(f"field {location!r}: {text}" if location else text)
    extra = len(problems) - _MAX_PROBLEMS
    text = "; ".join(problems[:_MAX_PROBLEMS])
    return f"{text}; and {extra} more" if extra > 0 else text


def slack_channel_problem(value: str) -> str | None:
    """Why ``value`` is not a channel id app mode can post to, or None."""
    if _CHANNEL_ID.fullmatch(value):
        return None
    if re.fullmatch(r"D[A-Z0-9]{6,}", value):
        return (
            f"{value!r} is a direct message, not a channel: app mode looks an interrupted post "
            "up in the channel's history, which for direct messages needs the im:history "
            "scope the app does not have; use a channel's id (C... or G...)"
        )
    return (
        f"{value!r} is not a channel id: use its id (C0123456789, in the channel's details), "
        "not its name"
    )
