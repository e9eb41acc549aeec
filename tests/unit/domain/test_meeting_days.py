"""A template's meeting days: weekdays, public holidays, closed and worked dates."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from typing import Any

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import fakes
from zoom_notifier.domain.meeting_days import WEEKDAYS, MeetingDefinition, day_off
from zoom_notifier.domain.template import parse_template, template_warnings
from zoom_notifier.errors import InvalidMeetingTemplate


def _template(notifier: Any) -> bytes:
    return json.dumps({**fakes.TEMPLATE, "notifier": notifier}).encode()


@pytest.mark.parametrize(
    ("notifier", "named"),
    [
        ({"holidays": {"country": "XX"}}, "notifier.holidays': country 'XX'"),
        ({"holidays": {"country": "FR", "subdivision": "ZZ"}}, "subdivision 'ZZ' is not one of FR"),
        ({"holidays": {"country": "FR", "extra": ["2026-13-01"]}}, "notifier.holidays.extra.0"),
        ({"holidays": {"country": "FR", "workng": []}}, "notifier.holidays.workng"),
        ({"days": ["MON", "MON"]}, "notifier.days': lists a weekday twice"),
        ({"days": ["Monday"]}, "notifier.days.0"),
        ({"days": []}, "notifier.days"),
        ({"dayz": ["MON"]}, "notifier.dayz': is not a field this accepts"),
        ({"zoom_user_id": ""}, "notifier.zoom_user_id"),
        ({"announce_skipped": "maybe"}, "notifier.announce_skipped"),
        ({"slack": {"channel": "#general"}}, "notifier.slack.channel': '#general'"),
        ({"slack": {"channel": "D0123456789"}}, "is a direct message, not a channel"),
        ({"slack": {"channel": "C0123456789", "webhook_secret": "x"}}, "give either"),
        ({"slack": {}}, "give either webhook_secret (webhook mode) or channel (app mode)"),
        ({"slack": {"webhook_secret": ""}}, "notifier.slack.webhook_secret"),
        ({"announce_minutes_before": -5}, "notifier.announce_minutes_before"),
        ({"reminder_minutes": 0}, "notifier.reminder_minutes"),
        ("weekdays", "notifier'"),
    ],
)
def test_every_field_of_the_definition_is_validated_by_name(notifier: Any, named: str) -> None:
    with pytest.raises(InvalidMeetingTemplate) as raised:
        parse_template(_template(notifier), "team.json")

    assert named in str(raised.value)
    assert str(raised.value).startswith("meeting template team.json: field 'notifier")


def test_a_subdivision_is_checked_against_its_country() -> None:
    template = parse_template(_template({"holidays": {"country": "DE", "subdivision": "BY"}}), "t")

    assert template.notifier is not None
    assert day_off(template.notifier, date(2026, 1, 6)) == "Epiphany (DE-BY)"
    berlin = parse_template(_template({"holidays": {"country": "DE", "subdivision": "BE"}}), "t")
    assert day_off(berlin.notifier, date(2026, 1, 6)) is None


def test_no_definition_means_every_day_is_a_meeting_day() -> None:
    assert day_off(None, date(2026, 12, 25)) is None
    assert day_off(MeetingDefinition(), date(2026, 12, 26)) is None


def test_holidays_is_imported_only_for_a_template_with_a_calendar() -> None:
    """Cold start does not pay for the holiday package unless a template has a calendar."""
    probe = (
        "import sys, json\n"
        "from zoom_notifier.domain.template import parse_template, template_warnings\n"
        "from datetime import date\n"
        "from zoom_notifier.domain.meeting_days import day_off\n"
        "t = parse_template(sys.argv[1].encode(), 't')\n"
        "day_off(t.notifier, date(2026, 12, 25))\n"
        "print('holidays' in sys.modules)\n"
    )

    def loads_holidays(notifier: Any) -> str:
        completed = subprocess.run(  # noqa: S603 - this Python, our probe
            [sys.executable, "-c", probe, _template(notifier).decode()],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return completed.stdout.strip()

    assert loads_holidays({"days": ["MON"], "zoom_user_id": "a@example.com"}) == "False"
    assert loads_holidays({"holidays": {"country": "FR"}}) == "True"


_COUNTRIES = ("FR", "DE", "US", "GB", "JP", "BR")
_DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def _definitions(draw: st.DrawFn) -> dict[str, Any]:
    notifier: dict[str, Any] = {}
    if draw(st.booleans()):
        notifier["days"] = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, unique=True))
    if draw(st.booleans()):
        notifier["holidays"] = {
            "country": draw(st.sampled_from(_COUNTRIES)),
            "extra": [d.isoformat() for d in draw(st.lists(_DAYS, max_size=4))],
            "working": [d.isoformat() for d in draw(st.lists(_DAYS, max_size=4))],
        }
    return notifier


@settings(max_examples=150, deadline=None)
@given(notifier=_definitions(), day=_DAYS)
def test_the_meeting_day_decision_is_the_holidays_package_plus_days_extra_and_working(
    notifier: dict[str, Any], day: date
) -> None:
    definition = MeetingDefinition.model_validate(notifier)
    calendar = notifier.get("holidays")
    worked = calendar is not None and day.isoformat() in calendar["working"]
    right_weekday = "days" not in notifier or WEEKDAYS[day.weekday()] in notifier["days"]
    closed = calendar is not None and (
        day.isoformat() in calendar["extra"]
        or day in holidays.country_holidays(calendar["country"], years=day.year)
    )
    expected_meeting_day = worked or (right_weekday and not closed)

    assert (day_off(definition, day) is None) == expected_meeting_day


def test_a_reminder_is_accepted_but_said_to_need_slack_app_mode() -> None:
    raw = _template({"reminder_minutes": 5})

    template = parse_template(raw, "t")

    assert template.notifier is not None
    assert template.notifier.reminder_minutes == 5
    assert any("needs Slack app mode" in warning for warning in template_warnings(raw))


def test_a_recording_is_accepted_recorded_for_the_day_and_said_to_need_zoom_s_events() -> None:
    raw = _template({"recording": True})

    template = parse_template(raw, "t")

    assert template.notifier is not None
    assert template.notifier.delivery().recording is True
    assert any("notifier.recording needs" in warning for warning in template_warnings(raw))
    off = parse_template(_template({}), "t").notifier
    assert off is None or off.delivery().recording is None


@pytest.mark.parametrize(
    ("paused_until", "day", "expected"),
    [
        ("2026-12-31", date(2026, 12, 14), "paused until 2026-12-31"),
        ("2026-12-31", date(2026, 12, 31), "paused until 2026-12-31"),
        ("2026-12-31", date(2027, 1, 4), None),  # a Monday after the pause: the team meets
        (True, date(2030, 6, 3), "paused (notifier.paused_until)"),
    ],
)
def test_a_paused_team_has_no_meeting_until_its_pause_ends(
    paused_until: object, day: date, expected: str | None
) -> None:
    notifier = {
        "days": ["MON", "TUE", "WED", "THU", "FRI"],
        "paused_until": paused_until,
        "holidays": {"country": "FR", "working": ["2026-12-14"]},
    }
    template = parse_template(_template(notifier), "team")

    # A pause wins over a worked date: the whole team is away.
    assert day_off(template.notifier, day) == expected


@pytest.mark.parametrize("paused_until", [False, "soon", "2026-02-30", 20261231])
def test_a_pause_is_a_date_or_true(paused_until: object) -> None:
    with pytest.raises(InvalidMeetingTemplate, match=r"notifier\.paused_until"):
        parse_template(_template({"paused_until": paused_until}), "team")
