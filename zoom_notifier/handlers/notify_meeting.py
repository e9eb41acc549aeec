"""``NotifyMeeting``: announce the day's meeting in Slack, exactly once."""

from __future__ import annotations

from typing import Any

import aiohttp

from zoom_notifier import workflow
from zoom_notifier.aws import AwsClients
from zoom_notifier.config import NotifySettings
from zoom_notifier.lambda_runtime import Invocation, lambda_handler
from zoom_notifier.models import NotifyInput, NotifyResult, parse_event
from zoom_notifier.secrets import SecretSource, slack_webhook_url
from zoom_notifier.slack import SlackWebhook
from zoom_notifier.store import MeetingStore

__all__ = ["handler", "notify_meeting"]


async def notify_meeting(
    event: Any, settings: NotifySettings, invocation: Invocation
) -> NotifyResult:
    request = parse_event(NotifyInput, event)
    async with AwsClients() as aws, aiohttp.ClientSession() as http:
        webhook = await slack_webhook_url(settings, SecretSource(aws))
        return await workflow.notify_meeting(
            request,
            store=MeetingStore(await aws.dynamodb(), settings.meetings_table),
            slack=SlackWebhook(http, webhook),
            owner=invocation.owner(request.execution_arn),
        )


handler = lambda_handler("NotifyMeeting", NotifySettings, notify_meeting)
