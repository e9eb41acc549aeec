"""Zoom's event notifications read into typed events: the fields Zoom documents, nothing of a
participant but a hash, never a download token, and a clear refusal for anything else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from zoom_notifier.inbound.function_url import Refused
from zoom_notifier.inbound.zoom_event import (
    MeetingEvent,
    OtherEvent,
    RecordingEvent,
    UrlValidation,
    read_zoom_event,
)


def body(event: str, item: dict[str, Any] | None = None, **payload: Any) -> bytes:
    inner: dict[str, Any] = {"account_id": "A", **payload}
    if item is not None:
        inner["object"] = item
    return json.dumps({"event": event, "event_ts": 1764837060000, "payload": inner}).encode()


def test_the_url_validation_challenge_gives_its_plain_token() -> None:
    assert read_zoom_event(
        body("endpoint.url_validation", plainToken="qgg8vlvZRS6U")
    ) == UrlValidation("qgg8vlvZRS6U")


def test_a_started_meeting_s_id_comes_as_a_string_and_its_start_in_utc() -> None:
    event = read_zoom_event(
        body(
            "meeting.started",
            {"id": "81234567890", "uuid": "u==", "start_time": "2026-12-04T08:31:05Z"},
        )
    )

    assert event == MeetingEvent("started", 81234567890, start_time="2026-12-04T08:31:05Z")


def test_a_participant_is_kept_as_a_hash_never_a_name_or_email() -> None:
    participant = {
        "user_id": "16778240",
        "user_name": "Ada Lovelace",
        "email": "ada@example.com",
        "participant_uuid": "PUUID-1",
        "join_time": "2026-12-04T08:32:00Z",
    }
    event = read_zoom_event(
        body("meeting.participant_joined", {"id": "81234567890", "participant": participant})
    )

    assert isinstance(event, MeetingEvent)
    assert (event.kind, event.at) == ("joined", "2026-12-04T08:32:00Z")
    assert event.participant is not None
    assert "Ada" not in repr(event)
    assert "example.com" not in repr(event)


def test_the_same_participant_s_leave_has_the_same_hash_as_their_join() -> None:
    def one(kind: str, time_field: str) -> MeetingEvent:
        person = {"participant_uuid": "PUUID-1", "user_id": "1", time_field: "2026-12-04T08:32:00Z"}
        event = read_zoom_event(body(kind, {"id": "81234567890", "participant": person}))
        assert isinstance(event, MeetingEvent)
        return event

    joined = one("meeting.participant_joined", "join_time")
    left = one("meeting.participant_left", "leave_time")
    assert joined.participant == left.participant


def test_a_recording_gives_its_share_link_with_the_play_passcode_spliced_in() -> None:
    item = {
        "id": 81234567890,
        "share_url": "https://zoom.example/rec/share/abc",
        "password": "rec-pass",
        "recording_play_passcode": "PLAYCODE",
        "recording_files": [{"download_url": "https://zoom.example/rec/download/secret"}],
    }
    event = read_zoom_event(body("recording.completed", item, download_token="DOWNLOAD-TOKEN"))

    assert event == RecordingEvent(81234567890, "https://zoom.example/rec/share/abc?pwd=PLAYCODE")
    assert "DOWNLOAD" not in repr(event)
    assert "download" not in repr(event)


def test_a_recording_without_a_play_passcode_keeps_its_passcode_apart() -> None:
    item = {"id": 81234567890, "share_url": "https://zoom.example/rec/share/abc", "password": "p1"}

    assert read_zoom_event(body("recording.completed", item)) == RecordingEvent(
        81234567890, "https://zoom.example/rec/share/abc", "p1"
    )


def test_an_event_not_acted_on_is_named_and_nothing_more() -> None:
    assert read_zoom_event(body("meeting.sharing_started", {"id": "1"})) == OtherEvent(
        "meeting.sharing_started"
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"payload": {}}',
        b'{"event": "meeting.started"}',
        body("meeting.started", {"id": "not-a-number"}),
        body("meeting.started", {"id": True}),
        body("meeting.participant_joined", {"id": "1", "participant": {"user_id": "1"}}),
        body("recording.completed", {"id": 1, "share_url": "http://zoom.example/x"}),
        body("recording.completed", {"id": 1, "share_url": "https://zoom.example/x|<!here>"}),
        body("endpoint.url_validation"),
        b"[" * 100000,
    ],
)
def test_a_body_that_is_no_event_is_refused_400(raw: bytes) -> None:
    with pytest.raises(Refused) as refused:
        read_zoom_event(raw)

    assert refused.value.status == 400
