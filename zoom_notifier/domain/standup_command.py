"""What a team member typed after the slash command: which request, for which template.

Pure: the words of ``/standup ...`` become a :class:`StandupRequest`, or
:class:`CommandProblem` with the sentence to answer. ``/standup`` alone is ``next``; a channel
with several templates names one first (``/standup team-a next 3``). A day is ``today``,
``tomorrow`` or a date (``2026-12-24``), read in the template's own time zone
(:func:`resolve_day`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = [
    "CHANGES",
    "MAX_AHEAD_DAYS",
    "MAX_NEXT_DAYS",
    "MAX_REASON_CHARACTERS",
    "CommandProblem",
    "StandupRequest",
    "parse_standup",
    "plain_text",
    "resolve_day",
]

# A week and a half of meeting days fits one ephemeral answer.
MAX_NEXT_DAYS = 10
DEFAULT_NEXT_DAYS = 5
# How far ahead a day may be changed (a skip, a move, the end of a pause): a quarter, within
# the 90 days the table keeps an item after its date.
MAX_AHEAD_DAYS = 92
MAX_REASON_CHARACTERS = 200
Action = Literal["next", "help", "skip", "unskip", "move", "pause", "resume"]
_ACTIONS: tuple[Action, ...] = ("next", "help", "skip", "unskip", "move", "pause", "resume")
# The actions that change the schedule (a template's managers only, when it names them).
CHANGES: frozenset[Action] = frozenset({"skip", "unskip", "move", "pause", "resume"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


class CommandProblem(ValueError):
    """The words cannot be read: the message says what to type instead."""


@dataclass(frozen=True)
class StandupRequest:
    """``action`` for ``template`` (None: the channel's only template).

    ``day``: the day a skip, an unskip or a move is for, or the last day of a pause
    (``today``, ``tomorrow`` or an ISO date, as typed); ``moved_to``: a move's new time
    (HH:MM); ``reason``: the words after, as plain text.
    """

    action: Action
    template: str | None = None
    days: int = DEFAULT_NEXT_DAYS
    day: str = "today"
    moved_to: str | None = None
    reason: str | None = None


def parse_standup(text: str, templates: Sequence[str], command: str = "/standup") -> StandupRequest:
    """The request ``text`` makes of the channel's ``templates``."""
    words = text.split()
    template = None
    if words and words[0].lower() not in _ACTIONS and words[0] in templates:
        template, words = words[0], words[1:]
    if not words:
        return StandupRequest("next", template)
    action, arguments = words[0].lower(), words[1:]
    parse = _PARSERS.get(action)
    if parse is not None:
        return parse(arguments, template, command)
    if words[0] not in templates and len(templates) > 1 and len(words) == 1:
        raise CommandProblem(
            f"this channel has no template {words[0]!r}: it has {', '.join(templates)}"
        )
    raise CommandProblem(f"I do not know {words[0]!r}: try `{command} help`")


def _help(arguments: Sequence[str], template: str | None, command: str) -> StandupRequest:
    return StandupRequest("help", template)


def _next(arguments: Sequence[str], template: str | None, command: str) -> StandupRequest:
    return StandupRequest("next", template, _days(arguments, command))


def _skip(arguments: Sequence[str], template: str | None, command: str) -> StandupRequest:
    day, rest = _day(arguments)
    return StandupRequest("skip", template, day=day, reason=_reason(rest))


def _unskip(arguments: Sequence[str], template: str | None, command: str) -> StandupRequest:
    day, rest = _day(arguments)
    if rest:
        raise CommandProblem(f"`{command} unskip [today|tomorrow|YYYY-MM-DD]` takes a day")
    return StandupRequest("unskip", template, day=day)


def _pause(arguments: Sequence[str], template: str | None, command: str) -> StandupRequest:
    if arguments and arguments[0].lower() == "until":
        arguments = arguments[1:]
    day, rest = _day(arguments)
    if len(rest) == len(arguments):  # no day given
        raise CommandProblem(
            f"`{command} pause until YYYY-MM-DD` takes the last day without a meeting"
        )
    return StandupRequest("pause", template, day=day, reason=_reason(rest))


def _resume(arguments: Sequence[str], template: str | None, command: str) -> StandupRequest:
    if arguments:
        raise CommandProblem(f"`{command} resume` takes nothing: it ends the pause")
    return StandupRequest("resume", template)


def _move(arguments: Sequence[str], template: str | None, command: str) -> StandupRequest:
    match = _TIME.match(arguments[0]) if arguments else None
    if match is None:
        raise CommandProblem(
            f"`{command} move HH:MM [today|tomorrow|YYYY-MM-DD]` takes the new start time "
            "first, in the team's time zone (24 hours: 10:00, 14:30)"
        )
    day, rest = _day(arguments[1:])
    moved_to = f"{int(match[1]):02d}:{match[2]}"
    return StandupRequest("move", template, day=day, moved_to=moved_to, reason=_reason(rest))


_PARSERS: dict[str, Callable[[Sequence[str], str | None, str], StandupRequest]] = {
    "help": _help,
    "next": _next,
    "skip": _skip,
    "unskip": _unskip,
    "move": _move,
    "pause": _pause,
    "resume": _resume,
}


def _day(arguments: Sequence[str]) -> tuple[str, list[str]]:
    """The day the arguments start with (``today`` if none), and the words after it."""
    if arguments:
        first = arguments[0].lower()
        if first in {"today", "tomorrow"}:
            return first, list(arguments[1:])
        if _DATE.match(first):
            try:
                date.fromisoformat(first)
            except ValueError:
                raise CommandProblem(f"{first} is not a date (YYYY-MM-DD)") from None
            return first, list(arguments[1:])
    return "today", list(arguments)


def _reason(words: Sequence[str]) -> str | None:
    text = " ".join(words).strip()
    if not text:
        return None
    if len(text) > MAX_REASON_CHARACTERS:
        raise CommandProblem(f"the reason is over {MAX_REASON_CHARACTERS} characters: shorten it")
    return plain_text(text)


def plain_text(text: str) -> str:
    """``text`` escaped as Slack asks of text it must not read as markup: ``&``, ``<`` and
    ``>`` (docs.slack.dev/messaging/formatting-message-text#escaping), so a reason cannot
    mention @channel or link anywhere in the announcement it lands in."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def resolve_day(day: str, today: date) -> date:
    """The date ``day`` names (``today``, ``tomorrow``, an ISO date) in the team's zone."""
    if day == "today":
        return today
    if day == "tomorrow":
        return today + timedelta(days=1)
    return date.fromisoformat(day)


def _days(arguments: Sequence[str], command: str) -> int:
    if not arguments:
        return DEFAULT_NEXT_DAYS
    if len(arguments) == 1 and arguments[0].isdigit() and 1 <= int(arguments[0]) <= MAX_NEXT_DAYS:
        return int(arguments[0])
    raise CommandProblem(
        f"`{command} next N` takes a number of meeting days from 1 to {MAX_NEXT_DAYS}"
    )
