"""Static checks of state_machine.asl.json: validity, wiring, retries, and its substitutions."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from zoom_notifier import errors
from zoom_notifier.local.cloudformation import load_template
from zoom_notifier.local.deployment import STATE_MACHINE_PATH

DEFINITION: dict[str, Any] = json.loads(STATE_MACHINE_PATH.read_text())
STATES: dict[str, Any] = DEFINITION["States"]
VALIDATOR = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "asl-validator"
# A bad day must end (through the failure path) within about 20 minutes: the retries of every
# step, Zoom's per-second limit's included (a thousand creates at once wait out minutes of it).
DAY_BUDGET_SECONDS = 20 * 60


def test_asl_validator_accepts_the_file() -> None:
    if not VALIDATOR.exists():
        pytest.fail(f"{VALIDATOR} is missing: run `make test`, which installs it with npm ci")
    node = shutil.which("node")
    assert node is not None
    completed = subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [node, str(VALIDATOR), "--json-path", str(STATE_MACHINE_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_placeholders_match_the_templates_definition_substitutions() -> None:
    placeholders = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", STATE_MACHINE_PATH.read_text()))
    machine = next(
        resource["Properties"]
        for resource in load_template()["Resources"].values()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
    )

    assert placeholders == set(machine["DefinitionSubstitutions"])


def test_every_transition_names_an_existing_state_and_every_state_is_reachable() -> None:
    targets = {DEFINITION["StartAt"]}
    for state in STATES.values():
        targets.update(filter(None, [state.get("Next"), state.get("Default")]))
        targets.update(choice["Next"] for choice in state.get("Choices", []))
        targets.update(catcher["Next"] for catcher in state.get("Catch", []))

    assert targets <= set(STATES)
    assert set(STATES) == targets


def _raised_by(step: str) -> set[str]:
    transient = {cls.__name__ for cls in vars(errors).values() if _is_transient(cls)}
    creating = {
        "ZoomUnavailable",
        "ZoomRateLimited",
        "AwsUnavailable",
        "DeadlineExceeded",
        "MeetingCreationInProgress",
    }
    notifying = {
        "SlackUnavailable",
        "SlackRateLimited",
        "AwsUnavailable",
        "DeadlineExceeded",
        "MeetingCreationInProgress",
        "NotificationInProgress",
    }
    raised = creating if step == "CreateMeeting" else notifying
    assert raised <= transient
    return raised


def _is_transient(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, errors.TransientError)


@pytest.mark.parametrize("step", ["CreateMeeting", "NotifyMeeting"])
def test_each_task_retries_its_transient_errors_and_lambda_service_errors(step: str) -> None:
    retried = {name for retrier in STATES[step]["Retry"] for name in retrier["ErrorEquals"]}

    assert _raised_by(step) <= retried
    assert {
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    } <= retried
    permanent = {
        cls.__name__
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.PermanentError)
    }
    assert not retried & permanent
    # Lambda stopping the function at its timeout is retried: both steps are safe to repeat.
    assert {"Lambda.Unknown", "Sandbox.Timedout", "Lambda.ClientExecutionTimeoutException"} <= (
        retried
    )
    # Nothing is caught: a failed execution ends at its failed task, which Redrive reruns.
    assert "Catch" not in STATES[step]


def _worst_wait(retrier: dict[str, Any]) -> float:
    interval = float(retrier.get("IntervalSeconds", 1))
    rate = float(retrier.get("BackoffRate", 2.0))
    cap = float(retrier.get("MaxDelaySeconds", float("inf")))
    attempts = int(retrier.get("MaxAttempts", 3))
    return sum(min(interval * rate**n, cap) for n in range(attempts))


def test_retries_are_bounded_so_a_bad_day_ends_within_about_20_minutes() -> None:
    waits = sum(
        _worst_wait(retrier) for state in STATES.values() for retrier in state.get("Retry", [])
    )

    assert waits < DAY_BUDGET_SECONDS - 120  # leaves room for the attempts themselves
    assert DEFINITION["TimeoutSeconds"] <= DAY_BUDGET_SECONDS
    for state in STATES.values():
        if state["Type"] == "Task":
            assert 0 < state["TimeoutSeconds"] <= 60
            for retrier in state.get("Retry", []):
                assert retrier.get("JitterStrategy") == "FULL"


def test_no_state_catches_and_the_only_fail_state_is_a_routing_bug() -> None:
    assert not [name for name, state in STATES.items() if "Catch" in state]
    fails = [name for name, state in STATES.items() if state["Type"] == "Fail"]
    assert fails == ["UnknownOutcome"]
    choice = STATES["CreateMeetingOutcome"]
    assert choice["Default"] == "UnknownOutcome"
    # Redrive needs $$.Execution.RedriveCount in the payload: each redrive is its own owner.
    for step in ("CreateMeeting", "NotifyMeeting"):
        payload = STATES[step]["Parameters"]["Payload"]
        assert payload["execution_arn.$"] == "$$.Execution.Id"
        assert payload["redrive_count.$"] == "$$.Execution.RedriveCount"
