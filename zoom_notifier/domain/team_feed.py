"""A team's calendar feed (RFC 5545), made with the ``icalendar`` package (imported only when a
feed is asked for: it costs a slash command's cold start nothing).

One event per meeting day of the coming weeks, at its local time in its own time zone (a
``TZID`` with its ``VTIMEZONE``, so that daylight saving is the calendar's to apply); nothing
on a day off, a skipped or a cancelled day; a moved day at its new time with its ``SEQUENCE``
raised, so that calendar apps update it. Each event's ``UID`` is the day and the team, the same
in every fetch, so that apps update an event instead of adding another. Its location is the
team's page (the day's own Zoom link is not known in advance); today's event carries the join
URL once the meeting exists. ``REFRESH-INTERVAL`` and ``X-PUBLISHED-TTL`` ask for a fetch every
four hours (RFC 7986 section 5.7; Outlook's and Apple's name for it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from zoom_notifier.domain.models import MeetingRecord
from zoom_notifier.domain.upcoming import UpcomingDay

__all__ = ["FEED_HEADERS", "REFRESH", "render_feed"]

REFRESH = timedelta(hours=4)
# A feed is polled every few hours (Google Calendar's own pace is several hours): an hour in a
# private cache is fresh enough, and a skip shows at the next poll after it.
FEED_HEADERS = {
    "cache-control": "private, max-age=3600",
    "x-robots-tag": "noindex, nofollow",
    "x-content-type-options": "nosniff",
}
_DEFAULT_MINUTES = 30


def render_feed(
    team: str,
    topics: dict[date, str],
    rows: list[UpcomingDay],
    records: dict[date, MeetingRecord],
    *,
    page_url: str,
    minutes: int | None,
    now: datetime,
) -> bytes:
    """The feed of ``rows`` (``topics``: each day's topic; ``records``: the days' items)."""
    from icalendar import Calendar, Event  # noqa: PLC0415 - the feed's path only

    calendar = Calendar()
    calendar.add("prodid", "-//zoom-notifier//team feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{team} meetings")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    length = timedelta(minutes=minutes or _DEFAULT_MINUTES)
    for row in rows:
        record = records.get(row.date)
        if row.skipped is not None or row.start is None:
            continue
        if record is not None and record.change == "skip":
            continue
        event = Event()
        event.add("uid", f"{row.date.isoformat()}.{team}@zoom-notifier")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", row.start)
        event.add("dtend", row.start + length)
        event.add("summary", topics.get(row.date, team))
        event.add("location", page_url)
        event.add("url", page_url)
        event.add("sequence", 1 if row.changed else 0)
        join = (
            record.join_url
            if record is not None and record.status in {"created", "notified"}
            else None
        )
        event.add(
            "description",
            f"Join: {join}" if join else f"The meeting's link is on the team's page: {page_url}",
        )
        calendar.add_component(event)
    calendar.add_missing_timezones()
    feed: bytes = calendar.to_ical()
    return feed
