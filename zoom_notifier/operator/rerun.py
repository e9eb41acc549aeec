"""Rerunning a failed day: a new execution of the same state machine with the same input.

Safe by design: every step is idempotent per (date, template), so the new execution reuses the
meeting and the announcement the failed one may already have made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from zoom_notifier.domain.messages import console_url
from zoom_notifier.errors import ConfigurationError, InvalidExecutionInput
from zoom_notifier.services.aws import aws_errors

__all__ = ["EXECUTION_NAME_LIMIT", "RERUNNABLE", "Rerun", "region_of", "rerun"]

RERUNNABLE = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
# Step Functions' limit on an execution name.
EXECUTION_NAME_LIMIT = 80


@dataclass(frozen=True)
class Rerun:
    original: str
    execution_arn: str
    console_url: str | None


def region_of(execution_arn: str) -> str:
    """The region of an execution ARN, or InvalidExecutionInput naming the expected shape."""
    parts = execution_arn.split(":")
    if (
        len(parts) != 8
        or parts[:3] != ["arn", parts[1], "states"]
        or parts[5] != "execution"
        or not parts[3]
    ):
        raise InvalidExecutionInput(
            f"{execution_arn!r} is not an execution ARN "
            "(arn:aws:states:<region>:<account>:execution:<state machine>:<name>)"
        )
    return parts[3]


def _rerun_name(original: str, now: datetime) -> str:
    suffix = f"-rerun-{now:%Y%m%dT%H%M%S}"
    return original[: EXECUTION_NAME_LIMIT - len(suffix)] + suffix


def _refuse_a_second_rerun(client: Any, execution: dict[str, Any]) -> None:
    """One rerun at a time: a rerun of this execution that is running (or that succeeded)
    is named instead of starting another."""
    prefix = _rerun_name(execution["name"], datetime(2000, 1, 1, tzinfo=UTC)).rsplit("-", 1)[0]
    with aws_errors("listing the state machine's executions"):
        pages = client.get_paginator("list_executions").paginate(
            stateMachineArn=execution["stateMachineArn"]
        )
        for page in pages:
            for other in page["executions"]:
                if not other["name"].startswith(prefix + "-"):
                    continue
                if other["status"] == "RUNNING":
                    raise ConfigurationError(
                        f"a rerun of {execution['name']} is running: {other['executionArn']}; "
                        "wait for it to end (zoom-notifier status shows the day)"
                    )
                if other["status"] == "SUCCEEDED":
                    raise ConfigurationError(
                        f"a rerun of {execution['name']} succeeded already "
                        f"({other['executionArn']}): there is nothing to rerun"
                    )


def rerun(client: Any, execution_arn: str, now: datetime | None = None) -> Rerun:
    """Start a new execution with the input of ``execution_arn``, if that one did not succeed.

    ``client`` is a boto3 Step Functions client in the execution's region.
    """
    region_of(execution_arn)

    def missing(message: str) -> ConfigurationError:
        return ConfigurationError(f"no such execution: {execution_arn} ({message})")

    with aws_errors(
        "reading the execution",
        permanent={"ExecutionDoesNotExist": missing, "InvalidArn": missing},
    ):
        execution = client.describe_execution(executionArn=execution_arn)
    status = execution["status"]
    if status == "SUCCEEDED":
        raise ConfigurationError(
            f"execution {execution['name']} succeeded: there is nothing to rerun"
        )
    if status not in RERUNNABLE:
        raise ConfigurationError(
            f"execution {execution['name']} is still {status}: wait for it to end (or stop it) "
            "before rerunning"
        )
    _refuse_a_second_rerun(client, execution)
    with aws_errors("starting the new execution"):
        started = client.start_execution(
            stateMachineArn=execution["stateMachineArn"],
            name=_rerun_name(execution["name"], now or datetime.now(UTC)),
            input=execution.get("input") or "{}",
        )
    arn = started["executionArn"]
    return Rerun(original=execution_arn, execution_arn=arn, console_url=console_url(arn))
