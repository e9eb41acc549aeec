"""``zoom-notifier status``: each day's outcome from the table and the executions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from tests.support import fakes
from zoom_notifier.domain.models import MeetingKey, MeetingRecord
from zoom_notifier.domain.template import parse_template
from zoom_notifier.errors import InvalidMeetingRecord
from zoom_notifier.operator.status import Alarm, day_statuses, needs_a_person, render

# 09:30 Paris, Monday to Friday: announced at 08:15 UTC in winter.
TEMPLATE = parse_template(
    json.dumps(
        {**fakes.TEMPLATE, "notifier": {"days": ["MON", "TUE", "WED", "THU", "FRI"]}}
    ).encode(),
    "team",
)
ARN = fakes.STATE_MACHINE_ARN


def _notified(day: str, at: str) -> MeetingRecord:
    return MeetingRecord(
        date=day,
        template="team",
        status="notified",
        meeting_id=fakes.MEETING_ID,
        join_url=fakes.JOIN_URL,
        notified_at=at,
        expires_at=0,
    )


def _statuses(
    records: dict[str, MeetingRecord], executions: dict[str, dict[str, Any]], now: datetime
) -> dict[date, str]:
    found = day_statuses(
        {"team": TEMPLATE},
        records=lambda key: records.get(key.date),
        executions=executions.get,
        state_machine_arn=ARN,
        timezone="Europe/Paris",
        days=4,
        now=now,
    )
    return {status.date: f"{status.outcome}: {status.detail}" for status in found}


def test_each_day_reads_as_it_went() -> None:
    now = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # Tuesday, before its announcement
    records = {"2026-12-07": _notified("2026-12-07", "2026-12-07T08:15:04+00:00")}
    executions = {
        "2026-12-04_team": {
            "status": "FAILED",
            "error": "ZoomUnavailable",
            "cause": json.dumps({"errorMessage": "CreateMeeting: Zoom failed (HTTP 503)"}),
        }
    }

    statuses = _statuses(records, executions, now)

    assert statuses[date(2026, 12, 4)].startswith(
        "failed: ZoomUnavailable: CreateMeeting: Zoom failed (HTTP 503) (https://"
    )
    assert (
        f"zoom-notifier rerun {ARN.replace('stateMachine', 'execution')}:2026-12-04_team"
        in (statuses[date(2026, 12, 4)])
    )
    assert statuses[date(2026, 12, 5)] == "skipped: not a meeting day (SAT)"
    assert statuses[date(2026, 12, 6)] == "skipped: not a meeting day (SUN)"
    assert statuses[date(2026, 12, 7)] == "announced: announced at 08:15 UTC (4 s after its time)"
    assert statuses[date(2026, 12, 8)] == "due: due at 08:15 UTC"


def test_a_day_nothing_happened_on_says_so_and_how_to_start_it() -> None:
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    monday = _statuses({}, {}, now)[date(2026, 12, 7)]

    assert monday.startswith("not announced: due at 08:15 UTC; its execution 2026-12-07_team")
    assert "aws stepfunctions start-execution" in monday


def test_a_day_just_due_is_running_not_a_problem_yet() -> None:
    now = datetime(2026, 12, 7, 8, 20, tzinfo=UTC)
    executions = {"2026-12-07_team": {"status": "RUNNING"}}

    assert _statuses({}, executions, now)[date(2026, 12, 7)] == (
        "running: due at 08:15 UTC; its execution is running"
    )


def test_something_needs_a_person_when_a_day_failed_or_an_alarm_is_on() -> None:
    now = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    fine = day_statuses(
        {"team": TEMPLATE},
        records=lambda key: _notified(key.date, f"{key.date}T08:15:00+00:00"),
        executions=lambda name: None,
        state_machine_arn=ARN,
        timezone="Europe/Paris",
        days=2,
        now=now,
    )
    alarm = Alarm("zoom-notifier-DispatcherStoppedAlarm-X", "Threshold Crossed")

    assert not needs_a_person(fine, [])
    assert needs_a_person(fine, [alarm])
    assert render(fine, [])[-1] == "Nothing needs a person."
    assert f"ALARM  {alarm.name}: Threshold Crossed" in render(fine, [alarm])


def test_the_key_is_read_for_each_day_and_template() -> None:
    seen: list[MeetingKey] = []
    day_statuses(
        {"team": TEMPLATE},
        records=lambda key: seen.append(key) or None,  # type: ignore[func-returns-value]
        executions=lambda name: None,
        state_machine_arn=ARN,
        timezone="Europe/Paris",
        days=1,
        now=datetime(2026, 12, 8, 7, 0, tzinfo=UTC),
    )
    assert [key.date for key in seen] == ["2026-12-07", "2026-12-08"]


def test_an_item_edited_by_hand_is_that_days_line_not_a_crash() -> None:
    def records(key: MeetingKey) -> MeetingRecord | None:
        if key.date == "2026-12-07":
            raise InvalidMeetingRecord("the stored item for date 2026-12-07 was edited")
        return None

    found = day_statuses(
        {"team": TEMPLATE},
        records=records,
        executions=lambda name: None,
        state_machine_arn=ARN,
        timezone="Europe/Paris",
        days=1,
        now=datetime(2026, 12, 8, 7, 0, tzinfo=UTC),
    )

    assert [(s.date.isoformat(), s.outcome) for s in found] == [
        ("2026-12-07", "failed"),
        ("2026-12-08", "due"),
    ]
    assert "was edited" in found[0].detail
