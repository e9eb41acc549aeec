"""The failure report: every message of the failure topic posted to the deployment's channel."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from zoom_notifier.domain.messages import (
    described_failure,
    failure_report,
    other_alert,
    read_failure,
)
from zoom_notifier.domain.models import FailureAlertResult, FailureMessage, SnsEvent
from zoom_notifier.errors import ZoomNotifierError
from zoom_notifier.runtime.logs import get_logger
from zoom_notifier.runtime.metrics import metric_fields
from zoom_notifier.workflow.ports import ExecutionReader, MessagePoster

__all__ = ["notify_failure"]

log = get_logger(__name__)


async def notify_failure(
    event: SnsEvent,
    *,
    slack: MessagePoster,
    timezone: str,
    meetings_table: str | None = None,
    executions: ExecutionReader | None = None,
) -> FailureAlertResult:
    """Post every failure message of an SNS event to Slack.

    A failed execution's status change is checked against the execution itself (its error,
    cause and input, and whether it can be redriven: the event's ``error`` and ``cause`` are
    not documented fields); when the execution cannot be read, the report is built from the
    event and says so. Each failed day counts one ``Failed``.

    All records are attempted; if any post failed, the first error is raised afterwards so
    Lambda's asynchronous retries and the dead-letter target keep the event.
    """
    failures: list[ZoomNotifierError] = []
    for record in event.Records:
        message = record.Sns
        failure = read_failure(message.message)
        if failure is not None and failure.from_event and executions is not None:
            failure = await _as_described(failure, executions)
        try:
            if failure is None:
                await slack.post(other_alert(message.message, message.subject))
            else:
                await slack.post(failure_report(failure, timezone, meetings_table))
        except ZoomNotifierError as exc:
            log.error("failure alert not delivered", message_id=message.message_id, error=exc.name)
            failures.append(exc)
        else:
            log.info(
                "failure alert posted",
                message_id=message.message_id,
                **_failed_metric(failure, timezone),
            )
    if failures:
        raise failures[0]
    return FailureAlertResult(posted=len(event.Records))


async def _as_described(failure: FailureMessage, executions: ExecutionReader) -> FailureMessage:
    try:
        described = await executions.describe(failure.execution_arn)
    except ZoomNotifierError as exc:
        log.warning("the failed execution could not be read", error=exc.name)
        return failure.model_copy(
            update={
                "note": f"The execution could not be read ({exc.name}); this report is built "
                "from its status-change event alone."
            }
        )
    return described_failure(failure, described)


def _failed_metric(failure: FailureMessage | None, timezone: str) -> dict[str, object]:
    """One ``Failed`` for the template whose day failed (none for an alarm or other text)."""
    if failure is None:
        return {}
    key = failure.meeting_key(ZoneInfo(timezone))
    return metric_fields({"Failed": 1}, template=key.template if key else None)
