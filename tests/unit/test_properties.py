"""Property-based tests: every parser at a boundary turns any input into a valid model or our
named error; never an unhandled exception, never a hang (hypothesis' deadline)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zoom_notifier.domain.messages import (
    FALLBACK_TEXT_LIMIT,
    SECTION_TEXT_LIMIT,
    failure_alert,
    meeting_announcement,
)
from zoom_notifier.domain.models import (
    ExecutionInput,
    MeetingKey,
    MeetingRecord,
    NotifyInput,
    SnsEvent,
    ZoomMeeting,
    parse_event,
)
from zoom_notifier.domain.template import MeetingTemplate, parse_template
from zoom_notifier.errors import (
    InvalidExecutionInput,
    InvalidMeetingRecord,
    InvalidMeetingTemplate,
    ZoomNotifierError,
    ZoomResponseInvalid,
)
from zoom_notifier.services.meeting_store import record_from_item
from zoom_notifier.services.zoom import error_for, meeting_from
from zoom_notifier.services.zoom_http import ZoomAnswer

EXAMPLES = settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
KEY = MeetingKey(date="2026-11-27", template="default")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _with_keys(keys: list[str], values: st.SearchStrategy[Any] = json_values) -> Any:
    """Objects that mostly use the keys a parser looks for, with any values."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=8), values, max_size=8)


datetimes_as_text = st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat())
dates_as_text = st.dates().map(date.isoformat)


@EXAMPLES
@example({"scheduled_time": "9999-12-31T23:59:59+00:00"})  # found once: overflowed in +14h
@example({"scheduled_time": "0001-01-01T00:00:00-05:00"})
@given(
    json_values
    | _with_keys(
        ["date", "scheduled_time", "template", "execution_arn"],
        json_values | datetimes_as_text | dates_as_text,
    )
)
def test_any_execution_input_is_a_model_or_invalid_execution_input(event: Any) -> None:
    for model in (ExecutionInput, NotifyInput):
        outcome = _outcome(lambda model=model: parse_event(model, event), InvalidExecutionInput)
        if isinstance(outcome, ExecutionInput):
            key = outcome.meeting_key(date_zone(), now())
            date.fromisoformat(key.date)
        elif isinstance(outcome, InvalidExecutionInput):
            assert str(outcome).startswith(f"invalid {model.__name__}") or "JSON object" in str(
                outcome
            )


def _outcome(parse: Any, error: type[Exception]) -> Any:
    """What ``parse()`` returns, or the ``error`` it raised (anything else propagates)."""
    try:
        return parse()
    except error as exc:
        return exc


def date_zone() -> Any:
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    return ZoneInfo("Pacific/Kiritimati")  # UTC+14: the furthest a date can move


def now() -> Any:
    from datetime import UTC, datetime  # noqa: PLC0415

    return datetime(2026, 11, 27, 23, 0, tzinfo=UTC)


template_keys = [
    "topic", "type", "start_time", "duration", "timezone", "password", "agenda", "settings",
]  # fmt: skip
template_values = (
    json_values
    | st.sampled_from(["09:30", "23:59:59", "24:00", "Europe/Paris", "Mars/Base", "{date}"])
    | st.text(alphabet="{}date0123456789:-T", max_size=30)
    | st.integers(min_value=-5, max_value=12)
)


@EXAMPLES
@given(
    st.binary(max_size=200)
    | _with_keys(template_keys, template_values).map(lambda data: json.dumps(data).encode()),
    st.dates(),
)
def test_any_template_is_a_request_or_invalid_meeting_template(raw: bytes, day: date) -> None:
    outcome = _outcome(
        lambda: parse_template(raw, "s3://bucket/key").resolve(day, "Asia/Kolkata"),
        InvalidMeetingTemplate,
    )
    if isinstance(outcome, InvalidMeetingTemplate):
        assert "s3://bucket/key" in str(outcome) or "resolved for" in str(outcome)
    else:
        assert isinstance(outcome, MeetingTemplate)
        json.dumps(outcome.request_body())


zoom_keys = ["id", "join_url", "topic", "start_time", "timezone", "password", "start_url"]


@EXAMPLES
@given(
    st.integers(min_value=100, max_value=599),
    st.text(max_size=80)
    | _with_keys([*zoom_keys, "code", "message"], json_values | st.just("https://zoom.us/j/1")).map(
        json.dumps
    ),
    st.dictionaries(st.sampled_from(["Retry-After", "X"]), st.text(max_size=30), max_size=2),
)
# A code that is no integer (found by this test): the missing-scope check must not choke on it.
@example(400, '{"code": [], "message": "does not contain scopes:[a:b]"}', {})
@example(401, '{"code": {"x": 1}}', {})
def test_any_zoom_answer_is_a_meeting_or_our_error(
    status: int, body: str, headers: dict[str, str]
) -> None:
    answer = ZoomAnswer(status, body, headers)
    try:
        meeting = meeting_from(answer, "create meeting")
    except ZoomResponseInvalid:
        pass
    else:
        assert isinstance(meeting, ZoomMeeting)
        assert meeting.id > 0
    error = error_for(answer, "create meeting")
    assert isinstance(error, ZoomNotifierError)
    assert str(error)


