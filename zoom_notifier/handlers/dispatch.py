"""``Dispatch``: every few minutes, start the executions whose announcement time has come."""

from __future__ import annotations

from zoom_notifier.domain.models import DispatchInput, DispatchResult
from zoom_notifier.handlers import imported
from zoom_notifier.runtime.config import DispatchSettings
from zoom_notifier.runtime.connections import Connections
from zoom_notifier.runtime.container import STATE
from zoom_notifier.runtime.lambda_runtime import Invocation, Step, lambda_handler
from zoom_notifier.services.failure_topic import FailureTopic
from zoom_notifier.services.meeting_store import MeetingStore
from zoom_notifier.services.state_machine import StateMachine
from zoom_notifier.services.template_source import TemplateSource
from zoom_notifier.workflow import dispatch as step

__all__ = ["dispatch", "handler"]


async def dispatch(
    request: DispatchInput, settings: DispatchSettings, invocation: Invocation, io: Connections
) -> DispatchResult:
    return await step.dispatch(
        request,
        catalog=TemplateSource(await io.aws.s3(), settings.template_bucket, settings.template_key),
        starter=StateMachine(await io.aws.stepfunctions(), settings.state_machine_arn),
        reporter=FailureTopic(await io.aws.sns(), settings.failure_topic_arn),
        meetings=MeetingStore(await io.aws.dynamodb(), settings.meetings_table),
        state_machine_arn=settings.state_machine_arn,
        every_minutes=settings.dispatch_every_minutes,
        timezone=settings.meeting_timezone,
        # The templates this container read, each at its version: a warm tick reads only
        # what changed.
        known=STATE.templates_read.setdefault(
            f"s3://{settings.template_bucket}/{settings.template_key}", {}
        ),
    )


handler = lambda_handler(Step("Dispatch", DispatchSettings, DispatchInput, dispatch))
imported()
