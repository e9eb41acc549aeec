"""Event and item models at the boundaries."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from zoom_notifier.domain.models import ExecutionInput, MeetingRecord, NotifyInput, parse_event
from zoom_notifier.errors import InvalidExecutionInput

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # already the 28th in Paris


def test_the_date_comes_from_the_input_before_the_clock() -> None:
    assert ExecutionInput(date="2026-01-02").meeting_key(PARIS, NOW).date == "2026-01-02"
    assert ExecutionInput().meeting_key(PARIS, NOW).date == "2026-11-28"
    scheduled = ExecutionInput.model_validate({"scheduled_time": "2026-11-27T07:00:00Z"})
    assert scheduled.meeting_key(PARIS, NOW).date == "2026-11-27"


def test_unknown_input_fields_are_ignored() -> None:
    parsed = parse_event(ExecutionInput, {"date": "2026-11-27", "comment": "rerun by Ana"})

    assert parsed.template == "default"


def test_parse_event_names_the_model_and_field() -> None:
    with pytest.raises(InvalidExecutionInput, match="invalid NotifyInput: field 'date'"):
        parse_event(NotifyInput, {"date": 20261127})


def test_a_created_item_must_carry_its_meeting() -> None:
    with pytest.raises(ValidationError, match="must have meeting_id and join_url"):
        MeetingRecord(date="2026-11-27", template="default", status="created", expires_at=1)


def test_an_item_with_unknown_attributes_is_read_without_them() -> None:
    # An operator's note, or the aws:rep:* attributes of global tables.
    record = MeetingRecord.model_validate(
        {
            "date": "2026-11-27",
            "template": "default",
            "status": "creating",
            "expires_at": 1,
            "operator_note": "rescheduled by hand",
            "aws:rep:updateregion": "eu-west-1",
        }
    )

    assert "operator_note" not in record.model_dump()
