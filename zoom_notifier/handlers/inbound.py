"""``Inbound``: the Function URL's requests (Slack's slash command, ``/slack/commands``;
Zoom's event notifications, ``/zoom/events``; each team's page and feed, ``/t/<team>``), and
the function's own asynchronous jobs: a change of an existing meeting, finished after the
answer, and an announcement edited to follow its meeting
(:mod:`zoom_notifier.services.deferred_changes`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from zoom_notifier.errors import (
    ConfigurationError,
    PermanentError,
    TransientError,
    ZoomNotifierError,
)
from zoom_notifier.handlers import imported
from zoom_notifier.inbound.function_url import HttpRequest, HttpResponse, Refused
from zoom_notifier.inbound.slack_door import SLACK_COMMANDS_PATH, signed_command
from zoom_notifier.inbound.slash_command import SlashCommand
from zoom_notifier.runtime.config import InboundSettings
from zoom_notifier.runtime.connections import Connections
from zoom_notifier.runtime.container import STATE
from zoom_notifier.runtime.http_runtime import HttpFunction, http_handler
from zoom_notifier.runtime.lambda_runtime import Invocation, Step, lambda_handler
from zoom_notifier.runtime.logs import bind, get_logger, register_invocation_secret
from zoom_notifier.services.deferred_changes import (
    DEFERRED_KEY,
    REFRESH_KEY,
    ChangeJob,
    DeferredChanges,
    RefreshJob,
)
from zoom_notifier.services.meeting_store import MeetingStore
from zoom_notifier.services.secrets import slack_bot_token, slack_signing_secret
from zoom_notifier.services.seen_requests import SeenRequests
from zoom_notifier.services.template_source import TemplateSource
from zoom_notifier.workflow.clock import utc_now
from zoom_notifier.workflow.day_amends import PendingAmend
from zoom_notifier.workflow.standup import Answer, answer_standup

__all__ = ["FinishedChange", "handler", "serve"]

log = get_logger(__name__)


# Where the Zoom app sends its event notifications (inbound.zoom_door.ZOOM_EVENTS_PATH; here
# as text, so that a slash command's cold start does not import that door).
ZOOM_EVENTS_PATH = "/zoom/events"
# Each team's page, its Join redirect and its feed (inbound.team_door.TEAM_PAGES_PREFIX).
TEAM_PAGES_PREFIX = "/t/"


async def serve(
    request: HttpRequest, settings: InboundSettings, io: Connections, now: float
) -> HttpResponse:
    if request.path == ZOOM_EVENTS_PATH:
        from zoom_notifier.handlers.zoom_events import serve_zoom_event  # noqa: PLC0415

        return await serve_zoom_event(request, settings, io, now)
    if request.path.startswith(TEAM_PAGES_PREFIX):
        from zoom_notifier.handlers.team_pages import serve_team_page  # noqa: PLC0415

        return await serve_team_page(request, settings, io, now)
    if request.path != SLACK_COMMANDS_PATH:
        raise Refused(404, "no such path")
    if request.method != "POST":
        raise Refused(405, "only POST is served")
    dynamodb = await io.aws.dynamodb()
    command = await signed_command(
        request,
        signing_secret=await slack_signing_secret(settings, io.secrets),
        seen=SeenRequests(dynamodb, settings.inbound_requests_table),
        now=now,
    )
    register_invocation_secret(command.response_url)
    bind(slack_team=command.team_id, slack_channel=command.channel_id, slack_user=command.user_id)
    meetings = MeetingStore(dynamodb, settings.meetings_table)  # and its changes
    try:
        answer = await answer_standup(
            command,
            catalog=TemplateSource(
                await io.aws.s3(), settings.template_bucket, settings.template_key
            ),
            # The templates this container read, each at its version (as the dispatcher's).
            known=STATE.templates_read.setdefault(
                f"s3://{settings.template_bucket}/{settings.template_key}", {}
            ),
            meetings=meetings,
            default_channel=settings.slack_channel,
            timezone=settings.meeting_timezone,
            now=utc_now(),
            amends_refused=_amends_refused(settings),
            groups=_UserGroups(settings, io),
            team_pages=await _team_pages(request, settings, io),
        )
    except TransientError as exc:
        log.warning("command not answered: AWS failing", error=exc.name, cause=exc.cause)
        answer = Answer("I could not read this channel's meetings just now; try again in a minute.")
    except PermanentError as exc:
        log.error("command not answered: the deployment", error=exc.name, cause=exc.cause)
        answer = Answer(
            "This deployment cannot read its meetings (a setting or a permission): its "
            "operator's `zoom-notifier check` names what to fix."
        )
    else:
        if answer.pending is not None:
            answer = await _start(answer, answer.pending, command, meetings, io, now, settings)
    log.info("command answered", action=command.text.split(" ", 1)[0] or "next")
    return HttpResponse.json(answer.payload())


async def _team_pages(
    request: HttpRequest, settings: InboundSettings, io: Connections
) -> dict[str, str]:
    """Each team's page address, for the teams that have one (their key issued)."""
    if settings.team_link_secret is None:
        return {}
    from zoom_notifier.inbound.team_door import pages_url  # noqa: PLC0415 - pages only
    from zoom_notifier.services.team_links import team_address, team_keys  # noqa: PLC0415

    base = pages_url(request)
    try:
        keys = await team_keys(settings.team_link_secret, io.secrets)
    except ZoomNotifierError as exc:  # the pages are an extra: the answer goes on without them
        log.warning("team pages unread", error=exc.name, cause=exc.cause)
        return {}
    return {} if base is None else {team: team_address(base, team, k) for team, k in keys.items()}


