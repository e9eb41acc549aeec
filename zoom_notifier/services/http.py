"""What the Zoom and Slack clients share about HTTP answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

__all__ = ["retry_after_moment", "retry_after_seconds"]


def retry_after_moment(value: str | None, now: datetime | None = None) -> datetime | None:
    """When a ``Retry-After`` header says to come back, or None if it says nothing readable.

    It may be delay seconds or an HTTP date (RFC 9110), or, from Zoom's daily limit, an ISO
    8601 instant such as ``2026-11-28T00:00:00Z`` (developers.zoom.us/docs/api/rate-limits/).
    """
    if value is None:
        return None
    now = now or datetime.now(UTC)
    try:
        return now + timedelta(seconds=max(float(value), 0.0))
    except (ValueError, OverflowError):
        pass
    for parse in (parsedate_to_datetime, lambda text: datetime.fromisoformat(text.strip())):
        try:
            when = parse(value)
        except (TypeError, ValueError, IndexError):
            continue
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (any form above), or None."""
    now = now or datetime.now(UTC)
    when = retry_after_moment(value, now)
    return None if when is None else max((when - now).total_seconds(), 0.0)
