"""Zoom's event notifications (``/zoom/events``) and the edits they call for, in the Inbound
function: imported only on those paths, so that a slash command's cold start never loads them.

A request is answered within Zoom's three seconds: ``200`` once the event is recorded (or known
to need nothing), a bare refusal for anything unsigned or stale, ``503`` when it could not be
recorded (AWS failing, the day's item busy): Zoom then sends it again, 5, 20 and 60 minutes
later, and applying it again is harmless.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from zoom_notifier.inbound.function_url import HttpRequest, HttpResponse, Refused
from zoom_notifier.inbound.team_door import pages_url
from zoom_notifier.inbound.zoom_door import signed_event, url_validation_answer
from zoom_notifier.inbound.zoom_event import MeetingEvent, OtherEvent, RecordingEvent
from zoom_notifier.runtime.logs import bind, get_logger
from zoom_notifier.services.deferred_changes import DeferredChanges
from zoom_notifier.services.meeting_store import MeetingStore
from zoom_notifier.services.secrets import slack_bot_token, zoom_secret_token
from zoom_notifier.workflow.meeting_events import receive, refresh

if TYPE_CHECKING:
    from zoom_notifier.domain.models import MeetingKey
    from zoom_notifier.runtime.config import InboundSettings
    from zoom_notifier.runtime.connections import Connections
    from zoom_notifier.services.deferred_changes import RefreshJob

__all__ = ["run_refresh_job", "serve_zoom_event"]

log = get_logger(__name__)


async def serve_zoom_event(
    request: HttpRequest, settings: InboundSettings, io: Connections, now: float
) -> HttpResponse:
    """Answer one of Zoom's event notifications."""
    if settings.zoom_webhook_secret is None:
        raise Refused(404, "ZOOM_WEBHOOK_SECRET is not set: Zoom's events are not served")
    token = await zoom_secret_token(settings, io.secrets)
    event = signed_event(request, secret_token=token, now=now)
    if isinstance(event, OtherEvent):
        log.info("zoom event ignored", zoom_event=event.name)
        return HttpResponse.bare(200)
    if not isinstance(event, MeetingEvent | RecordingEvent):
        log.info("zoom endpoint validated")
        return HttpResponse.json(url_validation_answer(event.plain_token, token))
    bind(meeting_id=event.meeting_id)
    dynamodb = await io.aws.dynamodb()
    jobs = _EditJobs(
        DeferredChanges(await io.aws.lambda_(), settings.inbound_function_name), pages_url(request)
    )
    outcome = await receive(
        event,
        MeetingStore(dynamodb, settings.meetings_table),
        jobs,
        int(now),
        interval=settings.announcement_edit_seconds,
    )
    kind = event.kind if isinstance(event, MeetingEvent) else "recording"
    log.info("zoom event answered", zoom_event=kind, outcome=outcome)
    return HttpResponse.bare(200)


class _EditJobs:
    """The edit jobs, each told where the teams' pages are (to keep naming the team's)."""

    def __init__(self, deferred: DeferredChanges, pages: str | None) -> None:
        self._deferred = deferred
        self._pages = pages

    async def refresh(self, key: MeetingKey) -> None:
        await self._deferred.refresh(key, self._pages)


async def _team_page(job: RefreshJob, settings: InboundSettings, io: Connections) -> str | None:
    """The address of the job's team's page, if it has one."""
    if job.pages_url is None or settings.team_link_secret is None:
        return None
    from zoom_notifier.services.team_links import team_address, team_keys  # noqa: PLC0415

    key = (await team_keys(settings.team_link_secret, io.secrets)).get(job.key.template)
    return None if key is None else team_address(job.pages_url, job.key.template, key)


async def run_refresh_job(job: RefreshJob, settings: InboundSettings, io: Connections) -> str:
    """Bring one announcement up to date with its meeting's life; what was done."""
    from zoom_notifier.services.slack_app import SlackApp  # noqa: PLC0415 - needs slack_sdk

    bind(date=job.key.date, template=job.key.template)
    token = await slack_bot_token(settings, io.secrets)
    app = SlackApp(io.http, token, base_url=settings.slack_api_url)
    store = MeetingStore(await io.aws.dynamodb(), settings.meetings_table)
    outcome = await refresh(
        job.key,
        store,
        app,
        clock=time.time,
        interval=settings.announcement_edit_seconds,
        team_page=await _team_page(job, settings, io),
    )
    log.info("announcement refreshed", outcome=outcome)
    return outcome
