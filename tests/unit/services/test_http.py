"""Retry-After parsing shared by the Zoom and Slack clients."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zoom_notifier.services.http import retry_after_moment, retry_after_seconds

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("12", 12.0),
        ("0.5", 0.5),
        ("-3", 0.0),
        ("Fri, 27 Nov 2026 08:00:30 GMT", 30.0),
        ("Fri, 27 Nov 2026 07:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_accepts_seconds_and_http_dates(
    header: str | None, expected: float | None
) -> None:
    assert retry_after_seconds(header, NOW) == expected


def test_retry_after_may_be_an_iso_8601_instant() -> None:
    # Zoom's daily limit answers "Retry-After: 2020-05-31T00:00:00Z" (its rate-limit guide).
    now = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)

    assert retry_after_seconds("2026-11-28T00:00:00Z", now) == 3600.0
    assert retry_after_moment("2026-11-28T00:00:00Z", now) == datetime(2026, 11, 28, tzinfo=UTC)
    assert retry_after_seconds("nan", now) is None
