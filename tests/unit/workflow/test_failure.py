"""The failure report's decisions: every message posted, the first error raised after."""

from __future__ import annotations

import json

import pytest

from tests.support import fakes
from tests.support.memory import (
    ModelSlack,
)
from tests.support.steps import (
    DAY,
)
from zoom_notifier.domain.models import (
    SnsEvent,
)
from zoom_notifier.errors import (
    SlackWebhookRejected,
)
from zoom_notifier.local.faults import (
    answer,
)
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.sns import lambda_event, notification
from zoom_notifier.workflow import failure as failure_step

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
