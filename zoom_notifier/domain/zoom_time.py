"""Time zones, and Zoom's timestamps: UTC (``2026-11-27T08:30:00Z``) or local time in a zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["is_iana_zone", "utc_instant"]


def is_iana_zone(name: str) -> bool:
    """Whether ``name`` is a time zone of the IANA database (``Europe/Paris``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def utc_instant(value: str | None, timezone: str) -> datetime | None:
    """``value`` as a UTC instant (a local time is read in ``timezone``); None if unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)
