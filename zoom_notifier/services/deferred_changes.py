"""The inbound function's work after its answer: an asynchronous invocation of itself (a
change a command began, or an edit of an announcement Zoom's events call for).

A Function URL's answer ends the invocation (Lambda freezes it), and Slack waits three seconds
for that answer, while a change of an existing meeting calls Zoom and Slack. So the answer says
the change is under way, and the function invokes itself with ``InvocationType="Event"``: Lambda
queues the event (HTTP 202) and retries it twice on a failure
(docs.aws.amazon.com/lambda/latest/dg/invocation-async.html). The job names the day, never a
change: the item says what to do (:mod:`zoom_notifier.workflow.day_amends`), so a job run twice
does the change once.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from zoom_notifier.domain.models import MeetingKey
from zoom_notifier.errors import AwsUnavailable, ConfigurationError
from zoom_notifier.services.aws import aws_errors

__all__ = ["DEFERRED_KEY", "REFRESH_KEY", "ChangeJob", "DeferredChanges", "RefreshJob"]

# The keys of an asynchronous event of ours (a Function URL's event never has them at its top).
DEFERRED_KEY = "zoom_notifier_finish_change"
REFRESH_KEY = "zoom_notifier_refresh_announcement"


class ChangeJob(BaseModel):
    """A change to finish: the day, and where to say how it went."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: MeetingKey
    channel: str = Field(min_length=1, max_length=32)
    # The command's response_url (a credential: registered as a secret where it is read).
    response_url: str = Field(max_length=2048)
    command: str = Field(max_length=40)
    text: str = Field(max_length=4000)
    requested_at: float


class RefreshJob(BaseModel):
    """An announcement to bring up to date with what Zoom's events told of its meeting."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: MeetingKey
    # Where the teams' pages are (as Zoom's request reached the function), to keep naming the
    # team's page in the edited announcement.
    pages_url: str | None = Field(default=None, max_length=2048)


class DeferredChanges:
    """Queue a job for the function ``function_name`` (INBOUND_FUNCTION_NAME)."""

    def __init__(self, client: Any, function_name: str | None) -> None:
        self._client = client
        self._function = function_name

    async def defer(self, job: ChangeJob) -> None:
        """Queue the job that finishes a change."""
        await self._queue(DEFERRED_KEY, job.model_dump(mode="json"), "change", job.key)

    async def refresh(self, key: MeetingKey, pages_url: str | None = None) -> None:
        """Queue the job that edits the announcement of ``key``'s meeting."""
        job = RefreshJob(key=key, pages_url=pages_url)
        await self._queue(REFRESH_KEY, job.model_dump(mode="json"), "edit", key)

    async def _queue(self, name: str, job: dict[str, Any], what: str, key: MeetingKey) -> None:
        if not self._function:
            raise ConfigurationError(
                f"INBOUND_FUNCTION_NAME is not set: the {what} cannot be queued (the stack "
                "predates this version: make deploy)"
            )
        with aws_errors(f"queueing the {what} of {key.date}/{key.template}"):
            response = await self._client.invoke(
                FunctionName=self._function,
                InvocationType="Event",
                Payload=json.dumps({name: job}).encode(),
            )
        if int(response.get("StatusCode", 0)) != 202:
            raise AwsUnavailable(
                f"Lambda did not queue the {what} (HTTP {response.get('StatusCode')})"
            )
