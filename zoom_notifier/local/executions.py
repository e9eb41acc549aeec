"""Running the state machine locally and reading back what happened.

Two things of the deployment that moto does not do are played here: the EventBridge rule that
reports every execution ending FAILED, TIMED_OUT or ABORTED to the failure topic, and the
console's Redrive (:func:`redrive_execution`).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from zoom_notifier.local.stack import LocalStack

__all__ = [
    "ExecutionReport",
    "failure_messages",
    "redrive_execution",
    "run_execution",
    "wait_for",
]

_TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
_EXECUTION_ENDED = {"ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}


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
    """How an execution ended. ``arn`` is the execution's (a redrive keeps it)."""

    arn: str
    input: dict[str, Any]
    redrive_count: int
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
        if kind.endswith("StateExited") or kind in _EXECUTION_ENDED:
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


def _wait(stack: LocalStack, arn: str, timeout: float) -> dict[str, Any]:
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if described["status"] in _TERMINAL:
            return described
        if time.monotonic() > deadline:
            raise TimeoutError(f"execution {arn} still {described['status']} after {timeout}s")
        time.sleep(0.05)


@dataclass(frozen=True)
class _Shown:
    """How a run is reported: the execution's input and, for a redrive, its ARN and count."""

    execution_input: dict[str, Any]
    arn: str | None = None
    redrive_count: int = 0


def _run(
    stack: LocalStack, machine_arn: str, state_input: Any, shown: _Shown, timeout: float
) -> ExecutionReport:
    sfn = stack.client("stepfunctions")
    # Always named: moto would otherwise name every execution "None".
    name = str(uuid.uuid4())
    if shown.arn is not None:
        arn = f"{machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
        stack.aws.show_as(arn, shown.arn, shown.redrive_count)
    started = sfn.start_execution(
        stateMachineArn=machine_arn, name=name, input=json.dumps(state_input)
    )["executionArn"]
    return _ended(stack, started, shown, timeout)


def wait_for(
    stack: LocalStack, arn: str, execution_input: dict[str, Any], *, timeout: float = 120.0
) -> ExecutionReport:
    """The report of an execution started some other way, once it has ended."""
    return _ended(stack, arn, _Shown(execution_input), timeout)


def _ended(stack: LocalStack, started: str, shown: _Shown, timeout: float) -> ExecutionReport:
    sfn = stack.client("stepfunctions")
    described = _wait(stack, started, timeout)
    events = sfn.get_execution_history(executionArn=started, maxResults=1000)["events"]
    output = described.get("output")
    report = ExecutionReport(
        arn=shown.arn or started,
        input=shown.execution_input,
        redrive_count=shown.redrive_count,
        status=described["status"],
        output=json.loads(output) if output else None,
        error=described.get("error"),
        cause=described.get("cause"),
        visits=_visits(events),
        events=tuple(events),
    )
    if report.status != "SUCCEEDED":
        _report_status_change(stack, report)
    return report


def run_execution(
    stack: LocalStack,
    execution_input: dict[str, Any],
    *,
    timeout: float = 120.0,
) -> ExecutionReport:
    """Start an execution, wait until it ends, and report its path."""
    return _run(stack, stack.state_machine_arn, execution_input, _Shown(execution_input), timeout)


def _failed_state(events: tuple[dict[str, Any], ...]) -> tuple[str, Any]:
    """The state the execution stopped in, and the input it had entered it with."""
    exited = set()
    for event in reversed(events):
        if event["type"].endswith("StateExited"):
            exited.add(event["stateExitedEventDetails"]["name"])
        elif event["type"].endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            if details["name"] not in exited:
                return details["name"], json.loads(details.get("input") or "{}")
    raise ValueError("the execution entered no state")


def redrive_execution(
    stack: LocalStack, failed: ExecutionReport, *, timeout: float = 120.0
) -> ExecutionReport:
    """What the console's Redrive does to a failed, timed-out or aborted execution: run again
    from the state it stopped in, with that state's input, under the same execution ARN and
    with ``$$.Execution.RedriveCount`` one higher (docs.aws.amazon.com/step-functions/latest/
    dg/redrive-executions.html). moto cannot redrive, so the rest of the definition runs as a
    new execution whose context shows the redriven one."""
    if failed.status == "SUCCEEDED":
        raise ValueError("a succeeded execution cannot be redriven")
    state, state_input = _failed_state(failed.events)
    definition = {**stack.definition, "StartAt": state}
    count = failed.redrive_count + 1
    machine = stack.client("stepfunctions").create_state_machine(
        name=f"redrive-{count}-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn=stack.role_arn,
    )["stateMachineArn"]
    return _run(stack, machine, state_input, _Shown(failed.input, failed.arn, count), timeout)


def _report_status_change(stack: LocalStack, report: ExecutionReport) -> None:
    """Publish what the stack's ExecutionFailedRule sends the failure topic: EventBridge's
    "Step Functions Execution Status Change" event
    (docs.aws.amazon.com/step-functions/latest/dg/cw-events.html)."""
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": stack.account_id,
        "region": stack.region,
        "resources": [report.arn],
        "detail": {
            "executionArn": report.arn,
            "stateMachineArn": stack.state_machine_arn,
            "name": report.arn.rsplit(":", 1)[-1],
            "status": report.status,
            "input": json.dumps(report.input),
            "inputDetails": {"included": True},
            "output": None,
            "error": report.error,
            "cause": report.cause,
            "redriveCount": report.redrive_count,
        },
    }
    stack.client("sns").publish(TopicArn=stack.arns["FailureTopic"], Message=json.dumps(event))


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
