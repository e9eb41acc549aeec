"""What ``zoom-notifier status`` reads of a deployment: the templates in its bucket, the day's
items of its meetings table, its executions by name, and its alarms in ALARM. boto3 clients of
any endpoint, so the local demo's stack (moto) answers it the same way as AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zoom_notifier.domain.dispatch import execution_arn
from zoom_notifier.domain.models import MeetingKey, MeetingRecord
from zoom_notifier.domain.template import MeetingTemplate, parse_template
from zoom_notifier.errors import ZoomNotifierError
from zoom_notifier.operator.status import Alarm, DayStatus, day_statuses, needs_a_person, render
from zoom_notifier.services.meeting_store import record_from_item

__all__ = ["StackStatus", "alarms_in_alarm", "read_status", "status_report"]


@dataclass(frozen=True)
class StackStatus:
    days: list[DayStatus]
    unreadable: list[str]  # templates that cannot be read, and why


def read_status(
    client: Callable[[str], Any],
    *,
    templates: dict[str, bytes],
    table: str,
    state_machine_arn: str,
    timezone: str,
    days: int,
    now: datetime,
) -> StackStatus:
    """The status of each template's days, read with ``client(service)``'s boto3 clients."""
    dynamodb, sfn = client("dynamodb"), client("stepfunctions")
    parsed: dict[str, MeetingTemplate] = {}
    unreadable = []
    for name, body in templates.items():
        try:
            parsed[name] = parse_template(body, name)
        except ZoomNotifierError as exc:
            unreadable.append(f"{name}: {exc}")

    def record(key: MeetingKey) -> MeetingRecord | None:
        item = dynamodb.get_item(
            TableName=table,
            Key={"date": {"S": key.date}, "template": {"S": key.template}},
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else record_from_item(item, key)

    def execution(name: str) -> dict[str, Any] | None:
        arn = execution_arn(state_machine_arn, name)
        try:
            described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            return None
        return described

    statuses = day_statuses(
        parsed,
        records=record,
        executions=execution,
        state_machine_arn=state_machine_arn,
        timezone=timezone,
        days=days,
        now=now,
    )
    return StackStatus(statuses, unreadable)


def alarms_in_alarm(cloudwatch: Any, stack: str) -> list[Alarm]:
    """The stack's alarms in ALARM (CloudFormation names them ``<stack>-<LogicalId>-...``)."""
    pages = cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=f"{stack}-", StateValue="ALARM"
    )
    found: Sequence[dict[str, Any]] = [
        alarm for page in pages for alarm in [*page["MetricAlarms"], *page["CompositeAlarms"]]
    ]
    return [Alarm(alarm["AlarmName"], str(alarm.get("StateReason", ""))) for alarm in found]


class UnknownTemplates(ValueError):
    """``--template`` names a template the stack's bucket does not hold."""


def status_report(
    stack: str,
    *,
    region: str | None,
    days: int,
    only: Sequence[str],
    now: datetime,
    alarms: Sequence[Alarm] | None = None,
) -> tuple[list[str], bool]:
    """``zoom-notifier status``'s lines for a deployed stack, and whether a person is needed.

    The stack is read as ``check`` reads it (its outputs, parameters and bucket); ``alarms``
    replaces CloudWatch's (the local stack evaluates its own)."""
    from zoom_notifier.operator.checks import read_stack  # noqa: PLC0415 - boto3, on demand

    view = read_stack(stack, region)
    templates = {name: body for name, body in view.templates.items() if not only or name in only}
    if missing := sorted(set(only) - set(templates)):
        raise UnknownTemplates(f"no template {', '.join(missing)} in the stack's bucket")
    deployment = view.deployment
    found = read_status(
        view.session.client,
        templates=templates,
        table=deployment.output("MeetingsTableName"),
        state_machine_arn=deployment.output("StateMachineArn"),
        timezone=deployment.parameters.get("MeetingTimezone", "UTC"),
        days=days,
        now=now,
    )
    if alarms is None:
        alarms = alarms_in_alarm(view.session.client("cloudwatch"), stack)
    lines = [f"UNREADABLE template {problem}" for problem in found.unreadable]
    lines += render(found.days, alarms)
    return lines, bool(found.unreadable) or needs_a_person(found.days, alarms)
