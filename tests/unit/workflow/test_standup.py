"""The answer to /standup: the channel's templates, their days ahead, today's link."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support import fakes
from tests.support.memory import MemoryStore, MemoryTemplates, ModelApp
from zoom_notifier.domain.meeting_records import created_record
from zoom_notifier.domain.models import MeetingKey, ZoomMeeting
from zoom_notifier.domain.template import TemplateRead
from zoom_notifier.errors import AwsUnavailable
from zoom_notifier.inbound.slash_command import SlashCommand
from zoom_notifier.local.faults import TIMEOUT_BEFORE
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.workflow.standup import answer_standup, channel_templates

CHANNEL = "C0FAKE00001"
OTHER = "C0OTHER0001"
# Thursday 3 December 2026, 07:00 in Paris.
NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


def template(**notifier: Any) -> bytes:
    body = dict(fakes.TEMPLATE)
    if notifier:
        body["notifier"] = notifier
    return json.dumps(body).encode()


def command(text: str = "", channel: str = CHANNEL) -> SlashCommand:
    return SlashCommand(
        team_id="T0FAKE001",
        channel_id=channel,
        user_id="U0FAKE001",
        command="/standup",
        text=text,
        response_url="https://hooks.slack.com/commands/T0FAKE001/1/fake",
    )


async def answer(
    text: str,
    files: dict[str, bytes],
    *,
    channel: str = CHANNEL,
    store: MemoryStore | None = None,
    known: dict[str, TemplateRead] | None = None,
) -> str:
    reply = await answer_standup(
        command(text, channel),
        catalog=MemoryTemplates(files),
        known={} if known is None else known,
        meetings=store or MemoryStore(),
        default_channel=CHANNEL,
        timezone="Europe/Paris",
        now=NOW,
    )
    assert reply.payload()["response_type"] == "ephemeral"
    return reply.text


async def test_next_lists_the_meeting_days_with_the_days_off_between() -> None:
    text = await answer("next 3", {"default": template(days=["MON", "TUE", "WED", "THU", "FRI"])})

    assert text.splitlines() == [
        "*default* (Europe/Paris)",
        "• Thu 2026-12-03 (today): 09:30 CET, announced at 09:15",
        "• Fri 2026-12-04 (tomorrow): 09:30 CET, announced at 09:15",
        "• Sat 2026-12-05: no meeting, not a meeting day (SAT)",
        "• Sun 2026-12-06: no meeting, not a meeting day (SUN)",
        "• Mon 2026-12-07: 09:30 CET, announced at 09:15",
    ]


async def test_the_days_are_those_calendar_shows_holidays_included() -> None:
    files = {"default": template(holidays={"country": "FR", "extra": ["2026-12-04"]})}

    text = await answer("next 2", files)

    assert text.splitlines()[1:] == [
        "• Thu 2026-12-03 (today): 09:30 CET, announced at 09:15",
        "• Fri 2026-12-04 (tomorrow): no meeting, closed (FR)",
        "• Sat 2026-12-05: 09:30 CET, announced at 09:15",
    ]


async def test_a_run_of_days_off_for_one_reason_is_one_line() -> None:
    text = await answer("next 1", {"default": template(paused_until="2026-12-31")})

    assert text.splitlines()[1:] == [
        "• Thu 2026-12-03 (today) to Thu 2026-12-31: no meeting, paused until 2026-12-31",
        "• Fri 2027-01-01: 09:30 CET, announced at 09:15",
    ]


async def test_a_team_with_no_meeting_ahead_is_told_so_in_a_few_lines() -> None:
    text = await answer("", {"default": template(paused_until=True)})

    assert text.splitlines()[1:] == [
        "• Thu 2026-12-03 (today) to Wed 2027-01-13: no meeting, paused (notifier.paused_until)",
        "No meeting in the next 42 days.",
    ]


async def test_todays_join_link_is_given_once_the_meeting_exists() -> None:
    store = MemoryStore()
    key = MeetingKey(date="2026-12-03", template="default")
    meeting = ZoomMeeting.model_validate(fakes.zoom_meeting())
    store.put(created_record(key, "arn:execution", meeting, NOW))

    text = await answer("", {"default": template()}, store=store)

    assert f"Today's meeting: {meeting.join_url}" in text.splitlines()


async def test_only_the_channels_templates_answer_and_the_others_are_not_shown() -> None:
    files = {
        "team-a": template(slack={"channel": CHANNEL}),
        "team-b": template(slack={"channel": OTHER}),
        "deployment-default": template(),  # announced in the deployment's channel (CHANNEL)
    }

    here = await answer("", files)
    there = await answer("", files, channel=OTHER)

    assert ("*team-a*" in here, "*deployment-default*" in here, "team-b" in here) == (
        True,
        True,
        False,
    )
    assert ("*team-b*" in there, "team-a" in there) == (True, False)


async def test_a_channel_with_several_templates_answers_for_the_one_named() -> None:
    files = {"team-a": template(), "team-b": template()}

    text = await answer("team-b next 1", files)

    assert text.startswith("*team-b*")
    assert "team-a" not in text


async def test_a_channel_with_no_template_is_told_so() -> None:
    text = await answer("", {"default": template()}, channel=OTHER)

    assert text.startswith("No team's meeting is announced in this channel")


async def test_help_and_unknown_words_are_answered_with_what_to_type() -> None:
    files = {"default": template()}

    assert "`/standup next [N]`" in await answer("help", files)
    assert await answer("dance", files) == "I do not know 'dance': try `/standup help`"


async def test_a_warm_answer_reads_no_template_that_did_not_change() -> None:
    class Counting(MemoryTemplates):
        reads = 0

        async def load(self, template: str) -> Any:
            Counting.reads += 1
            return await super().load(template)

        async def listing(self) -> Any:
            listing = await super().listing()
            listing.versions.update(dict.fromkeys(listing.names, "etag-1"))
            return listing

    known: dict[str, TemplateRead] = {}
    catalog = Counting({"default": template()})
    for _ in range(3):
        await answer_standup(
            command(),
            catalog=catalog,
            known=known,
            meetings=MemoryStore(),
            default_channel=CHANNEL,
            timezone="Europe/Paris",
            now=NOW,
        )

    assert Counting.reads == 1


def test_channel_templates_are_sorted_by_name() -> None:
    assert channel_templates({}, CHANNEL, CHANNEL) == []


async def test_a_failing_listing_is_raised_for_the_handler_to_answer() -> None:
    class Failing(MemoryTemplates):
        async def listing(self) -> Any:
            raise AwsUnavailable("listing the templates: ThrottlingException")

    with pytest.raises(AwsUnavailable):
        await answer_standup(
            command(),
            catalog=Failing({}),
            known={},
            meetings=MemoryStore(),
            default_channel=CHANNEL,
            timezone="Europe/Paris",
            now=NOW,
        )


async def reply_to(
    text: str,
    files: dict[str, bytes],
    store: MemoryStore,
    user: str = "U0FAKE001",
    groups: ModelApp | None = None,
) -> dict[str, Any]:
    typed = command(text).model_copy(update={"user_id": user})
    reply = await answer_standup(
        typed,
        catalog=MemoryTemplates(files),
        known={},
        meetings=store,
        default_channel=CHANNEL,
        timezone="Europe/Paris",
        now=NOW,
        groups=groups,
    )
    return reply.payload()


async def test_a_change_is_announced_in_the_channel_and_next_shows_it() -> None:
    store = MemoryStore()
    files = {"default": template(days=["MON", "TUE", "WED", "THU", "FRI"])}

    skipped = await reply_to("skip tomorrow offsite", files, store)
    moved = await reply_to("move 10:00 2026-12-07", files, store)

    assert skipped == {
        "response_type": "in_channel",
        "text": "<@U0FAKE001> skipped *default* on Fri 2026-12-04: offsite",
    }
    assert moved["response_type"] == "in_channel"
    text = await answer("next 2", files, store=store)
    assert text.splitlines()[1:] == [
        "• Thu 2026-12-03 (today): 09:30 CET, announced at 09:15",
        "• Fri 2026-12-04 (tomorrow): no meeting, skipped by <@U0FAKE001>: offsite",
        "• Sat 2026-12-05: no meeting, not a meeting day (SAT)",
        "• Sun 2026-12-06: no meeting, not a meeting day (SUN)",
        "• Mon 2026-12-07: 10:00 CET, announced at 09:45 (moved by <@U0FAKE001>)",
    ]


async def test_only_a_template_s_managers_change_its_days_and_others_may_still_ask() -> None:
    store = MemoryStore()
    files = {"default": template(slack={"managers": ["U0MANAGER01"]})}

    refused = await reply_to("skip", files, store)
    asked = await reply_to("next 1", files, store)
    allowed = await reply_to("skip", files, store, user="U0MANAGER01")

    assert refused == {
        "response_type": "ephemeral",
        "text": "Only this team's managers change its meetings: <@U0MANAGER01>. "
        "You can still ask what is ahead.",
    }
    assert asked["text"].startswith("*default*")
    assert allowed["response_type"] == "in_channel"
    record = await store.get(MeetingKey(date="2026-12-03", template="default"))
    assert record is not None
    assert record.changed_by == "U0MANAGER01"


async def test_a_member_of_a_managers_user_group_changes_the_days_and_others_do_not() -> None:
    store = MemoryStore()
    workspace = SlackApiModel(channels={CHANNEL: []}, groups={"S0LEADS0001": ["U0LEAD00001"]})
    files = {"default": template(slack={"managers": ["U0MANAGER01", "S0LEADS0001"]})}

    refused = await reply_to("skip", files, store, groups=ModelApp(workspace))
    allowed = await reply_to("skip", files, store, user="U0LEAD00001", groups=ModelApp(workspace))

    assert refused["text"] == (
        "Only this team's managers change its meetings: <@U0MANAGER01>, <!subteam^S0LEADS0001>. "
        "You can still ask what is ahead."
    )
    assert allowed["response_type"] == "in_channel"


async def test_a_managers_group_that_cannot_be_read_refuses_and_says_why() -> None:
    store = MemoryStore()
    workspace = SlackApiModel(channels={CHANNEL: []}, groups={"S0LEADS0001": ["U0LEAD00001"]})
    workspace.scripts["usergroups.users.list"].set(TIMEOUT_BEFORE)
    files = {"default": template(slack={"managers": ["S0LEADS0001"]})}

    refused = await reply_to("skip", files, store, user="U0LEAD00001", groups=ModelApp(workspace))

    assert "the user group S0LEADS0001 could not be read just now" in refused["text"]
    assert store.items == {}


async def test_a_change_in_a_channel_of_several_teams_names_the_team() -> None:
    store = MemoryStore()
    files = {"team-a": template(), "team-b": template()}

    unnamed = await reply_to("skip tomorrow", files, store)
    named = await reply_to("team-b skip tomorrow", files, store)

    assert unnamed["text"] == (
        "This channel has several teams (team-a, team-b): name one first, "
        "`/standup team-a skip tomorrow`."
    )
    assert named["response_type"] == "in_channel"
    assert list(store.items) == [("2026-12-04", "team-b")]


async def test_help_lists_the_changes() -> None:
    text = await answer("help", {"default": template()})

    for words in (
        "skip [today|tomorrow|YYYY-MM-DD] [reason]",
        "unskip DAY",
        "move HH:MM",
        "pause until",
        "resume",
    ):
        assert words in text
