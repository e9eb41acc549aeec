"""``CreateMeeting``: create the day's Zoom meeting from the S3 template, exactly once."""

from __future__ import annotations

from zoom_notifier.domain.models import CreateResult, ExecutionInput, SkippedResult
from zoom_notifier.handlers import imported
from zoom_notifier.runtime.config import CreateSettings
from zoom_notifier.runtime.connections import Connections
from zoom_notifier.runtime.lambda_runtime import Invocation, Step, lambda_handler
from zoom_notifier.services.meeting_store import MeetingStore
from zoom_notifier.services.secrets import zoom_credentials
from zoom_notifier.services.template_source import TemplateSource
from zoom_notifier.services.zoom import ZoomClient
from zoom_notifier.workflow import create as step

__all__ = ["create_meeting", "handler"]


async def create_meeting(
    request: ExecutionInput, settings: CreateSettings, invocation: Invocation, io: Connections
) -> CreateResult | SkippedResult:
    credentials = await zoom_credentials(settings, io.secrets)
    zoom = ZoomClient(
        io.http, credentials, api_url=settings.zoom_api_url, oauth_url=settings.zoom_oauth_url
    )
    return await step.create_meeting(
        request,
        templates=TemplateSource(
            await io.aws.s3(), settings.template_bucket, settings.template_key
        ),
        store=MeetingStore(await io.aws.dynamodb(), settings.meetings_table),
        zoom=zoom,
        zoom_user_id=settings.zoom_user_id,
        timezone=settings.meeting_timezone,
        owner=invocation.owner(request.execution_arn, request.redrive_count),
    )


handler = lambda_handler(Step("CreateMeeting", CreateSettings, ExecutionInput, create_meeting))
imported()
