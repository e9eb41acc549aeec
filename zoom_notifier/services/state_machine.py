"""The workflow's executions: started by name and read by name (the dispatcher's side of Step
Functions), or read by ARN (the failure report's)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from zoom_notifier.domain.dispatch import execution_arn
from zoom_notifier.domain.models import ExecutionDescription
from zoom_notifier.errors import ConfigurationError
from zoom_notifier.services.aws import aws_errors, error_code

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions.client import SFNClient

__all__ = ["Executions", "StateMachine"]

_EXISTS = frozenset({"ExecutionAlreadyExists"})
_MISSING = frozenset({"ExecutionDoesNotExist"})
# An open execution started again with the same name and input is answered with its own
# startDate: one that old was started by an earlier call (a tick delivered twice within
# seconds is counted as started by both; either way one execution runs). AWS's clocks and
# Lambda's agree far better than this.
_SAME_CALL = timedelta(seconds=5)


class StateMachine:
    """The state machine that runs one (date, template) per execution."""

    def __init__(self, client: SFNClient, arn: str) -> None:
        self._client = client
        self._arn = arn

    async def start(self, name: str, execution_input: dict[str, Any]) -> bool:
        """Start execution ``name``: True if this call started it, False if it existed.

        Step Functions keeps a name for 90 days: the same name and input while the execution
        runs answers with that execution, and a closed one (or another input) answers
        ``ExecutionAlreadyExists`` (docs.aws.amazon.com/step-functions/latest/apireference/
        API_StartExecution.html). Either way nothing new runs, so a repeated dispatch is a
        no-op.
        """

        def missing(message: str) -> ConfigurationError:
            return ConfigurationError(f"{message}: check STATE_MACHINE_ARN={self._arn!r}")

        called_at = datetime.now().astimezone()
        try:
            with aws_errors(
                f"starting execution {name}",
                permanent={"StateMachineDoesNotExist": missing, "InvalidArn": missing},
                expected=_EXISTS,
            ):
                started = await self._client.start_execution(
                    stateMachineArn=self._arn, name=name, input=json.dumps(execution_input)
                )
        except ClientError as exc:
            if error_code(exc) in _EXISTS:
                return False
            raise
        return started["startDate"] >= called_at - _SAME_CALL

    async def status(self, name: str) -> str | None:
        """The status of execution ``name`` (``RUNNING``, ``FAILED``, ...), or None when it
        was never started (DescribeExecution answers ``ExecutionDoesNotExist``)."""
        arn = execution_arn(self._arn, name)
        try:
            with aws_errors(f"reading execution {name}", expected=_MISSING):
                described = await self._client.describe_execution(executionArn=arn)
        except ClientError as exc:
            if error_code(exc) in _MISSING:
                return None
            raise
        return str(described["status"])

    async def started_since(self, moment: datetime) -> set[str]:
        """The names of the executions started at or after ``moment`` (and of some before).

        ListExecutions, 1000 a page: "Results are sorted by time, with the most recent
        execution first. Running executions are sorted by their startDate or redriveDate, and
        other executions are sorted by their stopDate" (botocore's stepfunctions model). An
        execution started after ``moment`` sorts after it by any of those dates, so the pages
        are read until an execution sorts before it; the few older ones read on the way are
        kept too (a name that exists cannot be started again, whatever its date). "This
        operation is eventually consistent": one started a moment ago may be missing, and is
        then started again, which Step Functions refuses by its name (:meth:`start`).
        """
        names: set[str] = set()
        token: dict[str, str] = {}
        with aws_errors("listing the state machine's executions"):
            while True:
                page = await self._client.list_executions(
                    stateMachineArn=self._arn,
                    maxResults=1000,
                    **token,  # type: ignore[arg-type]
                )
                for execution in page.get("executions", []):
                    sorted_by = (
                        execution.get("stopDate")
                        or execution.get("redriveDate")
                        or execution["startDate"]
                    )
                    if sorted_by < moment:
                        return names
                    names.add(execution["name"])
                if not page.get("nextToken"):
                    return names
                token = {"nextToken": page["nextToken"]}


class Executions:
    """Any execution of the stack's state machine, read by ARN (the failure report's side)."""

    def __init__(self, client: SFNClient) -> None:
        self._client = client

    async def describe(self, arn: str) -> ExecutionDescription:
        """DescribeExecution: status, error, cause, input and whether it can be redriven."""
        with aws_errors(f"reading execution {arn}"):
            described = await self._client.describe_execution(executionArn=arn)
        return ExecutionDescription.model_validate(dict(described))
