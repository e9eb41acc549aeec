"""One readable line from a pydantic ``ValidationError``, naming each field and the rule broken."""

from __future__ import annotations

from pydantic import ValidationError

__all__ = ["describe_validation_error"]

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
