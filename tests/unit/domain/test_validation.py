"""Validation messages are sentences about the field, never Python's words."""

from __future__ import annotations

import json

import pytest

from zoom_notifier.domain.models import ExecutionInput, parse_event
from zoom_notifier.domain.template import parse_template
from zoom_notifier.errors import ZoomNotifierError

PYTHON_WORDS = (
    "Value error", "NoneType", "Input should", "Tuple should", "List should", "Field required",
    "not list", "not str", "not dict", "after validation", "literal[",
)  # fmt: skip


@pytest.mark.parametrize(
    "template",
    [
        None,
        [],
        "text",
        {"topic": None},
        {"topic": ["x"]},
        {"topic": "t", "duration": "long"},
        {"topic": "t", "duration": 1.5},
        {"topic": "t", "notifier": {"days": []}},
        {"topic": "t", "notifier": {"days": ["MON", "MON"]}},
        {"topic": "t", "notifier": {"holidays": {"country": "XX"}}},
        {"topic": "t", "notifier": {"paused_until": "soon"}},
        {"topic": "t", "notifier": {"announce_skipped": "maybe"}},
        {"topic": "t", "notifier": {"dayz": []}},
        {"topic": "t", "notifier": {"days": ["Monday"]}},
        {"topic": "t", "type": 4},
    ],
)
def test_a_bad_template_is_told_in_words_about_its_json(template: object) -> None:
    with pytest.raises(ZoomNotifierError) as raised:
        parse_template(json.dumps(template).encode(), "team.json")

    message = str(raised.value)
    assert not [word for word in PYTHON_WORDS if word in message], message


@pytest.mark.parametrize("event", [None, [], "2026-11-27", {"date": 5}, {"date": "someday"}])
def test_a_bad_event_is_told_in_words_about_its_json(event: object) -> None:
    with pytest.raises(ZoomNotifierError) as raised:
        parse_event(ExecutionInput, event)

    message = str(raised.value)
    assert not [word for word in PYTHON_WORDS if word in message], message
