"""A team's page as HTML: each state of the day, every text escaped, no passcode, no script,
the style allowed by the policy's hash, and colours of enough contrast."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date, datetime
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support import fakes
from zoom_notifier.domain.models import MeetingRecord
from zoom_notifier.domain.team_page import (
    COLOURS,
    CONTENT_SECURITY_POLICY,
    TeamToday,
    join_target,
    render_page,
)
from zoom_notifier.domain.upcoming import UpcomingDay

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 12, 25)


def row(day: date, *, skipped: str | None = None, hour: int = 9) -> UpcomingDay:
    start = datetime(day.year, day.month, day.day, hour, 30, tzinfo=PARIS)
    announce = start.replace(minute=15)
    return UpcomingDay("paris", "Europe/Paris", day, None if skipped else start,
                       None if skipped else announce, skipped)  # fmt: skip


def view(
    today: UpcomingDay, record: MeetingRecord | None = None, topic: str = "Paris stand-up"
) -> TeamToday:
    coming = [row(date(2026, 12, 28))]
    return TeamToday(
        "paris", topic, "Europe/Paris", today, record, coming, "https://h/t/paris.ics?k=K"
    )


def record(**update: Any) -> MeetingRecord:
    return MeetingRecord.model_validate(
        {"date": TODAY.isoformat(), "template": "paris", "status": "notified",
         "meeting_id": fakes.MEETING_ID, "join_url": fakes.JOIN_URL, "password": "s3cret-pass",
         "timezone": "Europe/Paris", "expires_at": 1900000000, **update}
    )  # fmt: skip


def text(html: str) -> str:
    """What a reader sees of the page's main part (entities decoded)."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main>")[1])).strip())


def test_a_day_off_names_the_holiday_and_the_next_meeting() -> None:
    html = render_page(view(row(TODAY, skipped="Christmas Day (FR)")))

    assert "No Paris stand-up today: Christmas Day (FR). Next: Mon 28 Dec 09:30 CET." in text(html)
    assert 'class="join"' not in html


def test_before_the_announcement_the_page_says_when_the_link_comes() -> None:
    assert (
        "Today at 09:30 CET The meeting is not created yet. Its link is announced at 09:15."
        in text(render_page(view(row(TODAY))))
    )


def test_a_created_meeting_has_a_join_button_and_never_its_separate_passcode() -> None:
    html = render_page(view(row(TODAY), record()))

    assert f'<a class="join" href="{fakes.JOIN_URL}" rel="noreferrer">Join the meeting</a>' in html
    assert "s3cret-pass" not in html


@pytest.mark.parametrize(
    ("update", "shown", "joinable"),
    [
        ({"life": "live", "live_since": "2026-12-25T08:31:00Z",
          "attendance": {"a": {"joined": "2026-12-25T08:31:00Z"}}},
         "Live since 09:31 (Europe/Paris)", True),
        ({"life": "ended", "ended_at": "2026-12-25T08:47:00Z",
          "attendance": {"a": {"joined": "x"}, "b": {"joined": "y"}}},
         "Ended at 09:47 (Europe/Paris) 2 attended.", False),
        ({"life": "deleted"}, "Today's meeting was deleted at Zoom.", False),
        ({"status": "skipped", "change": "skip",
          "skip_reason": "cancelled by <@U0ALICE01>: offsite"},
         "No Paris stand-up today: cancelled by <@U0ALICE01>: offsite.", False),
    ],
)  # fmt: skip
def test_the_meeting_s_life_shows_on_the_page(
    update: dict[str, Any], shown: str, joinable: bool
) -> None:
    page = view(row(TODAY), record(**update))

    assert shown in text(render_page(page))
    assert (join_target(page) is not None) is joinable


def test_every_text_from_a_template_or_a_person_is_escaped() -> None:
    html = render_page(view(row(TODAY, skipped='<script>alert("x")</script>'), topic="<b>Team</b>"))

    assert "<script>" not in html
    assert "&lt;b&gt;Team&lt;/b&gt;" in html


def test_the_inline_style_is_the_one_the_policy_allows_and_there_is_no_script() -> None:
    html = render_page(view(row(TODAY), record()))
    (style,) = re.findall(r"<style>(.*?)</style>", html)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()

    assert f"'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert "<script" not in html
    assert '<html lang="en">' in html
    assert html.count("<h1>") == 1


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG 2's contrast ratio (w3.org/TR/WCAG21/#dfn-contrast-ratio)."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    ("foreground", "background"),
    [("text", "background"), ("muted", "background"), ("button", "background"),
     ("background", "button")],
)  # fmt: skip
def test_each_colour_pair_has_a_contrast_of_at_least_7_to_1(
    foreground: str, background: str
) -> None:
    assert contrast(COLOURS[foreground], COLOURS[background]) >= 7.0
