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
    return asyncio.run(
        _change(
            deployment.region,
            deployment.output("MeetingsTableName"),
            template,
            parsed,
            request,
            deployment.parameters.get("MeetingTimezone", "UTC"),
        )
    )


async def _change(
    region: str,
    table: str,
    name: str,
    template: MeetingTemplate,
    request: StandupRequest,
    timezone: str,
) -> Changed:
    import aioboto3  # noqa: PLC0415

    from zoom_notifier.services.aws import AwsClients  # noqa: PLC0415
    from zoom_notifier.services.meeting_store import MeetingStore  # noqa: PLC0415
    from zoom_notifier.workflow.day_changes import change_days  # noqa: PLC0415

    async with AwsClients(aioboto3.Session(region_name=region)) as aws:
        return await change_days(
            name,
            template,
            request,
            by=OPERATOR,
            days=MeetingStore(await aws.dynamodb(), table),
            default_timezone=timezone,
            now=datetime.now(UTC),
        )


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
