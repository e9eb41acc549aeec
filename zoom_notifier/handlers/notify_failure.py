"""``notify_failure``: post every message of the failure SNS topic to Slack.

SNS invokes it asynchronously, so every failure is raised: Lambda retries the event twice and
then hands it to the dead-letter target, where no failure report is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoom_notifier.domain.models import FailureAlertResult, SnsEvent
from zoom_notifier.handlers import imported
from zoom_notifier.runtime.config import FailureSettings
from zoom_notifier.runtime.connections import Connections
from zoom_notifier.runtime.lambda_runtime import Invocation, Step, lambda_handler
from zoom_notifier.services.secrets import slack_bot_token, slack_webhook_url
from zoom_notifier.services.slack_webhook import SlackWebhook
from zoom_notifier.services.state_machine import Executions
from zoom_notifier.workflow import failure as step

if TYPE_CHECKING:
    from zoom_notifier.workflow.ports import MessagePoster

__all__ = ["handler", "notify_failure"]


async def notify_failure(
    event: SnsEvent, settings: FailureSettings, invocation: Invocation, io: Connections
) -> FailureAlertResult:
    del invocation  # nothing is claimed: a repeated report is harmless, a lost one is not
    slack: MessagePoster
    if settings.app_mode:
        from zoom_notifier.services.slack_app import AppChannel, SlackApp  # noqa: PLC0415 - app mode only

        token = await slack_bot_token(settings, io.secrets)
        app = SlackApp(io.http, token, base_url=settings.slack_api_url)
        slack = AppChannel(app, settings.slack_channel or "")
    else:
        slack = SlackWebhook(io.http, await slack_webhook_url(settings, io.secrets))
    return await step.notify_failure(
        event,
        slack=slack,
        timezone=settings.meeting_timezone,
        meetings_table=settings.meetings_table,
        executions=Executions(await io.aws.stepfunctions()),
    )


handler = lambda_handler(Step("NotifyFailure", FailureSettings, SnsEvent, notify_failure))
imported()
