"""NotifyMeeting through its Lambda entry point: real moto, Slack mocked at the HTTP level."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support import fakes
from zoom_notifier.errors import (
    MeetingCreationInProgress,
    NotificationInProgress,
    SlackRateLimited,
    SlackUnavailable,
)
from zoom_notifier.handlers import create_meeting
from zoom_notifier.handlers.notify_meeting import handler
from zoom_notifier.local.faults import (
    REFUSED,
    RESET_AFTER,
    TIMEOUT_BEFORE,
    Fault,
    answer,
)
from zoom_notifier.local.slack_model import SlackModel

DAY = "2026-11-27"


pytestmark = pytest.mark.usefixtures("zoom")


def invoke(event: Any) -> dict[str, Any]:
    """What Step Functions records of one invocation: its result, or the name and cause of the
    permanent error it raised (no retrier matches those: the task fails at once)."""
    return fakes.recorded(handler, event)


def created_meeting() -> dict[str, Any]:
    """Run CreateMeeting for DAY, as the state machine does before NotifyMeeting."""
    result: dict[str, Any] = create_meeting.handler({"date": DAY}, fakes.FakeContext())
    assert result["outcome"] == "created"
    return result


@pytest.mark.usefixtures("env")
def test_posts_the_announcement_and_marks_the_meeting_notified(
    slack: SlackModel, aws_resources: fakes.AwsResources
) -> None:
    create_result = created_meeting()

    result = invoke(create_result)

    assert result == {
        "outcome": "notified",
        "date": DAY,
        "template": "default",
        "meeting_id": fakes.MEETING_ID,
    }
    (payload,) = slack.channel
    assert fakes.JOIN_URL in payload["text"]
    assert "Daily stand-up 2026-11-27" in payload["text"]
    section = fakes.slack_text(payload)
    assert "09:30 (Europe/Paris)" in section
    assert f"Passcode: `{fakes.PASSWORD}`" in section
    assert fakes.join_button_url(payload) == fakes.JOIN_URL
    item = aws_resources.item(DAY)
    assert item is not None
    assert item["status"] == "notified"
    assert item["notified_at"]
    assert "notify_owner" not in item


@pytest.mark.usefixtures("env")
def test_a_second_notify_posts_nothing(slack: SlackModel) -> None:
    create_result = created_meeting()

    first = invoke(create_result)
    second = invoke(create_result)

    assert (first["outcome"], second["outcome"]) == ("notified", "already_notified")
    assert len(slack.channel) == 1


@pytest.mark.usefixtures("env")
def test_only_date_and_template_of_the_event_are_used(slack: SlackModel) -> None:
    created_meeting()

    result = invoke(
        {"date": DAY, "template": "default", "join_url": "https://evil.example", "meeting_id": 1}
    )

    assert result["meeting_id"] == fakes.MEETING_ID
    (payload,) = slack.channel
    assert "evil" not in str(payload)


@pytest.mark.usefixtures("env")
def test_no_recorded_meeting_fails_with_a_clear_cause(slack: SlackModel) -> None:
    result = invoke({"date": DAY})

    assert result["outcome"] == "failed"
    assert result["error"] == "MeetingNotFound"
    assert f"no meeting is recorded for {DAY}/default" in result["cause"]
    assert slack.channel == []


@pytest.mark.usefixtures("env")
def test_a_meeting_still_being_created_is_retryable(
    slack: SlackModel, aws_resources: fakes.AwsResources
) -> None:
    aws_resources.put_claim(DAY)

    with pytest.raises(MeetingCreationInProgress):
        invoke({"date": DAY})
    assert slack.channel == []


@pytest.mark.usefixtures("env")
def test_a_hand_edited_item_fails_as_invalid_meeting_record(
    slack: SlackModel, aws_resources: fakes.AwsResources
) -> None:
    fakes.put_hand_edited_item(aws_resources.dynamodb, fakes.TABLE, DAY)

    result = invoke({"date": DAY})

    assert result["error"] == "InvalidMeetingRecord"
    assert "'meeting_id' is stored as S, not N" in result["cause"]
    assert slack.channel == []


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, "invalid_payload"),
        (403, "action_prohibited"),
        (404, "channel_not_found"),
        (410, "channel_is_archived"),
        (200, "no_text"),
    ],
)
def test_a_slack_rejection_fails_permanently_and_a_rerun_can_post(
    slack: SlackModel, aws_resources: fakes.AwsResources, status: int, body: str
) -> None:
    create_result = created_meeting()
    slack.script.set(answer(status, body))

    result = invoke(create_result)

    assert result["outcome"] == "failed"
    assert result["error"] == "SlackWebhookRejected"
    assert f"HTTP {status}: {body}" in result["cause"]
    item = aws_resources.item(DAY)
    assert item is not None
    assert item["status"] == "created"
    # The announcement claim was released: the rerun after the fix posts at once.
    assert invoke(create_result)["outcome"] == "notified"


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (answer(429, "rate_limited", {"Retry-After": "30"}), SlackRateLimited),
        (answer(503, ""), SlackUnavailable),
        (REFUSED, SlackUnavailable),
    ],
)
def test_slack_outages_are_raised_for_step_functions_to_retry(
    slack: SlackModel, fault: Fault, error: type[Exception]
) -> None:
    create_result = created_meeting()
    slack.script.set(fault)

    with pytest.raises(error):
        invoke({**create_result, "execution_arn": fakes.EXECUTION_ARN})

    # The same execution's retry goes through once Slack is back.
    assert invoke({**create_result, "execution_arn": fakes.EXECUTION_ARN})["outcome"] == "notified"


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("fault", [TIMEOUT_BEFORE, RESET_AFTER])
def test_a_post_that_may_have_arrived_is_never_repeated(
    slack: SlackModel, aws_resources: fakes.AwsResources, fault: Fault
) -> None:
    create_result = created_meeting()
    slack.script.set(fault)
    event = {**create_result, "execution_arn": fakes.EXECUTION_ARN}
    with pytest.raises(SlackUnavailable) as raised:
        invoke(event)
    assert raised.value.maybe_delivered

    retry = invoke(event)

    assert retry["error"] == "AnnouncementUncertain"
    assert "may already be in the channel" in retry["cause"]
    assert fakes.JOIN_URL in retry["cause"]
    assert "`zoom-notifier repost` announces it" in retry["cause"]
    assert slack.attempts == 1  # only the first, uncertain post
    item = aws_resources.item(DAY)
    assert item is not None
    assert item["status"] == "created"
    assert item["notify_attempt_started_at"]


@pytest.mark.usefixtures("env")
def test_slack_rate_limit_keeps_retry_after(slack: SlackModel) -> None:
    create_result = created_meeting()
    slack.script.set(answer(429, "rate_limited", {"Retry-After": "30"}))

    with pytest.raises(SlackRateLimited) as raised:
        invoke(create_result)

    assert raised.value.retry_after == 30.0


@pytest.mark.usefixtures("env")
def test_an_announcement_in_progress_elsewhere_is_retryable(
    slack: SlackModel, aws_resources: fakes.AwsResources
) -> None:
    create_result = created_meeting()
    aws_resources.dynamodb.update_item(
        TableName=fakes.TABLE,
        Key={"date": {"S": DAY}, "template": {"S": "default"}},
        UpdateExpression="SET notify_owner = :o, notify_expires_at = :e",
        ExpressionAttributeValues={
            ":o": {"S": "arn:other"},
            ":e": {"N": str(int(time.time()) + 60)},
        },
    )

    with pytest.raises(NotificationInProgress):
        invoke(create_result)
    assert slack.channel == []


@pytest.mark.usefixtures("env")
def test_the_handler_works_three_times_in_one_warm_process(slack: SlackModel) -> None:
    create_result = created_meeting()

    outcomes = [invoke(create_result)["outcome"] for _ in range(3)]

    assert outcomes == ["notified", "already_notified", "already_notified"]


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({}, "field 'date': is required"),
        ({"outcome": "failed", "error": "X"}, "field 'date'"),
        ({"date": "2026-13-01"}, "not a real calendar date"),
        (None, "not null"),
    ],
)
def test_a_malformed_event_fails_with_invalid_execution_input(event: Any, expected: str) -> None:
    result = invoke(event)

    assert result["error"] == "InvalidExecutionInput"
    assert expected in result["cause"]


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("https://example.com/services/x", "must be a URL on hooks.slack.com"),
        ("http://hooks.slack.com/services/x", "must be an https:// URL"),
        ('{"link": "https://hooks.slack.com/services/x"}', 'JSON {"url": ...}'),
        ("{not json", 'neither a URL nor JSON {"url": ...}'),
    ],
)
def test_a_bad_webhook_secret_is_a_configuration_error_that_never_shows_it(
    slack: SlackModel, aws_resources: fakes.AwsResources, secret: str, expected: str
) -> None:
    create_result = created_meeting()
    aws_resources.secretsmanager.put_secret_value(
        SecretId=fakes.SLACK_SECRET_ID, SecretString=secret
    )

    result = invoke(create_result)

    assert result["error"] == "ConfigurationError"
    assert "SLACK_WEBHOOK_SECRET" in result["cause"]
    assert expected in result["cause"]
    assert "services/x" not in result["cause"]


def test_a_plain_webhook_url_variable_works_without_secrets_manager(
    slack: SlackModel, aws_resources: fakes.AwsResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in fakes.deployed_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_WEBHOOK_SECRET")
    monkeypatch.setenv("SLACK_WEBHOOK_URL", fakes.WEBHOOK_URL)
    create_result = created_meeting()
    aws_resources.secretsmanager.delete_secret(
        SecretId=fakes.SLACK_SECRET_ID, ForceDeleteWithoutRecovery=True
    )

    assert invoke(create_result)["outcome"] == "notified"
