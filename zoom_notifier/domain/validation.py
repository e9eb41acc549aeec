"""One readable line from a pydantic ``ValidationError``, naming each field and the rule broken."""

from __future__ import annotations

import re

from pydantic import ValidationError

__all__ = ["describe_validation_error", "slack_channel_problem"]

# A public (C...) or private (G...) channel's id. A direct message's id (D...) is refused: its
# history needs the im:history scope, which the app does not ask for, so an interrupted post
# there could not be looked up.
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")

_MAX_PROBLEMS = 5


def describe_validation_error(exc: ValidationError) -> str:
    """``field 'topic': String should have at most 200 characters; ...`` (first few problems).

    The offending input is never quoted: it may be a secret.
    """
    problems = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        location = ".".join(str(part) for part in error["loc"])
        problems.append(f"field {location!r}: {error['msg']}" if location else error["msg"])
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