class _UserGroups:
    """Who is in a managers' user group, read through the Slack app only when a template names
    one and the person typing is not named themselves."""

    def __init__(self, settings: InboundSettings, io: Connections) -> None:
        self._settings = settings
        self._io = io

    async def group_members(self, group: str) -> frozenset[str]:
        from zoom_notifier.services.slack_app import SlackApp  # noqa: PLC0415 - groups only

        if self._settings.slack_bot_token_secret is None:
            raise ConfigurationError("SLACK_BOT_TOKEN_SECRET is not set: user groups are unread")
        token = await slack_bot_token(self._settings, self._io.secrets)
        app = SlackApp(self._io.http, token, base_url=self._settings.slack_api_url)
        return await app.group_members(group)


def _amends_refused(settings: InboundSettings) -> str | None:
    """Why this deployment cannot change an existing meeting, if it cannot."""
    if settings.zoom_credentials_secret and settings.slack_bot_token_secret:
        return None
    return (
        "this deployment's inbound function has no Zoom credentials or bot token "
        "(ZOOM_CREDENTIALS_SECRET, SLACK_BOT_TOKEN_SECRET): its operator updates the stack"
    )


async def _start(
    answer: Answer,
    pending: PendingAmend,
    command: SlashCommand,
    meetings: MeetingStore,
    io: Connections,
    now: float,
    settings: InboundSettings,
) -> Answer:
    """Queue the job that finishes a begun change; if it cannot be queued, take the change
    back (nothing was done yet) and say so."""
    job = ChangeJob(
        key=pending.asked.key,
        channel=command.channel_id,
        response_url=command.response_url,
        command=command.command,
        text=command.text,
        requested_at=now,
    )
    try:
        await DeferredChanges(await io.aws.lambda_(), settings.inbound_function_name).defer(job)
    except (TransientError, PermanentError) as exc:
        log.error("a change could not be queued", error=exc.name, cause=exc.cause)
    else:
        return answer
    if pending.before is not None:
        try:
            await meetings.end_amend(pending.before, pending.asked)
        except (TransientError, PermanentError) as exc:
            log.error("a begun change could not be taken back", error=exc.name, cause=exc.cause)
        else:
            return Answer(
                "I could not start the change just now (AWS is failing); nothing is changed. "
                "Try again in a minute."
            )
    return Answer(
        "The change is recorded but could not be started (AWS is failing); type the same "
        "command again in five minutes and it is taken up."
    )


class DeferredEvent(BaseModel):
    """The function's own asynchronous event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    job: ChangeJob = Field(alias=DEFERRED_KEY)


class FinishedChange(BaseModel):
    """What a finished job did (Lambda keeps it nowhere; the log has it)."""

    outcome: str


async def finish_change(
    event: DeferredEvent, settings: InboundSettings, _invocation: Invocation, io: Connections
) -> FinishedChange:
    """Finish the change a command began: at Zoom, in the channel, then say how it went."""
    from zoom_notifier.handlers.change_jobs import run_change_job  # noqa: PLC0415 - jobs only

    if (refused := _amends_refused(settings)) is not None:
        raise ConfigurationError(refused)
    function = settings.inbound_function_name or ""
    stack = function.removesuffix("-inbound") if function.endswith("-inbound") else None
    outcome = await run_change_job(event.job, settings, io, now=utc_now(), stack=stack)
    return FinishedChange(outcome=outcome)


class RefreshEvent(BaseModel):
    """The function's own asynchronous event: edit an announcement."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    job: RefreshJob = Field(alias=REFRESH_KEY)


class RefreshedAnnouncement(BaseModel):
    """What an edit job did (the log has it)."""

    outcome: str


async def refresh_announcement(
    event: RefreshEvent, settings: InboundSettings, _invocation: Invocation, io: Connections
) -> RefreshedAnnouncement:
    """Bring an announcement up to date with what Zoom's events told of its meeting."""
    from zoom_notifier.handlers.zoom_events import run_refresh_job  # noqa: PLC0415 - jobs only

    if settings.slack_bot_token_secret is None:
        raise ConfigurationError(
            "SLACK_BOT_TOKEN_SECRET is not set: an announcement cannot be edited"
        )
    return RefreshedAnnouncement(outcome=await run_refresh_job(event.job, settings, io))


_serve_url = http_handler(HttpFunction("Inbound", InboundSettings, serve))
_finish = lambda_handler(Step("Inbound", InboundSettings, DeferredEvent, finish_change))
_refresh = lambda_handler(Step("Inbound", InboundSettings, RefreshEvent, refresh_announcement))


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point of the Inbound function: a request through its URL, or one of its own
    deferred jobs (an event only this function's role may send)."""
    if isinstance(event, dict) and DEFERRED_KEY in event:
        return _finish(event, context)
    if isinstance(event, dict) and REFRESH_KEY in event:
        return _refresh(event, context)
    return _serve_url(event, context)


imported()
