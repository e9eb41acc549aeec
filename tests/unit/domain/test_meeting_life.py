"""A meeting's life from Zoom's events: forward only, and the same end whatever the order and
however often each event arrives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from zoom_notifier.domain.meeting_life import (
    EDIT_INTERVAL_SECONDS,
    MAX_PARTICIPANTS,
    attended,
    edit_due,
    lived,
    present,
    recording_due,
    unshown,
)
from zoom_notifier.domain.models import MeetingRecord
from zoom_notifier.inbound.zoom_event import MeetingEvent, RecordingEvent

MEETING = 81234567890
START = "2026-12-04T08:31:00Z"
END = "2026-12-04T08:47:00Z"


def record(**update: object) -> MeetingRecord:
    return MeetingRecord.model_validate(
        {
            "date": "2026-12-04",
            "template": "default",
            "status": "notified",
            "meeting_id": MEETING,
            "join_url": "https://zoom.example/j/1",
            "topic": "Daily stand-up",
            "start_time": "2026-12-04T08:30:00Z",
            "timezone": "Europe/Paris",
            "slack_channel": "C0FAKE00001",
            "slack_ts": "1800000000.000100",
            "expires_at": 1900000000,
            **update,
        }
    )


def started() -> MeetingEvent:
    return MeetingEvent("started", MEETING, start_time=START)


def ended() -> MeetingEvent:
    return MeetingEvent("ended", MEETING, start_time=START, end_time=END)


def joined(who: str, at: str) -> MeetingEvent:
    return MeetingEvent("joined", MEETING, start_time=START, participant=who, at=at)


def left(who: str, at: str) -> MeetingEvent:
    return MeetingEvent("left", MEETING, start_time=START, participant=who, at=at)


def apply(
    events: list[MeetingEvent | RecordingEvent], base: MeetingRecord | None = None
) -> MeetingRecord:
    current = base or record()
    for event in events:
        current = lived(current, event) or current
    return current


def test_started_makes_the_meeting_live_since_zoom_s_start() -> None:
    after = lived(record(), started())

    assert after is not None
    assert (after.life, after.live_since, after.life_version) == ("live", START, 1)
    assert unshown(after)


def test_an_event_seen_before_changes_nothing() -> None:
    once = apply([started(), joined("a", "2026-12-04T08:32:00Z")])

    assert lived(once, started()) is None
    assert lived(once, joined("a", "2026-12-04T08:32:00Z")) is None


def test_the_life_never_moves_back_an_ended_meeting_stays_ended() -> None:
    after = apply([ended(), started()])

    assert after.life == "ended"
    assert (after.live_since, after.ended_at) == (START, END)


def test_a_leave_before_its_join_arrives_counts_the_same() -> None:
    in_order = apply([joined("a", "2026-12-04T08:32:00Z"), left("a", "2026-12-04T08:40:00Z")])
    reversed_order = apply([left("a", "2026-12-04T08:40:00Z"), joined("a", "2026-12-04T08:32:00Z")])

    assert present(in_order) == present(reversed_order) == 0
    assert attended(in_order) == attended(reversed_order) == 1


def test_a_rejoin_is_in_again_and_still_one_person() -> None:
    after = apply(
        [
            joined("a", "2026-12-04T08:32:00Z"),
            left("a", "2026-12-04T08:35:00Z"),
            joined("a", "2026-12-04T08:36:00Z"),
        ]
    )

    assert (present(after), attended(after)) == (1, 1)


def test_a_join_means_the_meeting_is_live_even_before_its_started_event() -> None:
    after = apply([joined("a", "2026-12-04T08:32:00Z")])

    assert (after.life, after.live_since) == ("live", START)


def test_deleted_at_zoom_before_it_ran_is_shown_but_our_own_cancel_is_not() -> None:
    assert apply([MeetingEvent("deleted", MEETING)]).life == "deleted"
    cancelled = record(status="skipped", change="skip", skip_reason="cancelled")
    assert lived(cancelled, MeetingEvent("deleted", MEETING)) is None
    assert lived(record(amending="cancel"), MeetingEvent("deleted", MEETING)) is None


def test_deleted_after_it_ended_keeps_it_ended() -> None:
    assert apply([ended(), MeetingEvent("deleted", MEETING)]).life == "ended"


def test_attendance_stops_growing_at_its_cap() -> None:
    events: list[MeetingEvent | RecordingEvent] = [
        joined(f"p{n}", "2026-12-04T08:32:00Z") for n in range(MAX_PARTICIPANTS + 3)
    ]

    assert attended(apply(events)) == MAX_PARTICIPANTS


def test_a_recording_is_kept_once_and_only_when_the_template_asks() -> None:
    event = RecordingEvent(MEETING, "https://zoom.example/rec/share/x?pwd=y")

    assert lived(record(), event) is None
    asked = lived(record(recording=True), event)
    assert asked is not None
    assert recording_due(asked)
    assert not unshown(asked)  # a reply of its own, not an edit
    assert lived(asked, RecordingEvent(MEETING, "https://zoom.example/rec/share/z")) is None


def test_the_next_edit_waits_for_the_interval_since_the_last() -> None:
    assert edit_due(record(), 1000) == 1000
    assert edit_due(record(life_edited_at=995), 1000) == 995 + EDIT_INTERVAL_SECONDS


_EVENTS: list[MeetingEvent] = [
    started(),
    joined("a", "2026-12-04T08:31:30Z"),
    joined("b", "2026-12-04T08:32:00Z"),
    left("a", "2026-12-04T08:40:00Z"),
    joined("c", "2026-12-04T08:41:00Z"),
    left("b", "2026-12-04T08:46:00Z"),
    ended(),
]


@settings(max_examples=200, deadline=None)
@given(st.permutations(_EVENTS), st.lists(st.sampled_from(_EVENTS), max_size=6))
def test_any_order_and_any_repeats_end_in_the_same_state(
    order: list[MeetingEvent], repeats: list[MeetingEvent]
) -> None:
    expected = apply(list(_EVENTS))
    after = apply([*order, *repeats])

    assert (after.life, after.live_since, after.ended_at) == ("ended", START, END)
    assert after.attendance == expected.attendance
    assert (present(after), attended(after)) == (1, 3)