attribute_values = st.recursive(
    st.one_of(
        st.builds(lambda s: {"S": s}, st.text(max_size=20)),
        st.builds(lambda n: {"N": str(n)}, st.integers(min_value=-(2**64), max_value=2**64)),
        st.builds(lambda n: {"N": n}, st.text(max_size=6)),
        st.builds(lambda b: {"BOOL": b}, st.booleans()),
        st.just({"NULL": True}),
        st.dictionaries(st.text(max_size=4), json_scalars, max_size=2),
    ),
    lambda children: (
        st.builds(lambda items: {"L": items}, st.lists(children, max_size=3))
        | st.builds(lambda m: {"M": m}, st.dictionaries(st.text(max_size=5), children, max_size=3))
    ),
    max_leaves=6,
)
record_keys = list(MeetingRecord.model_fields)


@EXAMPLES
@given(st.dictionaries(st.sampled_from(record_keys) | st.text(max_size=6), attribute_values))
def test_any_dynamodb_item_is_a_record_or_invalid_meeting_record(item: dict[str, Any]) -> None:
    outcome = _outcome(lambda: record_from_item(item, KEY), InvalidMeetingRecord)

    if isinstance(outcome, InvalidMeetingRecord):
        assert "2026-11-27" in str(outcome)
    else:
        assert isinstance(outcome, MeetingRecord)


@EXAMPLES
@given(
    json_values
    | st.builds(
        lambda records: {"Records": records},
        st.lists(
            st.builds(lambda sns: {"Sns": sns}, _with_keys(["Message", "Subject"], json_values)),
            max_size=3,
        ),
    )
)
def test_any_sns_event_is_a_model_or_invalid_execution_input(event: Any) -> None:
    try:
        parsed = parse_event(SnsEvent, event)
    except InvalidExecutionInput:
        return
    assert parsed.Records


failure_keys = ["execution_arn", "state", "error", "cause", "date", "template", "input"]


@EXAMPLES
@given(
    st.text(max_size=300)
    | _with_keys(failure_keys, json_values | st.text(max_size=5000)).map(json.dumps)
    | st.builds(
        lambda data: json.dumps({"AlarmName": "a", **data}),
        st.dictionaries(st.text(max_size=8), json_values, max_size=3),
    ),
    st.none() | st.text(max_size=100),
)
def test_any_message_on_the_failure_topic_renders_within_slacks_limits(
    message: str, subject: str | None
) -> None:
    payload = failure_alert(message, subject, "Europe/Paris")

    assert len(payload["text"]) <= FALLBACK_TEXT_LIMIT
    for block in payload["blocks"]:
        assert len(block["text"]["text"]) <= SECTION_TEXT_LIMIT


# Text that tries to ping or link: mentions and Slack's control sequences, mixed into any text.
_MENTIONS = st.sampled_from(
    ["@channel", "@here", "@everyone", "<!channel>", "<!here>", "<!everyone>", "<@U123>",
     "<https://evil.example|click>", "&lt;!channel&gt;"]
)  # fmt: skip
_HOSTILE_TEXT = st.lists(st.text(max_size=20) | _MENTIONS, max_size=12).map("".join)


@EXAMPLES
@given(_HOSTILE_TEXT, st.none() | st.text(min_size=1, max_size=10))
def test_any_topic_renders_an_announcement_within_slacks_limits(
    topic: str, password: str | None
) -> None:
    record = MeetingRecord(
        date="2026-11-27",
        template="default",
        status="created",
        meeting_id=1,
        join_url="https://zoom.us/j/1",
        topic=topic,
        password=password,
        expires_at=1,
    )

    payload = meeting_announcement(record)

    assert len(payload["text"]) <= FALLBACK_TEXT_LIMIT
    # plain_text blocks are shown literally (docs.slack.dev/reference/block-kit/composition-
    # objects/text-object); the fallback and mrkdwn texts are parsed, so nothing may ping,
    # mention or link there: control sequences are escaped, mention words broken.
    parsed = [payload["text"]] + [
        block["text"]["text"]
        for block in payload["blocks"]
        if block.get("text", {}).get("type") == "mrkdwn"
    ]
    for text in parsed:
        assert "<!" not in text
        assert "<@" not in text
        assert "<https://evil" not in text
        for word in ("@channel", "@here", "@everyone"):
            assert word not in text
