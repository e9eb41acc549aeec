"""Slack messages: escaping, trimming, the announcement and the failure alerts."""

from __future__ import annotations

import json

from tests import fakes
from zoom_notifier.messages import (
    console_url,
    escape,
    failure_alert,
    local_start,
    meeting_announcement,
    trim,
)
from zoom_notifier.models import MeetingRecord


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


def test_the_announcement_escapes_the_topic_and_has_a_text_fallback() -> None:
    message = meeting_announcement(record(topic="<!here> Stand-up & <https://evil|win>"))

    section = message["blocks"][0]["text"]["text"]
    assert "<!here>" not in section
    assert "&lt;!here&gt; Stand-up &amp; &lt;https://evil|win&gt;" in section
    assert f"<{fakes.JOIN_URL}|Join the Zoom meeting>" in section
    assert "<!here>" not in message["text"]
    assert "09:30 (Europe/Paris)" in message["text"]


def test_the_announcement_shows_a_passcode_only_when_there_is_one() -> None:
    assert "Passcode" not in json.dumps(meeting_announcement(record()))
    assert "Passcode: `Fk7pw9`" in json.dumps(meeting_announcement(record(password="Fk7pw9")))


def test_a_huge_topic_is_trimmed() -> None:
    message = meeting_announcement(record(topic="&" * 10_000))

    section = message["blocks"][0]["text"]["text"]
    assert len(section) < 3000
    assert "&amp…" not in section  # never half an entity


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

    text = message["blocks"][0]["text"]["text"]
    assert "*Execution:* local" in text
    assert "(no cause given)" in text
    assert "unknown date" in text
