"""The words after /standup: which request, for which of the channel's templates."""

from __future__ import annotations

import pytest

from zoom_notifier.domain.standup_command import (
    MAX_NEXT_DAYS,
    CommandProblem,
    StandupRequest,
    parse_standup,
)


@pytest.mark.parametrize(
    ("text", "templates", "request_made"),
    [
        ("", ["default"], StandupRequest("next")),
        ("   ", ["default"], StandupRequest("next")),
        ("next", ["default"], StandupRequest("next")),
        ("NEXT 3", ["default"], StandupRequest("next", days=3)),
        (f"next {MAX_NEXT_DAYS}", ["default"], StandupRequest("next", days=MAX_NEXT_DAYS)),
        ("help", ["default"], StandupRequest("help")),
        ("team-b", ["team-a", "team-b"], StandupRequest("next", "team-b")),
        ("team-b next 2", ["team-a", "team-b"], StandupRequest("next", "team-b", 2)),
        # A template named like an action is reached through the action's own words.
        ("next", ["next", "other"], StandupRequest("next")),
    ],
)
def test_the_words_make_a_request(
    text: str, templates: list[str], request_made: StandupRequest
) -> None:
    assert parse_standup(text, templates) == request_made


@pytest.mark.parametrize(
    ("text", "templates", "says"),
    [
        ("next 0", ["default"], "from 1 to 10"),
        ("next 11", ["default"], "from 1 to 10"),
        ("next three", ["default"], "from 1 to 10"),
        ("next 2 3", ["default"], "from 1 to 10"),
        ("dance", ["default"], "I do not know 'dance': try `/standup help`"),
        (
            "team-c",
            ["team-a", "team-b"],
            "this channel has no template 'team-c': it has team-a, team-b",
        ),
    ],
)
def test_words_that_make_no_request_say_what_to_type(
    text: str, templates: list[str], says: str
) -> None:
    with pytest.raises(CommandProblem, match=says.replace("(", r"\(").replace("`", "`")):
        parse_standup(text, templates)
