"""Reposting an announcement whose outcome was never recorded (``AnnouncementUncertain``).

After a post that may have reached Slack, the meeting's item keeps ``notify_attempt_started_at``
and no execution posts again, so a day is never announced twice. When a person has looked at the
channel and the announcement is not there, this clears that marker, but only while the item is
in exactly that state (created, or a day off to post; marker set; no live announcement lease,
so a running execution is never overtaken), then starts a new execution of the day, which
announces the existing meeting (or posts the day off).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from zoom_notifier.domain.messages import console_url
from zoom_notifier.errors import ConfigurationError
from zoom_notifier.operator.rerun import EXECUTION_NAME_LIMIT
from zoom_notifier.services.aws import aws_errors, error_code

__all__ = ["Repost", "repost", "state_machine_region"]


@dataclass(frozen=True)
class Repost:
    execution_arn: str
    console_url: str | None


def state_machine_region(state_machine_arn: str) -> str:
    parts = state_machine_arn.split(":")
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "states" or parts[5] != "stateMachine":
        raise ConfigurationError(
            f"{state_machine_arn!r} is not a state machine ARN "
            "(arn:aws:states:<region>:<account>:stateMachine:<name>)"
        )
    return parts[3]


def _refusal(dynamodb: Any, table: str, day: str, template: str) -> ConfigurationError:
    """Why the marker could not be cleared, read from the item as it is now."""
    with aws_errors(f"reading {day}/{template} in {table}"):
        item = dynamodb.get_item(
            TableName=table, Key={"date": {"S": day}, "template": {"S": template}}
        ).get("Item")
    where = f"{day}/{template}"
    if item is None:
        return ConfigurationError(f"no meeting is recorded for {where} in {table}")
    status = item.get("status", {}).get("S")
    if status == "notified":
        return ConfigurationError(f"{where} was announced already: nothing to repost")
    if "notify_attempt_started_at" not in item:
        return ConfigurationError(
            f"{where} is {status} with no uncertain announcement: rerun the day instead "
            "(zoom-notifier rerun EXECUTION_ARN)"
        )
    return ConfigurationError(
        f"an execution is announcing {where} right now: wait for it to end, then check the "
        "channel again"
    )


def repost(
    dynamodb: Any,
    stepfunctions: Any,
    *,
    table: str,
    state_machine_arn: str,
    day: str,
    template: str,
    now: datetime | None = None,
) -> Repost:
    """Clear the uncertain-announcement marker of (day, template), then start the day again.

    ``dynamodb`` and ``stepfunctions`` are boto3 clients in the state machine's region.
    """
    moment = now or datetime.now(UTC)
    with aws_errors(
        f"clearing the announcement marker of {day}/{template} in {table}",
        expected=frozenset({"ConditionalCheckFailedException"}),
    ):
        try:
            dynamodb.update_item(
                TableName=table,
                Key={"date": {"S": day}, "template": {"S": template}},
                UpdateExpression="REMOVE notify_attempt_started_at",
                # A meeting ("created") or a day off whose skip post is due ("skipped").
                ConditionExpression=(
                    "#status IN (:created, :skipped) AND "
                    "attribute_exists(notify_attempt_started_at) AND "
                    "(attribute_not_exists(notify_owner) OR notify_expires_at < :now)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":created": {"S": "created"},
                    ":skipped": {"S": "skipped"},
                    ":now": {"N": str(int(moment.timestamp()))},
                },
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise _refusal(dynamodb, table, day, template) from None
            raise
    suffix = f"-repost-{moment:%Y%m%dT%H%M%S}"
    name = f"{day}-{template}"[: EXECUTION_NAME_LIMIT - len(suffix)] + suffix
    with aws_errors("starting the new execution"):
        started = stepfunctions.start_execution(
            stateMachineArn=state_machine_arn,
            name=name,
            input=json.dumps({"date": day, "template": template}),
        )
    arn = started["executionArn"]
    return Repost(execution_arn=arn, console_url=console_url(arn))
