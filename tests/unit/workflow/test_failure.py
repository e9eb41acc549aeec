"""The failure report's decisions: every message posted, the first error raised after."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support import fakes
from tests.support.memory import (
    ModelSlack,
)
from tests.support.steps import (
    DAY,
)
from zoom_notifier.domain.messages import UNKNOWN_OUTCOME_CAUSE
from zoom_notifier.domain.models import (
    ExecutionDescription,
    SnsEvent,
)
from zoom_notifier.errors import (
    ConfigurationError,
    SlackWebhookRejected,
)
from zoom_notifier.local.faults import (
    answer,
)
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.sns import lambda_event, notification
from zoom_notifier.workflow import failure as failure_step

REPOSITORY = Path(__file__).resolve().parents[3]

# --- notify_failure ------------------------------------------------------------------------


def _failure_event(*errors: str) -> SnsEvent:
    messages = [
        json.dumps(
            {
                "execution_arn": fakes.EXECUTION_ARN,
                "state": "CreateMeeting",
                "error": error,
                "cause": "because",
                "date": DAY,
                "template": "default",
            }
        )
        for error in errors
    ]
    return SnsEvent.model_validate(lambda_event(*(notification(m) for m in messages)))


async def report(slack: SlackModel, *errors: str) -> int:
    """Run notify_failure on one SNS event holding a failure message per error."""
    result = await failure_step.notify_failure(
        _failure_event(*errors), slack=ModelSlack(slack), timezone="Europe/Paris"
    )
    return result.posted


async def test_notify_failure_posts_every_message(slack: SlackModel) -> None:
    assert await report(slack, "ZoomUnavailable", "InvalidMeetingTemplate") == 2

    assert len(slack.failure_reports) == 2


async def test_notify_failure_tries_every_message_then_raises_the_first_error(
    slack: SlackModel,
) -> None:
    slack.script.set(answer(404, "channel_not_found"))

    with pytest.raises(SlackWebhookRejected, match="channel_not_found"):
        await report(slack, "ZoomUnavailable", "InvalidMeetingTemplate")

    assert slack.attempts == 2
    assert len(slack.failure_reports) == 1


# --- the execution itself, not the event's undocumented fields -----------------------------


class Described:
    """DescribeExecution's answers, by ARN; an ARN it does not know is refused."""

    def __init__(self, **answers: Mapping[str, object]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def describe(self, arn: str) -> ExecutionDescription:
        self.asked.append(arn)
        if arn not in self.answers:
            raise ConfigurationError("reading execution: access denied (AccessDeniedException)")
        return ExecutionDescription.model_validate({"executionArn": arn, **self.answers[arn]})


def _status_change_event(**detail: object) -> SnsEvent:
    change = {
        "detail-type": "Step Functions Execution Status Change",
        "detail": {"executionArn": fakes.EXECUTION_ARN, "status": "FAILED", **detail},
    }
    return SnsEvent.model_validate(lambda_event(notification(json.dumps(change))))


async def _report_of(event: SnsEvent, executions: Described) -> str:
    slack = SlackModel()
    await failure_step.notify_failure(
        event, slack=ModelSlack(slack), timezone="Europe/Paris", executions=executions
    )
    (payload,) = slack.channel
    return json.dumps(payload)


async def test_the_report_reads_the_execution_and_says_until_when_redrive_works() -> None:
    executions = Described(**{fakes.EXECUTION_ARN: {
        "status": "FAILED", "error": "ZoomUnavailable",
        "cause": json.dumps({"errorMessage": "CreateMeeting: Zoom failed (HTTP 503)"}),
        "input": json.dumps({"date": DAY, "template": "team-a"}),
        "startDate": "2026-11-27T08:15:00+00:00", "redriveStatus": "REDRIVABLE",
    }})  # fmt: skip

    # The event carries nothing but the ARN: everything shown comes from the execution.
    text = await _report_of(_status_change_event(), executions)

    assert executions.asked == [fakes.EXECUTION_ARN]
    assert "ZoomUnavailable" in text
    assert "template `team-a`" in text
    assert "Zoom failed (HTTP 503)" in text
    assert "until 2026-12-11 08:15 UTC" in text
    assert "after a deploy that changed the state machine" in text


async def test_a_report_whose_execution_cannot_be_read_is_built_from_the_event_and_says_so() -> (
    None
):
    event = _status_change_event(error="ZoomUnavailable", cause="CreateMeeting: Zoom down")

    text = await _report_of(event, Described())

    assert "ZoomUnavailable" in text
    assert "Zoom down" in text
    assert "The execution could not be read (ConfigurationError)" in text


async def test_redrive_is_not_offered_where_it_cannot_fix_the_day() -> None:
    unknown = Described(**{fakes.EXECUTION_ARN: {
        "status": "FAILED", "error": "UnexpectedError", "cause": UNKNOWN_OUTCOME_CAUSE,
        "input": json.dumps({"date": DAY}), "redriveStatus": "REDRIVABLE",
    }})  # fmt: skip
    expired = Described(**{fakes.EXECUTION_ARN: {
        "status": "FAILED", "error": "ZoomUnavailable", "cause": "CreateMeeting: down",
        "input": json.dumps({"date": DAY}), "redriveStatus": "NOT_REDRIVABLE",
        "redriveStatusReason": "Execution redrivable period exceeded",
    }})  # fmt: skip

    fail_state = await _report_of(_status_change_event(), unknown)
    too_old = await _report_of(_status_change_event(), expired)

    rerun = f"zoom-notifier rerun {fakes.EXECUTION_ARN}"
    assert "Redrive cannot fix this" in fail_state
    assert rerun in fail_state
    assert "redrive-execution" not in fail_state
    assert "no redrive: Execution redrivable period exceeded" in too_old
    assert rerun in too_old
    assert "redrive-execution" not in too_old


def test_the_unknown_outcome_cause_is_the_state_machines_own() -> None:
    definition = json.loads((REPOSITORY / "state_machine.asl.json").read_text())

    assert definition["States"]["UnknownOutcome"]["Cause"] == UNKNOWN_OUTCOME_CAUSE
