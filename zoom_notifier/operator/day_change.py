"""``zoom-notifier skip|unskip|move|pause|resume --stack S``: a team's days changed from the
command line, as ``/standup`` changes them from Slack (webhook-mode teams have no command).

The same workflow (:func:`zoom_notifier.workflow.day_changes.change_days`) writes the same
items, conditionally, in the stack's meetings table; who is recorded as the operator ("cli").
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from zoom_notifier.domain.upcoming import OPERATOR

if TYPE_CHECKING:
    from zoom_notifier.domain.models import MeetingRecord
    from zoom_notifier.domain.standup_command import StandupRequest
    from zoom_notifier.domain.template import MeetingTemplate
    from zoom_notifier.runtime.connections import Connections
    from zoom_notifier.services.meeting_store import MeetingStore
    from zoom_notifier.workflow.day_changes import Changed

__all__ = ["UnknownTemplate", "change_stack_days", "changed_days"]


class UnknownTemplate(ValueError):
    """The stack's bucket has no template of that name."""


def change_stack_days(
    stack: str, region: str | None, template: str, request: StandupRequest
) -> Changed:
    """Make ``request``'s change of ``template`` in the deployed ``stack``."""
    from zoom_notifier.domain.template import parse_template  # noqa: PLC0415
    from zoom_notifier.operator.checks import read_stack  # noqa: PLC0415 - boto3, on demand

    view = read_stack(stack, region)
    if template not in view.templates:
        known = ", ".join(sorted(view.templates)) or "none"
        raise UnknownTemplate(
            f"no template {template!r} in the stack's bucket (there are: {known})"
        )
    parsed = parse_template(view.templates[template], template)
    deployment = view.deployment
    secrets = (
        deployment.outputs.get("ZoomCredentialsSecretArn"),
        deployment.outputs.get("SlackBotTokenSecretArn"),
    )
    return asyncio.run(
        _change(
            deployment.region,
            deployment.output("MeetingsTableName"),
            template,
            parsed,
            request,
            deployment.parameters.get("MeetingTimezone", "UTC"),
            secrets,
        )
    )


async def _change(
    region: str,
    table: str,
    name: str,
    template: MeetingTemplate,
    request: StandupRequest,
    timezone: str,
    secrets: tuple[str | None, str | None],
) -> Changed:
    """The change, and a change of an existing meeting (app mode) carried out at once: the
    operator's terminal waits for Zoom and Slack, and the channel is told."""
    import aioboto3  # noqa: PLC0415

    from zoom_notifier.runtime.connections import Connections  # noqa: PLC0415
    from zoom_notifier.services.aws import AwsClients  # noqa: PLC0415
    from zoom_notifier.services.meeting_store import MeetingStore  # noqa: PLC0415
    from zoom_notifier.services.secrets import SecretSource  # noqa: PLC0415
    from zoom_notifier.workflow.day_changes import change_days  # noqa: PLC0415

    zoom_secret, bot_secret = secrets
    refused = (
        None
        if zoom_secret and bot_secret
        else "the stack has no Slack app (SlackBotTokenSecretArn): change it in Zoom"
    )
    async with AwsClients(aioboto3.Session(region_name=region)) as aws:
        store = MeetingStore(await aws.dynamodb(), table)
        changed = await change_days(
            name,
            template,
            request,
            by=OPERATOR,
            days=store,
            default_timezone=timezone,
            now=datetime.now(UTC),
            amends_refused=refused,
        )
        if changed.pending is None or zoom_secret is None or bot_secret is None:
            return changed
        import aiohttp  # noqa: PLC0415

        async with aiohttp.ClientSession() as http:
            io = Connections(aws, http, SecretSource(aws))
            return await _finish(changed, io, store, zoom_secret, bot_secret)


async def _finish(
    begun: Changed, io: Connections, store: MeetingStore, zoom_secret: str, bot_secret: str
) -> Changed:
    import os  # noqa: PLC0415

    from zoom_notifier.errors import ZoomNotifierError  # noqa: PLC0415
    from zoom_notifier.services.change_clients import change_clients  # noqa: PLC0415
    from zoom_notifier.workflow.day_amends import finish_amend  # noqa: PLC0415
    from zoom_notifier.workflow.day_changes import Changed  # noqa: PLC0415

    assert begun.pending is not None  # noqa: S101
    # The functions' own settings, for a run against the local stack's stand-ins.
    clients = await change_clients(
        io.http,
        io.secrets,
        zoom_secret=zoom_secret,
        bot_token_secret=bot_secret,
        zoom_api_url=os.environ.get("ZOOM_API_URL", "https://api.zoom.us/v2"),
        zoom_oauth_url=os.environ.get("ZOOM_OAUTH_URL", "https://zoom.us/oauth/token"),
        slack_api_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    key = begun.pending.asked.key
    try:
        done = await finish_amend(
            key, zoom=clients.zoom, app=clients.app, days=store, now=datetime.now(UTC)
        )
    except ZoomNotifierError as exc:
        # The mark stays on the day: nothing is forgotten, the same command takes it up.
        return Changed(
            f"{begun.text} stopped: {exc.cause}. The change is kept as begun; run the same "
            "command again in five minutes to finish it."
        )
    if done.changed and begun.pending.asked.slack_channel:
        # The channel hears of the operator's change, as of anyone's.
        await clients.app.post(begun.pending.asked.slack_channel, {"text": done.text}, None)
    return Changed(done.text, changed=done.changed)


def changed_days(
    region: str, table: str, names: list[str], first: date, days: int
) -> dict[str, dict[date, MeetingRecord]]:
    """The items of ``names``' days from ``first`` that a person changed, by template and
    date: what ``calendar --stack`` shows over the templates' own calendars."""
    return asyncio.run(_changed_days(region, table, names, first, days))


async def _changed_days(
    region: str, table: str, names: list[str], first: date, days: int
) -> dict[str, dict[date, MeetingRecord]]:
    from datetime import timedelta  # noqa: PLC0415

    import aioboto3  # noqa: PLC0415

    from zoom_notifier.domain.models import MeetingKey  # noqa: PLC0415
    from zoom_notifier.services.aws import AwsClients  # noqa: PLC0415
    from zoom_notifier.services.meeting_store import MeetingStore  # noqa: PLC0415

    keys = [
        MeetingKey(date=(first + timedelta(days=offset)).isoformat(), template=name)
        for name in names
        for offset in range(days)
    ]
    async with AwsClients(aioboto3.Session(region_name=region)) as aws:
        found = await MeetingStore(await aws.dynamodb(), table).get_many(keys)
    changed: dict[str, dict[date, MeetingRecord]] = {name: {} for name in names}
    for key, record in found.items():
        if record.change is not None:
            changed[key.template][date.fromisoformat(key.date)] = record
    return changed
