"""The failure report: every message of the failure topic posted to the deployment's channel."""

from __future__ import annotations

from zoom_notifier.domain.messages import failure_alert
from zoom_notifier.domain.models import (
    FailureAlertResult,
    SnsEvent,
)
from zoom_notifier.errors import ZoomNotifierError
from zoom_notifier.runtime.logs import get_logger
from zoom_notifier.workflow.ports import (
    MessagePoster,
)

__all__ = ["notify_failure"]

log = get_logger(__name__)


async def notify_failure(
    event: SnsEvent, *, slack: MessagePoster, timezone: str, meetings_table: str | None = None
) -> FailureAlertResult:
    """Post every failure message of an SNS event to Slack.

    All records are attempted; if any post failed, the first error is raised afterwards so
    Lambda's asynchronous retries and the dead-letter target keep the event.
    """
    failures: list[ZoomNotifierError] = []
    for record in event.Records:
        message = record.Sns
        try:
            await slack.post(
                failure_alert(message.message, message.subject, timezone, meetings_table)
            )
        except ZoomNotifierError as exc:
            log.error("failure alert not delivered", message_id=message.message_id, error=exc.name)
            failures.append(exc)
        else:
            log.info("failure alert posted", message_id=message.message_id)
    if failures:
        raise failures[0]
    return FailureAlertResult(posted=len(event.Records))
