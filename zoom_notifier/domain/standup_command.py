"""What a team member typed after the slash command: which request, for which template.

Pure: the words of ``/standup ...`` become a :class:`StandupRequest`, or
:class:`CommandProblem` with the sentence to answer. ``/standup`` alone is ``next``; a channel
with several templates names one first (``/standup team-a next 3``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["MAX_NEXT_DAYS", "CommandProblem", "StandupRequest", "parse_standup"]

# A week and a half of meeting days fits one ephemeral answer.
MAX_NEXT_DAYS = 10
DEFAULT_NEXT_DAYS = 5
Action = Literal["next", "help"]
_ACTIONS: tuple[Action, ...] = ("next", "help")


class CommandProblem(ValueError):
    """The words cannot be read: the message says what to type instead."""


@dataclass(frozen=True)
class StandupRequest:
    """``action`` for ``template`` (None: the channel's only template)."""

    action: Action
    template: str | None = None
    days: int = DEFAULT_NEXT_DAYS


def parse_standup(text: str, templates: Sequence[str], command: str = "/standup") -> StandupRequest:
    """The request ``text`` makes of the channel's ``templates``."""
    words = text.split()
    template = None
    if words and words[0] not in _ACTIONS and words[0] in templates:
        template, words = words[0], words[1:]
    if not words:
        return StandupRequest("next", template)
    action, arguments = words[0].lower(), words[1:]
    if action == "help":
        return StandupRequest("help", template)
    if action == "next":
        return StandupRequest("next", template, _days(arguments, command))
    if words[0] not in templates and len(templates) > 1 and len(words) == 1:
        raise CommandProblem(
            f"this channel has no template {words[0]!r}: it has {', '.join(templates)}"
        )
    raise CommandProblem(f"I do not know {words[0]!r}: try `{command} help`")


def _days(arguments: Sequence[str], command: str) -> int:
    if not arguments:
        return DEFAULT_NEXT_DAYS
    if len(arguments) == 1 and arguments[0].isdigit() and 1 <= int(arguments[0]) <= MAX_NEXT_DAYS:
        return int(arguments[0])
    raise CommandProblem(
        f"`{command} next N` takes a number of meeting days from 1 to {MAX_NEXT_DAYS}"
    )
