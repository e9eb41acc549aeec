"""Slack messages: escaping, trimming, the announcement and the failure alerts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import fakes
from zoom_notifier.domain.messages import (
    FALLBACK_TEXT_LIMIT,
    HEADER_TEXT_LIMIT,
    SECTION_TEXT_LIMIT,
    console_url,
    escape,
    failure_alert,
    life_announcement,
    local_start,
    meeting_announcement,
    recording_reply,
    trim,
)
from zoom_notifier.domain.models import MeetingRecord


def record(**changes: object) -> MeetingRecord:
    data: dict[str, object] = {
        "date": "2026-11-27",
        "template": "default",
        "status": "created",
        "meeting_id": fakes.MEETING_ID,
        "join_url": fakes.JOIN_URL,
        "topic": "Stand-up",
        "start_time": "2026-11-27T08:30:00Z",
        "timezone": "Europe/Paris",
        "expires_at": 1,
    }
    return MeetingRecord.model_validate(data | changes)


def test_escape_neutralises_mentions_and_links() -> None:
    assert (
        escape("<!channel> & <https://evil|x>") == "&lt;!channel&gt; &amp; &lt;https://evil|x&gt;"
    )


def test_trim_marks_what_it_cut() -> None:
    assert trim("abcdef", 4) == "abc…"
    assert trim("abc", 4) == "abc"


def test_local_start_shows_zoom_utc_times_in_the_meeting_zone() -> None:
    assert local_start("2026-11-27T08:30:00Z", "Europe/Paris") == "09:30 (Europe/Paris)"
    assert local_start("2026-07-01T08:30:00Z", "Europe/Paris") == "10:30 (Europe/Paris)"
    assert local_start("2026-11-27T09:30:00", "Asia/Tokyo") == "09:30 (Asia/Tokyo)"
    assert local_start(None, "UTC") is None
    assert local_start("garbled", "UTC") == "garbled"


INJECTIONS = [
    "<!channel> stand-up",
    "<!here|here> stand-up",
    "<https://evil.example|click here>",
    "@everyone @channel @here",
    "*bold* _it_ ~strike~ `code` > quote",
    "&lt;!channel&gt; & <@U123>",
    "x" * 10_000,
]


def _mrkdwn_texts(payload: dict[str, Any]) -> list[str]:
    """The texts Slack parses for markup, links and mentions: mrkdwn blocks and the fallback."""
    texts = [payload["text"]]
    for block in payload["blocks"]:
        text = block.get("text")
        if text and text["type"] == "mrkdwn":
            texts.append(text["text"])
    return texts


def _assert_inert_and_within_limits(payload: dict[str, Any]) -> None:
    for text in _mrkdwn_texts(payload):
        for live in ("<!channel>", "<!here", "<https://evil", "<@U123>", "@everyone", "@channel"):
            assert live not in text
    assert len(payload["text"]) <= FALLBACK_TEXT_LIMIT
    for block in payload["blocks"]:
        text = block.get("text")
        if text is None:
            continue
        limit = HEADER_TEXT_LIMIT if block["type"] == "header" else SECTION_TEXT_LIMIT
        assert 1 <= len(text["text"]) <= limit
        if text["type"] == "plain_text":
            assert text["emoji"] is False


@pytest.mark.parametrize("topic", INJECTIONS)
def test_a_topic_is_rendered_inert_and_trimmed(topic: str) -> None:
    payload = meeting_announcement(record(topic=topic))

    _assert_inert_and_within_limits(payload)
    header = payload["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["type"] == "plain_text"  # literal text: no markup, links or mentions


@pytest.mark.parametrize("cause", INJECTIONS)
def test_a_failure_cause_is_rendered_inert_and_trimmed(cause: str) -> None:
    message = {"execution_arn": fakes.EXECUTION_ARN, "state": "CreateMeeting",
               "error": "ZoomRequestRejected", "cause": cause, "date": "2026-11-27"}  # fmt: skip

    payload = failure_alert(json.dumps(message))

    _assert_inert_and_within_limits(payload)
    assert any(
        block["text"]["type"] == "plain_text" and block["text"]["text"].startswith("Cause: ")
        for block in payload["blocks"]
    )


@pytest.mark.parametrize("text", INJECTIONS)
def test_any_other_message_on_the_topic_is_rendered_inert_and_trimmed(text: str) -> None:
    _assert_inert_and_within_limits(failure_alert(text, subject=text[:100]))


def test_the_announcement_has_the_join_link_and_a_text_fallback() -> None:
    payload = meeting_announcement(record())

    assert f"<{fakes.JOIN_URL}|Join the Zoom meeting>" in fakes.slack_text(payload)
    assert fakes.join_button_url(payload) == fakes.JOIN_URL
    assert "Stand-up: 2026-11-27 at 09:30 (Europe/Paris)" in payload["text"]


def test_the_announcement_shows_a_passcode_only_when_there_is_one() -> None:
    assert "Passcode" not in json.dumps(meeting_announcement(record()))
    assert "Passcode: `Fk7pw9`" in json.dumps(meeting_announcement(record(password="Fk7pw9")))


def test_escaped_text_is_never_cut_inside_an_entity() -> None:
    payload = meeting_announcement(record(topic="&" * 10_000))

    assert len(payload["text"]) <= FALLBACK_TEXT_LIMIT
    assert not payload["text"].rstrip("…").endswith(("&amp", "&am", "&a", "&"))


def test_console_url_for_each_partition() -> None:
    assert console_url(fakes.EXECUTION_ARN) == (
        "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1"
        f"#/v2/executions/details/{fakes.EXECUTION_ARN}"
    )
    gov = "arn:aws-us-gov:states:us-gov-west-1:1:execution:sm:run"
    assert str(console_url(gov)).startswith("https://us-gov-west-1.console.amazonaws-us-gov.com/")
    assert console_url("not-an-arn") is None


def test_a_failure_with_a_malformed_arn_still_renders() -> None:
    message = failure_alert(
        json.dumps({"execution_arn": "local", "state": "CreateMeeting", "error": "E"})
    )

    text = fakes.slack_text(message)
    assert "*Execution:* local" in text
    assert "(no cause given)" in text
    assert "unknown date" in text


_STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:zoom-notifier"


@pytest.mark.parametrize(
    ("error", "table", "repost"),
    [
        ("AnnouncementUncertain", "zoom-notifier-MeetingsTable-1", True),
        ("AnnouncementUncertain", None, False),  # an old deployment: no table to name
        ("SlackWebhookRejected", "zoom-notifier-MeetingsTable-1", False),
    ],
)
def test_only_an_uncertain_announcement_gets_the_repost_command(
    error: str, table: str | None, repost: bool
) -> None:
    message = {"execution_arn": fakes.EXECUTION_ARN, "state_machine": _STATE_MACHINE,
               "state": "NotifyMeeting", "error": error, "cause": "c", "date": "2026-11-27",
               "template": "retro"}  # fmt: skip

    text = fakes.slack_text(failure_alert(json.dumps(message), meetings_table=table))

    command = (
        "zoom-notifier repost --table zoom-notifier-MeetingsTable-1 --state-machine "
        f"{_STATE_MACHINE} --date 2026-11-27 --template retro"
    )
    assert (command in text) is repost
    assert ("redrive-execution" in text) is not repost


def test_a_broken_template_s_daily_report_says_the_fix_is_enough() -> None:
    arn = fakes.EXECUTION_ARN.rpartition(":")[0] + ":invalid_2026-11-27_retro"
    message = {"execution_arn": arn, "state_machine": _STATE_MACHINE, "state": "CreateMeeting",
               "error": "InvalidMeetingTemplate", "cause": "field 'duration'",
               "date": "2026-11-27", "template": "retro"}  # fmt: skip

    text = fakes.slack_text(failure_alert(json.dumps(message)))

    assert "starts at its own time" in text
    assert "redrive-execution" not in text  # a redrive would create the meeting hours early
    assert f"zoom-notifier rerun {arn}" in text  # only for a time that has passed


# --- the announcement as its meeting's life stands (Zoom's events) ---------------------------


def _life(**update: Any) -> MeetingRecord:
    return MeetingRecord.model_validate(
        {
            "date": "2026-12-04",
            "template": "default",
            "status": "notified",
            "meeting_id": 81234567890,
            "join_url": "https://zoom.example/j/81234567890",
            "topic": "Daily stand-up",
            "start_time": "2026-12-04T08:30:00Z",
            "timezone": "Europe/Paris",
            "expires_at": 1900000000,
            **update,
        }
    )


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_a_scheduled_meeting_s_announcement_is_the_one_posted() -> None:

    assert life_announcement(_life()) == meeting_announcement(_life())


def test_a_live_meeting_says_since_when_in_its_zone_and_how_many_are_in() -> None:

    record = _life(
        life="live",
        live_since="2026-12-04T08:31:00Z",
        attendance={"a": {"joined": "2026-12-04T08:31:00Z"}, "b": {"joined": "x", "left": "y"}},
    )
    message = life_announcement(record)

    assert "*Live* since 09:31 (Europe/Paris) · 1 person in the meeting" in _text(message)
    assert "Join meeting" in _text(message)
    assert message["text"] == "Live: Daily stand-up"


def test_an_ended_meeting_says_how_long_and_how_many_attended_and_loses_its_link() -> None:

    record = _life(
        life="ended",
        live_since="2026-12-04T08:31:00Z",
        ended_at="2026-12-04T08:47:00Z",
        attendance={"a": {"joined": "1"}, "b": {"joined": "1"}, "c": {"joined": "1"}},
    )
    shown = _text(life_announcement(record))

    assert "*Ended* at 09:47 (Europe/Paris) after 16 minutes · 3 people attended" in shown
    assert "zoom.example/j" not in shown
    assert "Join meeting" not in shown


def test_a_meeting_deleted_at_zoom_says_so_without_its_link() -> None:

    shown = _text(life_announcement(_life(life="deleted")))

    assert "Deleted at Zoom" in shown
    assert "zoom.example/j" not in shown


def test_the_recording_reply_gives_the_share_link_and_a_passcode_only_when_separate() -> None:

    spliced = recording_reply(_life(recording_url="https://zoom.example/rec/share/a?pwd=b"))
    separate = recording_reply(
        _life(recording_url="https://zoom.example/rec/share/a", recording_passcode="p<1>")
    )

    assert "<https://zoom.example/rec/share/a?pwd=b|watch it in Zoom>" in spliced
    assert "passcode" not in spliced
    assert "passcode `p&lt;1&gt;`" in separate


def test_the_announcement_names_the_team_s_page_and_its_edits_keep_it() -> None:
    page = "https://abc.lambda-url.eu-west-1.on.aws/t/default?k=FAKEFAKEFAKEFAKEFAKEFAKE"
    link = f"<{page}|The team's page>"

    assert link in json.dumps(meeting_announcement(_life(), page)["blocks"])
    assert link in _text(life_announcement(_life(life="live", live_since="x"), page))
    assert link in _text(life_announcement(_life(life="ended"), page))
    assert "team's page" not in _text(meeting_announcement(_life()))
