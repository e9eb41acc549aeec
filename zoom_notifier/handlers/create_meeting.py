"""``CreateMeeting``: create the day's Zoom meeting from the S3 template, exactly once."""

from __future__ import annotations

from typing import Any

import aiohttp

from zoom_notifier import workflow
from zoom_notifier.aws import AwsClients
from zoom_notifier.config import CreateSettings
from zoom_notifier.lambda_runtime import Invocation, lambda_handler
from zoom_notifier.models import CreateResult, ExecutionInput, parse_event
from zoom_notifier.secrets import SecretSource, zoom_credentials
from zoom_notifier.store import MeetingStore
from zoom_notifier.template_source import TemplateSource
from zoom_notifier.zoom import ZoomClient

__all__ = ["create_meeting", "handler"]


async def create_meeting(
    event: Any, settings: CreateSettings, invocation: Invocation
) -> CreateResult:
    request = parse_event(ExecutionInput, event)
    async with AwsClients() as aws, aiohttp.ClientSession() as http:
        credentials = await zoom_credentials(settings, SecretSource(aws))
        return await workflow.create_meeting(
            request,
            templates=TemplateSource(
                await aws.s3(), settings.template_bucket, settings.template_key
            ),
            store=MeetingStore(await aws.dynamodb(), settings.meetings_table),
            zoom=ZoomClient(
                http,
                credentials,
                api_url=settings.zoom_api_url,
                oauth_url=settings.zoom_oauth_url,
            ),
            zoom_user_id=settings.zoom_user_id,
            timezone=settings.meeting_timezone,
            owner=invocation.owner(request.execution_arn),
        )


handler = lambda_handler("CreateMeeting", CreateSettings, create_meeting)
