"""The meeting template: validation, extensions, and resolution for a date."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from zoom_notifier.domain.template import MAX_TEMPLATE_BYTES, MeetingTemplate, parse_template
from zoom_notifier.errors import InvalidMeetingTemplate
from zoom_notifier.services.template_source import template_names

DAY = date(2026, 11, 27)


def parse(data: object) -> MeetingTemplate:
    return parse_template(json.dumps(data).encode(), "s3://b/k")


@pytest.mark.parametrize(
    ("start_time", "expected"),
    [
        ("09:30", "2026-11-27T09:30:00"),
        ("09:30:15", "2026-11-27T09:30:15"),
        ("23:59", "2026-11-27T23:59:00"),
        ("2026-12-24T10:00:00Z", "2026-12-24T10:00:00Z"),
        ("2026-12-24T10:00:00", "2026-12-24T10:00:00"),
    ],
)
def test_start_time_becomes_a_timestamp_on_the_meeting_date(start_time: str, expected: str) -> None:
    resolved = parse({"topic": "t", "start_time": start_time}).resolve(DAY, "UTC")

    assert resolved.start_time == expected


@pytest.mark.parametrize("start_time", ["24:00", "9:30", "09:60", "2026-02-30T10:00:00", "noon"])
def test_an_impossible_start_time_is_rejected(start_time: str) -> None:
    with pytest.raises(InvalidMeetingTemplate, match="field 'start_time'"):
        parse({"topic": "t", "start_time": start_time})


def test_the_template_timezone_wins_over_the_default() -> None:
    tokyo = {"topic": "t", "start_time": "09:30", "timezone": "Asia/Tokyo"}
    assert parse(tokyo).resolve(DAY, "UTC").timezone == "Asia/Tokyo"
    plain = {"topic": "t", "start_time": "09:30"}
    assert parse(plain).resolve(DAY, "Europe/Paris").timezone == "Europe/Paris"


def test_date_placeholders_are_replaced_in_topic_and_agenda_only() -> None:
    template = parse(
        {
            "topic": "Stand-up {date}",
            "start_time": "09:30",
            "agenda": "{date}: notes",
            "settings": {"x": "{date}"},
        }
    )

    body = template.resolve(DAY, "UTC").request_body()

    assert body["topic"] == "Stand-up 2026-11-27"
    assert body["agenda"] == "2026-11-27: notes"
    assert body["settings"] == {"x": "{date}"}


def test_unknown_zoom_fields_pass_through() -> None:
    template = parse(
        {
            "topic": "t",
            "start_time": "09:30",
            "default_password": False,
            "tracking_fields": [{"field": "team", "value": "core"}],
            "recurrence": {"type": 1},
        }
    )

    body = template.resolve(DAY, "UTC").request_body()

    assert body["tracking_fields"] == [{"field": "team", "value": "core"}]
    assert body["default_password"] is False
    assert body["recurrence"] == {"type": 1}


def test_type_defaults_to_scheduled() -> None:
    assert parse({"topic": "t", "start_time": "09:30"}).type == 2


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ({"topic": "t", "type": 1}, "type 1 (instant) meetings are not supported"),
        ({"topic": "t", "type": 1, "start_time": "09:30"}, "cannot be found again"),
        ({"topic": "t"}, "a scheduled meeting (type 2) needs a start_time"),
    ],
)
def test_a_meeting_that_could_not_be_found_again_is_refused(
    template: dict[str, object], expected: str
) -> None:
    # List Meetings never returns instant meetings, and Zoom makes a scheduled meeting
    # without start_time an instant one: an interrupted create of these could be repeated.
    with pytest.raises(InvalidMeetingTemplate, match=re.escape(expected)):
        parse(template)


def test_recurring_meetings_without_a_fixed_time_need_no_start_time() -> None:
    assert parse({"topic": "t", "type": 3}).type == 3


def test_an_oversized_template_is_refused() -> None:
    raw = json.dumps({"topic": "t", "agenda": "a" * MAX_TEMPLATE_BYTES}).encode()

    with pytest.raises(InvalidMeetingTemplate, match="bytes; the limit is 65536"):
        parse_template(raw, "s3://b/k")


def test_errors_list_at_most_five_problems() -> None:
    with pytest.raises(InvalidMeetingTemplate) as raised:
        parse(
            {
                "topic": "",
                "type": 9,
                "duration": -1,
                "password": "x" * 11,
                "agenda": "a" * 2001,
                "timezone": "x",
                "start_time": "y",
            }
        )

    assert str(raised.value).endswith("and 2 more")


def test_template_names_are_the_keys_template_key_would_read() -> None:
    keys = [
        "templates/default.json",
        "templates/team-a.json",
        "templates/notes.txt",
        "templates/nested/team-b.json",
        "templates/.json",
        "other/team-c.json",
    ]

    assert template_names("templates/{template}.json", keys) == ["default", "team-a"]
    assert template_names("templates/standup.json", keys) == ["default"]
