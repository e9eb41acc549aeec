"""A change of an existing meeting, finished after the command's answer, and told.

The job (:class:`~zoom_notifier.services.deferred_changes.ChangeJob`) runs
:func:`~zoom_notifier.workflow.day_amends.finish_amend` with the deployment's Zoom app and Slack
app, then answers the command through its ``response_url``: the result in the channel, or, on a
failure, to the person who typed it (the failure is raised after, so Lambda tries the job again;
each try answers once, and three tries and the result stay within Slack's five uses). When the
response_url cannot take it (expired, used up, failing), the channel is told through the app, so
a change and its failure are never silent.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from zoom_notifier.errors import ZoomNotifierError
from zoom_notifier.runtime.logs import bind, get_logger, register_invocation_secret
from zoom_notifier.services.change_clients import change_clients
from zoom_notifier.services.command_responses import respond
from zoom_notifier.services.meeting_store import MeetingStore
from zoom_notifier.workflow.day_amends import finish_amend

if TYPE_CHECKING:
    from zoom_notifier.runtime.config import InboundSettings
    from zoom_notifier.runtime.connections import Connections
    from zoom_notifier.services.deferred_changes import ChangeJob
    from zoom_notifier.services.slack_app import SlackApp

__all__ = ["fix_command", "run_change_job"]

log = get_logger(__name__)


def fix_command(job: ChangeJob, stack: str | None) -> str:
    """What finishes the change by hand: the command again, or the operator's CLI."""
    again = f"`{job.command} {job.text.strip()}`"
    verb = "move" if job.text.strip().split(" ", 1)[0].lower() == "move" else "skip"
    cli = (
        f"`zoom-notifier {verb} --stack {stack or '<stack>'} --template {job.key.template} "
        f"--date {job.key.date}" + (" --to HH:MM`" if verb == "move" else "`")
    )
    return f"type {again} again in five minutes, or the operator runs {cli}"


async def run_change_job(
    job: ChangeJob,
    settings: InboundSettings,
    io: Connections,
    *,
    now: datetime,
    stack: str | None = None,
) -> str:
    """Finish ``job``'s change and tell how it went; the outcome's name."""
    register_invocation_secret(job.response_url)
    bind(date=job.key.date, template=job.key.template, slack_channel=job.channel)
    assert settings.zoom_credentials_secret is not None  # noqa: S101 - checked by the caller
    assert settings.slack_bot_token_secret is not None  # noqa: S101
    clients = await change_clients(
        io.http,
        io.secrets,
        zoom_secret=settings.zoom_credentials_secret,
        bot_token_secret=settings.slack_bot_token_secret,
        zoom_api_url=settings.zoom_api_url,
        zoom_oauth_url=settings.zoom_oauth_url,
        slack_api_url=settings.slack_api_url,
    )
    zoom, app = clients.zoom, clients.app
    store = MeetingStore(await io.aws.dynamodb(), settings.meetings_table)
    try:
        amended = await finish_amend(job.key, zoom=zoom, app=app, days=store, now=now)
    except ZoomNotifierError as exc:
        log.warning("a change is not finished", error=exc.name, cause=exc.cause)
        await _tell(
            job,
            f"*{job.key.template}* on {job.key.date} is not changed yet: {exc.cause}. It is "
            f"tried again within a few minutes; if this message stays the last, "
            f"{fix_command(job, stack)}.",
            app=app,
            io=io,
            settings=settings,
            in_channel=False,
            now=now,
        )
        raise
    await _tell(
        job, amended.text, app=app, io=io, settings=settings, in_channel=amended.changed, now=now
    )
    return "changed" if amended.changed else "nothing to do"


async def _tell(
    job: ChangeJob,
    text: str,
    *,
    app: SlackApp,
    io: Connections,
    settings: InboundSettings,
    in_channel: bool,
    now: datetime,
) -> None:
    shown = await respond(
        io.http,
        job.response_url,
        text,
        in_channel=in_channel,
        requested_at=job.requested_at,
        now=now.timestamp(),
        allow_loopback=settings.allow_loopback_urls,
    )
    if shown:
        return
    try:
        await app.post(job.channel, {"text": text}, None)
    except ZoomNotifierError as exc:
        log.error("the change's outcome could not be told", error=exc.name, cause=exc.cause)
