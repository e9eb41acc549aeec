"""Finding the meeting that an interrupted create may have made, so a retry adopts it.

A create can succeed at Zoom while we never see the answer (a timeout, a reset connection, the
Lambda killed between Zoom's 201 and the DynamoDB write). The claim then carries the moment
that attempt began; before creating again, we list the host's scheduled meetings and adopt one
that matches the request we would send:

* the same ``topic`` (after ``{date}`` is filled in), and
* the same start instant (when the request has a ``start_time``), and
* created by Zoom no earlier than the interrupted attempt began (minus a little clock skew).

Limits: two meetings of the same host with the same topic and start created within that window
are indistinguishable (we take the earliest); a meeting deleted in Zoom meanwhile is not found,
and a new one is created.
"""

from __future__ import annotations

from zoom_notifier.domain.models import ZoomMeeting, ZoomMeetingSummary
from zoom_notifier.domain.template import MeetingTemplate
from zoom_notifier.domain.zoom_time import utc_instant
from zoom_notifier.workflow.ports import ZoomMeetings

__all__ = ["CLOCK_SKEW_SECONDS", "find_earlier_meeting", "matches"]

CLOCK_SKEW_SECONDS = 120


def matches(summary: ZoomMeetingSummary, request: MeetingTemplate, since: int) -> bool:
    """Whether ``summary`` may be the meeting an attempt begun at ``since`` created."""
    if summary.topic != request.topic:
        return False
    timezone = request.timezone or "UTC"
    wanted = utc_instant(request.start_time, timezone)
    if wanted is not None and utc_instant(summary.start_time, "UTC") != wanted:
        return False
    created = utc_instant(summary.created_at, "UTC")
    return created is not None and created.timestamp() >= since - CLOCK_SKEW_SECONDS


async def find_earlier_meeting(
    zoom: ZoomMeetings, user_id: str, request: MeetingTemplate, since: int
) -> ZoomMeeting | None:
    """The meeting an attempt begun at epoch ``since`` created for ``request``, if any."""
    candidates = [
        summary
        for summary in await zoom.list_scheduled_meetings(user_id)
        if matches(summary, request, since)
    ]
    for summary in sorted(candidates, key=lambda found: found.created_at or ""):
        meeting = await zoom.get_meeting(summary.id)
        if meeting is not None:
            return meeting
    return None
