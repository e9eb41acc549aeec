"""``Inbound``: the Function URL's requests. Slack's slash command now (``/slack/commands``)."""

from __future__ import annotations

from zoom_notifier.errors import PermanentError, TransientError
from zoom_notifier.handlers import imported
from zoom_notifier.inbound.function_url import HttpRequest, HttpResponse, Refused
from zoom_notifier.inbound.slack_door import SLACK_COMMANDS_PATH, signed_command
from zoom_notifier.runtime.config import InboundSettings
from zoom_notifier.runtime.connections import Connections
from zoom_notifier.runtime.container import STATE
from zoom_notifier.runtime.http_runtime import HttpFunction, http_handler
from zoom_notifier.runtime.logs import bind, get_logger, register_invocation_secret
from zoom_notifier.services.meeting_store import MeetingStore
from zoom_notifier.services.secrets import slack_signing_secret
from zoom_notifier.services.seen_requests import SeenRequests
from zoom_notifier.services.template_source import TemplateSource
from zoom_notifier.workflow.clock import utc_now
from zoom_notifier.workflow.standup import Answer, answer_standup

__all__ = ["handler", "serve"]

log = get_logger(__name__)


async def serve(
    request: HttpRequest, settings: InboundSettings, io: Connections, now: float
) -> HttpResponse:
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
            meetings=MeetingStore(dynamodb, settings.meetings_table),  # and its changes
            default_channel=settings.slack_channel,
            timezone=settings.meeting_timezone,
            now=utc_now(),
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
    log.info("command answered", action=command.text.split(" ", 1)[0] or "next")
    return HttpResponse.json(answer.payload())


handler = http_handler(HttpFunction("Inbound", InboundSettings, serve))
imported()
