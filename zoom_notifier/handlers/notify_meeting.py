"""``NotifyMeeting``: announce the day's meeting in Slack, exactly once."""

from __future__ import annotations

from zoom_notifier.domain.models import NotifyInput, NotifyResult
from zoom_notifier.handlers import imported
from zoom_notifier.runtime.config import NotifySettings
from zoom_notifier.runtime.connections import Connections
from zoom_notifier.runtime.lambda_runtime import Invocation, Step, lambda_handler
from zoom_notifier.services.meeting_store import MeetingStore
from zoom_notifier.services.secrets import slack_bot_token, slack_webhook_url, template_webhook_url
from zoom_notifier.services.slack_webhook import SlackWebhook
from zoom_notifier.workflow import notify as step

__all__ = ["handler", "notify_meeting"]


async def notify_meeting(
    request: NotifyInput, settings: NotifySettings, invocation: Invocation, io: Connections
) -> NotifyResult:
    store = MeetingStore(await io.aws.dynamodb(), settings.meetings_table)
    owner = invocation.owner(request.execution_arn, request.redrive_count)
    if settings.app_mode:
        from zoom_notifier.services.slack_app import SlackApp  # noqa: PLC0415 - app mode only

        return await step.notify_meeting(
            request,
            store=store,
            slack=None,
            owner=owner,
            app=SlackApp(
                io.http,
                await slack_bot_token(settings, io.secrets),
                base_url=settings.slack_api_url,
            ),
            app_channel=settings.slack_channel,
            team_page=_team_pages(settings, io),
        )

    async def template_webhook(secret_id: str) -> SlackWebhook:
        return SlackWebhook(io.http, await template_webhook_url(secret_id, settings, io.secrets))

    return await step.notify_meeting(
        request,
        store=store,
        slack=SlackWebhook(io.http, await slack_webhook_url(settings, io.secrets)),
        owner=owner,
        destinations=template_webhook,
    )


def _team_pages(settings: NotifySettings, io: Connections) -> step.TeamPage | None:
    """The address of a team's page (app mode, once its key is issued), for the announcement."""
    secret, pages_url = settings.team_link_secret, settings.team_pages_url
    if secret is None or pages_url is None:
        return None

    async def team_page(template: str) -> str | None:
        from zoom_notifier.services.team_links import team_address, team_keys  # noqa: PLC0415

        key = (await team_keys(secret, io.secrets)).get(template)
        return None if key is None else team_address(pages_url, template, key)

    return team_page


handler = lambda_handler(Step("NotifyMeeting", NotifySettings, NotifyInput, notify_meeting))
imported()
