"""``notify_failure``: post every message of the failure SNS topic to Slack.

SNS invokes it asynchronously, so every failure is raised: Lambda retries the event twice and
then hands it to the dead-letter target, where no failure report is lost.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from zoom_notifier import workflow
from zoom_notifier.aws import AwsClients
from zoom_notifier.config import FailureSettings
from zoom_notifier.lambda_runtime import Invocation, lambda_handler
from zoom_notifier.models import FailureAlertResult, SnsEvent, parse_event
from zoom_notifier.secrets import SecretSource, slack_webhook_url
from zoom_notifier.slack import SlackWebhook

__all__ = ["handler", "notify_failure"]


async def notify_failure(
    event: Any, settings: FailureSettings, invocation: Invocation
) -> FailureAlertResult:
    sns_event = parse_event(SnsEvent, event)
    async with AwsClients() as aws, aiohttp.ClientSession() as http:
        webhook = await slack_webhook_url(settings, SecretSource(aws))
        return await workflow.notify_failure(
            sns_event, slack=SlackWebhook(http, webhook), timezone=settings.meeting_timezone
        )


handler = lambda_handler(
    "NotifyFailure", FailureSettings, notify_failure, return_permanent_errors=False
)
