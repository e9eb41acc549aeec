"""notify_failure through its Lambda entry point: an SNS event in, Slack posts out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import fakes
from zoom_notifier.errors import (
    ConfigurationError,
    InvalidExecutionInput,
    SlackUnavailable,
    SlackWebhookRejected,
)
from zoom_notifier.handlers.notify_failure import handler
from zoom_notifier.local.faults import answer
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.sns import lambda_event, notification

FAILURE = {
    "execution_arn": fakes.EXECUTION_ARN,
    "state_machine": "arn:aws:states:us-east-1:123456789012:stateMachine:zoom-notifier",
    "state": "CreateMeeting",
    "error": "InvalidMeetingTemplate",
    "cause": "meeting template s3://b/k: field 'topic': is required",
    "date": "2026-11-27",
    "template": "default",
}


def sns_event(*messages: str, subject: str | None = None) -> dict[str, Any]:
    return lambda_event(*(notification(message, subject=subject) for message in messages))


def invoke(event: Any) -> dict[str, Any]:
    result: dict[str, Any] = handler(event, fakes.FakeContext())
    return result


@pytest.mark.usefixtures("env")
def test_the_failure_message_is_posted_readably_with_a_console_link(slack: SlackModel) -> None:

    result = invoke(sns_event(json.dumps(FAILURE)))

    assert result == {"outcome": "notified", "posted": 1}
    (payload,) = slack.channel
    text = fakes.slack_text(payload)
    assert "failed for 2026-11-27" in text
    assert "*Step:* CreateMeeting" in text
    assert "`InvalidMeetingTemplate`" in text
    assert "field 'topic': is required" in text
    assert (
        "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1"
        f"#/v2/executions/details/{fakes.EXECUTION_ARN}"
    ) in text
    assert "same input" in text
    assert "InvalidMeetingTemplate" in payload["text"]


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("execution_input", "expected"),
    [
        ({"date": "2026-12-01", "template": "retro"}, "failed for 2026-12-01* (template `retro`)"),
        # 23:30 UTC is the next day in MEETING_TIMEZONE (Europe/Paris).
        ({"scheduled_time": "2026-11-30T23:30:00Z"}, "failed for 2026-12-01* (template `default`)"),
        ({}, "failed for unknown date*"),
        ({"date": "garbage"}, "failed for unknown date*"),
    ],
)
def test_a_step_that_failed_before_knowing_the_date_names_it_from_the_input(
    slack: SlackModel, execution_input: dict[str, str], expected: str
) -> None:
    message = {**FAILURE, "date": None, "template": None, "input": execution_input}

    invoke(sns_event(json.dumps(message)))

    (payload,) = slack.channel
    assert expected in fakes.slack_text(payload)


@pytest.mark.usefixtures("env")
def test_every_record_is_posted(slack: SlackModel) -> None:

    result = invoke(sns_event(json.dumps(FAILURE), "plain text alert", json.dumps(FAILURE)))

    assert result["posted"] == 3
    assert len(slack.channel) == 3


@pytest.mark.usefixtures("env")
def test_a_lambda_error_cause_is_unwrapped_and_trimmed(slack: SlackModel) -> None:
    cause = json.dumps(
        {
            "errorMessage": "Zoom failed to create meeting (HTTP 503) " + "x" * 5000,
            "errorType": "ZoomUnavailable",
            "requestId": "r",
            "stackTrace": ['  File "/var/task/zoom_notifier/services/zoom.py", line 1'],
        }
    )

    invoke(sns_event(json.dumps({**FAILURE, "error": "ZoomUnavailable", "cause": cause})))

    (payload,) = slack.channel
    text = fakes.slack_text(payload)
    assert "Cause: Zoom failed to create meeting (HTTP 503)" in text
    assert "stackTrace" not in text
    assert all(len(block["text"]["text"]) <= 3000 for block in payload["blocks"])
    assert "…" in text


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Something odd happened", "Something odd happened"),
        (
            json.dumps(
                {
                    "AlarmName": "zoom-notifier-failed-executions",
                    "NewStateValue": "ALARM",
                    "NewStateReason": "Threshold Crossed: 1 datapoint",
                }
            ),
            "CloudWatch alarm zoom-notifier-failed-executions is ALARM",
        ),
        (
            json.dumps(
                {
                    "AlarmName": "zoom-notifier-DispatcherStoppedAlarm-1A2B",
                    "AlarmDescription": "No dispatcher tick succeeded lately: is the schedule on?",
                    "NewStateValue": "ALARM",
                    "NewStateReason": "Threshold Crossed: no datapoints were received",
                }
            ),
            "No dispatcher tick succeeded lately: is the schedule on?",
        ),
        (json.dumps({"unexpected": "shape"}), '{"unexpected": "shape"}'),
        ("<!channel> <https://evil.example|click> & co", "<!channel> <https://evil.example"),
    ],
)
def test_any_other_message_on_the_topic_is_still_posted_readably(
    slack: SlackModel, message: str, expected: str
) -> None:

    invoke(sns_event(message, subject="Heads up"))

    (payload,) = slack.channel
    assert expected in fakes.slack_text(payload)
    # Whatever the message says is shown as plain text, and the notification text is escaped.
    assert payload["blocks"][1]["text"]["type"] == "plain_text"
    assert "<!channel>" not in payload["text"]
    assert "<https://evil" not in payload["text"]


@pytest.mark.usefixtures("env")
def test_a_failed_delivery_raises_after_trying_every_record(slack: SlackModel) -> None:
    slack.script.set(answer(410, "channel_is_archived"))

    with pytest.raises(SlackWebhookRejected, match="channel_is_archived"):
        invoke(sns_event(json.dumps(FAILURE), "second"))

    assert slack.attempts == 2
    assert len(slack.channel) == 1  # the second record still reached the channel


@pytest.mark.usefixtures("env")
def test_a_slack_outage_raises_so_lambda_retries_and_the_dead_letter_target_keeps_it(
    slack: SlackModel,
) -> None:
    slack.script.set(answer(503, ""))

    with pytest.raises(SlackUnavailable):
        invoke(sns_event(json.dumps(FAILURE)))


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({}, "field 'Records': is required"),
        ({"Records": []}, "field 'Records': must hold at least 1 item"),
        ({"Records": [{"Sns": {}}]}, "field 'Records.0.Sns.Message': is required"),
        ("text", "not a string"),
    ],
)
def test_a_malformed_sns_event_raises_invalid_execution_input(
    slack: SlackModel, event: Any, expected: str
) -> None:
    with pytest.raises(InvalidExecutionInput) as raised:
        invoke(event)

    assert expected in str(raised.value)
    assert slack.channel == []


def test_missing_slack_settings_raise_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="set SLACK_WEBHOOK_SECRET or SLACK_WEBHOOK_URL"):
        invoke(sns_event(json.dumps(FAILURE)))


def test_works_with_only_the_webhook_setting(
    slack: SlackModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", fakes.WEBHOOK_URL)

    assert invoke(sns_event(json.dumps(FAILURE)))["outcome"] == "notified"


@pytest.mark.usefixtures("env")
def test_the_handler_works_three_times_in_one_warm_process(slack: SlackModel) -> None:
    posted = [invoke(sns_event(json.dumps(FAILURE)))["posted"] for _ in range(3)]

    assert posted == [1, 1, 1]


def _the_post(slack: SlackModel) -> str:
    """The text of the one message in the channel."""
    (post,) = slack.channel
    return fakes.slack_text(post)


def _status_change(status: str, **detail: object) -> str:
    """EventBridge's event for an execution that ended ``status`` (the stack's rule sends it)."""
    return json.dumps(
        {
            "version": "0",
            "detail-type": "Step Functions Execution Status Change",
            "source": "aws.states",
            "detail": {
                "executionArn": fakes.EXECUTION_ARN,
                "stateMachineArn": fakes.EXECUTION_ARN.replace(":execution:", ":stateMachine:"),
                "status": status,
                "input": json.dumps({"date": "2026-11-27", "template": "retro"}),
                **detail,
            },
        }
    )


@pytest.mark.usefixtures("env")
def test_a_failed_execution_is_reported_with_its_step_and_redrive_first(
    slack: SlackModel,
) -> None:
    cause = json.dumps(
        {
            "errorMessage": "NotifyMeeting: Slack rejected the webhook post (HTTP 410: "
            "channel_is_archived)",
            "errorType": "SlackWebhookRejected",
        }
    )
    message = _status_change("FAILED", error="SlackWebhookRejected", cause=cause)

    invoke(sns_event(message))

    text = _the_post(slack)
    assert "failed for 2026-11-27* (template `retro`)" in text
    assert "*Step:* NotifyMeeting" in text
    assert "`SlackWebhookRejected`" in text
    assert "Cause: Slack rejected the webhook post (HTTP 410: channel_is_archived)" in text
    assert text.index("*Redrive*") < text.index("zoom-notifier rerun")
    assert f"aws stepfunctions redrive-execution --execution-arn {fakes.EXECUTION_ARN}" in text


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("status", "what"), [("TIMED_OUT", "timed out"), ("ABORTED", "was aborted")]
)
def test_a_timed_out_or_aborted_execution_names_its_day_and_template(
    slack: SlackModel, status: str, what: str
) -> None:
    invoke(sns_event(_status_change(status)))

    text = _the_post(slack)
    assert "failed for 2026-11-27* (template `retro`)" in text
    assert f"`{status}`" in text
    assert f"the execution {what}" in text
