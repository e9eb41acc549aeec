"""The matching rule for adopting the meeting of an interrupted create."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zoom_notifier.domain.models import ZoomMeetingSummary
from zoom_notifier.domain.template import MeetingTemplate
from zoom_notifier.domain.zoom_time import utc_instant
from zoom_notifier.workflow.adoption import CLOCK_SKEW_SECONDS, matches

REQUEST = MeetingTemplate(
    topic="Stand-up 2026-11-27", start_time="2026-11-27T09:30:00", timezone="Europe/Paris"
)
ATTEMPT = int(datetime(2026, 11, 27, 7, 0, tzinfo=UTC).timestamp())


def summary(**changes: object) -> ZoomMeetingSummary:
    data: dict[str, object] = {
        "id": 1,
        "topic": "Stand-up 2026-11-27",
        "start_time": "2026-11-27T08:30:00Z",  # 09:30 in Paris
        "created_at": "2026-11-27T07:00:05Z",
    }
    return ZoomMeetingSummary.model_validate(data | changes)


def test_the_same_topic_and_start_created_since_the_attempt_matches() -> None:
    assert matches(summary(), REQUEST, ATTEMPT)


@pytest.mark.parametrize(
    "changes",
    [
        {"topic": "Stand-up 2026-11-28"},
        {"start_time": "2026-11-27T09:30:00Z"},  # 10:30 in Paris
        {"start_time": None},
        {"created_at": f"2026-11-27T06:{59 - CLOCK_SKEW_SECONDS // 60}:00Z"},
        {"created_at": None},
        {"created_at": "yesterday"},
    ],
)
def test_anything_else_does_not(changes: dict[str, object]) -> None:
    assert not matches(summary(**changes), REQUEST, ATTEMPT)


def test_a_meeting_created_within_the_clock_skew_still_matches() -> None:
    assert matches(summary(created_at="2026-11-27T06:59:00Z"), REQUEST, ATTEMPT)


def test_without_a_start_time_the_topic_and_creation_time_decide() -> None:
    # A recurring meeting without a fixed time (type 3) has no start instant to compare.
    request = MeetingTemplate(topic="Stand-up 2026-11-27", type=3)

    assert matches(summary(start_time=None), request, ATTEMPT)


def test_utc_instant_reads_zoom_times() -> None:
    assert utc_instant("2026-11-27T08:30:00Z", "Asia/Tokyo") == datetime(
        2026, 11, 27, 8, 30, tzinfo=UTC
    )
    assert utc_instant("2026-11-27T09:30:00", "Europe/Paris") == datetime(
        2026, 11, 27, 8, 30, tzinfo=UTC
    )
    assert utc_instant("garbage", "UTC") is None
    assert utc_instant(None, "UTC") is None
