"""Running the state machine locally and reading back what happened."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from zoom_notifier.local.stack import LocalStack

__all__ = ["ExecutionReport", "failure_messages", "run_execution"]

_TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


@dataclass(frozen=True)
class StateVisit:
    """One state the execution entered: how long it took, its failed attempts, its result."""

    name: str
    kind: str  # Task, Pass, Choice, Succeed or Fail
    duration_ms: float
    errors: tuple[str, ...] = ()
    result: Any = None

    @property
    def succeeded(self) -> bool:
        if self.kind == "Fail":
            return False
        return self.kind != "Task" or self.result is not None


@dataclass(frozen=True)
class ExecutionReport:
    arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None
    visits: tuple[StateVisit, ...]
    events: tuple[dict[str, Any], ...]

    @property
    def states(self) -> list[str]:
        """The names of the states entered, in order."""
        return [visit.name for visit in self.visits]


def _visits(events: list[dict[str, Any]]) -> tuple[StateVisit, ...]:
    visits: list[StateVisit] = []
    current: dict[str, Any] | None = None
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            current = {
                "name": event["stateEnteredEventDetails"]["name"],
                "kind": kind.removesuffix("StateEntered"),
                "started": event["timestamp"],
                "errors": [],
                "result": None,
            }
        elif current is None:
            continue
        elif kind in {"TaskFailed", "TaskTimedOut"}:
            details = event.get("taskFailedEventDetails") or event.get("taskTimedOutEventDetails")
            current["errors"].append((details or {}).get("error", kind))
        elif kind == "TaskSucceeded":
            output = json.loads(event["taskSucceededEventDetails"].get("output") or "null")
            current["result"] = (
                output.get("Payload", output) if isinstance(output, dict) else output
            )
        if kind.endswith("StateExited") or kind == "ExecutionFailed":
            seconds = (event["timestamp"] - current["started"]).total_seconds()
            visits.append(
                StateVisit(
                    name=current["name"],
                    kind=current["kind"],
                    duration_ms=round(seconds * 1000, 1),
                    errors=tuple(current["errors"]),
                    result=current["result"],
                )
            )
            current = None
    return tuple(visits)


def run_execution(
    stack: LocalStack,
    execution_input: dict[str, Any],
    *,
    name: str | None = None,
    timeout: float = 120.0,
) -> ExecutionReport:
    """Start an execution, wait until it ends, and report its path."""
    sfn = stack.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=stack.state_machine_arn,
        # Always named: moto would otherwise name every execution "None".
        name=name or str(uuid.uuid4()),
        input=json.dumps(execution_input),
    )["executionArn"]
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] in _TERMINAL:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"execution {arn} still {described['status']} after {timeout}s")
        time.sleep(0.05)
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    output = described.get("output")
    return ExecutionReport(
        arn=arn,
        status=described["status"],
        output=json.loads(output) if output else None,
        error=described.get("error"),
        cause=described.get("cause"),
        visits=_visits(events),
        events=tuple(events),
    )


def failure_messages(stack: LocalStack) -> list[dict[str, Any]]:
    """The SNS notifications published to the failure topic since the last call."""
    sqs = stack.client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=stack.failure_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(
                QueueUrl=stack.failure_queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
