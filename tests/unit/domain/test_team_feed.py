"""The team's calendar feed, parsed back with an iCalendar parser: local times across a
daylight-saving change, nothing on a holiday or a skipped day, a moved day at its new time,
the same UIDs in every fetch."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.support import fakes
from zoom_notifier.domain.models import MeetingRecord
from zoom_notifier.domain.team_feed import render_feed
from zoom_notifier.domain.template import parse_template
from zoom_notifier.domain.upcoming import upcoming

PAGE = "https://abc.lambda-url.eu-west-1.on.aws/t/paris?k=FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE"
# The week of Europe's spring change (2027-03-28, a Sunday: 02:00 CET -> 03:00 CEST), with
# Easter Monday (2027-03-29, a holiday in France) right after it.
FIRST = date(2027, 3, 24)
NOW = datetime(2027, 3, 24, 6, 0, tzinfo=UTC)


def template() -> bytes:
    body = {**fakes.TEMPLATE, "timezone": "Europe/Paris", "start_time": "09:30", "duration": 15,
            "notifier": {"days": ["MON", "TUE", "WED", "THU", "FRI"],
                         "holidays": {"country": "FR"}}}  # fmt: skip
    return json.dumps(body).encode()


def record(day: str, **update: object) -> MeetingRecord:
    return MeetingRecord.model_validate(
        {"date": day, "template": "paris", "expires_at": 1900000000, **update}
    )


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    start: datetime
    end: datetime
    location: str
    sequence: int
    description: str


def feed(changes: dict[date, MeetingRecord] | None = None) -> list[FeedEvent]:
    parsed = parse_template(template(), "paris")
    rows = upcoming("paris", parsed, FIRST, 10, "UTC", changes)
    topics = {row.date: parsed.resolve(row.date, "UTC").topic for row in rows}
    raw = render_feed("paris", topics, rows, changes or {}, page_url=PAGE, minutes=15, now=NOW)
    calendar = Calendar.from_ical(raw)
    assert {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")} == {"Europe/Paris"}
    return [
        FeedEvent(
            uid=str(event["UID"]),
            start=event.decoded("DTSTART"),
            end=event.decoded("DTEND"),
            location=str(event["LOCATION"]),
            sequence=int(event.get("SEQUENCE", 0)),
            description=str(event["DESCRIPTION"]),
        )
        for event in calendar.walk("VEVENT")
    ]


def test_each_meeting_day_is_an_event_at_its_local_time_across_the_clock_change() -> None:
    events = feed()
    starts = [event.start for event in events]

    # Wed 24, Thu 25, Fri 26 (CET), then Tue 30, Wed 31, Thu 1, Fri 2 (CEST); Monday 29 is
    # Easter Monday and the weekend is none.
    assert [start.date() for start in starts] == [
        date(2027, 3, 24), date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 30),
        date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 2),
    ]  # fmt: skip
    assert {f"{start:%H:%M}" for start in starts} == {"09:30"}  # local, whatever the offset
    assert {str(start.tzinfo) for start in starts} == {"Europe/Paris"}
    assert [start.utcoffset() for start in starts[2:4]] == [timedelta(hours=1), timedelta(hours=2)]
    assert all((event.end - event.start).total_seconds() == 900 for event in events)
    assert {event.location for event in events} == {PAGE}


def test_uids_are_the_same_in_every_fetch_so_apps_update_rather_than_duplicate() -> None:
    assert [event.uid for event in feed()] == [event.uid for event in feed()]
    assert feed()[0].uid == "2027-03-24.paris@zoom-notifier"


def test_a_skipped_day_is_gone_and_a_moved_day_is_at_its_new_time_with_a_new_sequence() -> None:
    changes = {
        date(2027, 3, 25): record("2027-03-25", status="skipped", change="skip",
                                  skip_reason="skipped by <@U0ALICE01>: offsite"),
        date(2027, 3, 31): record("2027-03-31", status="planned", change="move", moved_to="11:00",
                                  moved_date="2027-03-31", changed_by="U0ALICE01"),
    }  # fmt: skip

    events = {event.start.date(): event for event in feed(changes)}

    assert date(2027, 3, 25) not in events
    moved = events[date(2027, 3, 31)]
    assert f"{moved.start:%H:%M %Z}" == "11:00 CEST"
    assert moved.sequence == 1
    assert events[date(2027, 3, 30)].sequence == 0


def test_today_s_event_carries_the_join_url_once_the_meeting_exists() -> None:
    created = record(
        "2027-03-24", status="notified", meeting_id=fakes.MEETING_ID, join_url=fakes.JOIN_URL
    )

    events = feed({date(2027, 3, 24): created})

    assert events[0].description == f"Join: {fakes.JOIN_URL}"
    assert events[1].description.startswith("The meeting's link is on the team's page: ")
    assert str(ZoneInfo("Europe/Paris")) == "Europe/Paris"
