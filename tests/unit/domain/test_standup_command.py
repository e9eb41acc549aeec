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
        ("skip", ["default"], StandupRequest("skip")),
        (
            "skip tomorrow offsite in Lyon",
            ["default"],
            StandupRequest("skip", day="tomorrow", reason="offsite in Lyon"),
        ),
        ("SKIP 2026-12-24", ["default"], StandupRequest("skip", day="2026-12-24")),
        # A reason is plain text: no mention nor link reaches the channel.
        (
            "skip <!channel> & co",
            ["default"],
            StandupRequest("skip", reason="&lt;!channel&gt; &amp; co"),
        ),
        ("unskip 2026-12-24", ["default"], StandupRequest("unskip", day="2026-12-24")),
        ("move 9:05", ["default"], StandupRequest("move", moved_to="09:05")),
        (
            "team-a move 14:30 tomorrow demo",
            ["team-a", "team-b"],
            StandupRequest("move", "team-a", day="tomorrow", moved_to="14:30", reason="demo"),
        ),
        (
            "pause until 2027-01-04 holidays",
            ["default"],
            StandupRequest("pause", day="2027-01-04", reason="holidays"),
        ),
        ("pause 2027-01-04", ["default"], StandupRequest("pause", day="2027-01-04")),
        ("resume", ["default"], StandupRequest("resume")),
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
        ("move", ["default"], "takes the new start time first"),
        ("move 25:00", ["default"], "takes the new start time first"),
        ("move tomorrow 10:00", ["default"], "takes the new start time first"),
        ("skip 2026-02-30", ["default"], "2026-02-30 is not a date"),
        ("unskip tomorrow please", ["default"], "takes a day"),
        ("pause", ["default"], "takes the last day without a meeting"),
        ("pause until soon", ["default"], "takes the last day without a meeting"),
        ("resume now", ["default"], "takes nothing"),
        ("skip today " + "x" * 201, ["default"], "over 200 characters"),
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
