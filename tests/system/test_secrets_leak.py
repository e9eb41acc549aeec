"""No secret reaches a log line, a result or an exception text, on success or failure paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from _pytest.capture import CaptureResult

from tests.support import fakes
from zoom_notifier.handlers import create_meeting, notify_failure, notify_meeting
from zoom_notifier.local.faults import TIMEOUT_BEFORE, Fault, answer
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.sns import lambda_event, notification
from zoom_notifier.local.zoom_model import ZoomModel

DAY = "2026-11-27"


class Outputs:
    """Everything a run showed to the outside world, except the Slack announcement itself."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.errors: list[str] = []  # the error of each run ("" for a result)

    def run(self, handler: Callable[[Any, Any], dict[str, Any]], event: Any) -> None:
        try:
            self.texts.append(json.dumps(handler(event, fakes.FakeContext())))
            self.errors.append("")
        except Exception as exc:  # every exception text is searched
            self.texts.append(f"{type(exc).__name__}: {exc}")
            self.errors.append(type(exc).__name__)

    def leaks(self, captured: CaptureResult[str]) -> list[str]:
        """Secrets in any result, error text, or line written to stdout or stderr."""
        shown = "\n".join([*self.texts, captured.out, captured.err])
        return [secret for secret in fakes.SECRET_VALUES if secret in shown]


def failure_message(error: str, cause: str) -> dict[str, Any]:
    message = {
        "execution_arn": fakes.EXECUTION_ARN,
        "state": "NotifyMeeting",
        "error": error,
        "cause": cause,
        "date": DAY,
    }
    return lambda_event(notification(json.dumps(message)))


@pytest.mark.usefixtures("env", "zoom")
def test_success_paths_show_no_secret(
    slack: SlackModel, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = Outputs()

    outputs.run(create_meeting.handler, {"date": DAY})
    outputs.run(create_meeting.handler, {"date": DAY})
    outputs.run(notify_meeting.handler, {"date": DAY})
    outputs.run(notify_meeting.handler, {"date": DAY})
    outputs.run(notify_failure.handler, failure_message("X", "y"))

    assert outputs.errors == ["", "", "", "", ""]  # every path ran to its result
    assert outputs.leaks(capsys.readouterr()) == []
    # The passcode is meant for the announcement, and only there.
    (announcement, _) = slack.channel
    assert fakes.PASSWORD in json.dumps(announcement)


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (answer(400, {"code": 300, "message": f"Bad password {fakes.PASSWORD}"}),
         "ZoomRequestRejected"),
        (answer(500, f"upstream echoed {fakes.CLIENT_SECRET}"), "ZoomUnavailable"),
        (answer(201, json.dumps({"start_url": fakes.START_URL, "id": "x"})),
         "ZoomResponseInvalid"),
        (TIMEOUT_BEFORE, "ZoomUnavailable"),
    ],
)  # fmt: skip
def test_failure_paths_show_no_secret(
    zoom: ZoomModel, capsys: pytest.CaptureFixture[str], fault: Fault, error: str
) -> None:
    outputs = Outputs()
    zoom.create.set(fault)

    outputs.run(create_meeting.handler, {"date": DAY})

    assert outputs.errors == [error]  # the path the case names was reached
    assert outputs.leaks(capsys.readouterr()) == []


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    "fault",
    [
        answer(404, "channel_not_found"),
        answer(500, f"error posting to {fakes.WEBHOOK_PATH}"),
        TIMEOUT_BEFORE,
    ],
)
@pytest.mark.usefixtures("zoom")
def test_slack_failure_paths_show_no_secret(
    slack: SlackModel, capsys: pytest.CaptureFixture[str], fault: Fault
) -> None:
    outputs = Outputs()
    outputs.run(create_meeting.handler, {"date": DAY})
    slack.script.set(fault, fault)  # the announcement, then the failure report

    outputs.run(notify_meeting.handler, {"date": DAY})
    outputs.run(notify_failure.handler, failure_message("SlackWebhookRejected", "x"))

    assert outputs.errors[0] == ""
    assert outputs.errors[1:] == [outputs.errors[1]] * 2
    assert outputs.errors[1] in {"SlackWebhookRejected", "SlackUnavailable"}
    assert outputs.leaks(capsys.readouterr()) == []


@pytest.mark.usefixtures("env", "zoom", "slack")
def test_an_unexpected_error_carrying_a_secret_is_redacted_in_message_and_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = Outputs()

    def broken(*_: Any, **__: Any) -> dict[str, Any]:
        raise RuntimeError(f"bug while posting to {fakes.WEBHOOK_URL} as {fakes.ACCESS_TOKEN}")

    outputs.run(create_meeting.handler, {"date": DAY})
    monkeypatch.setattr("zoom_notifier.workflow.notify.meeting_announcement", broken)

    outputs.run(notify_meeting.handler, {"date": DAY})

    captured = capsys.readouterr()
    assert (
        "UnexpectedError: NotifyMeeting: RuntimeError: bug while posting to [REDACTED]"
        in outputs.texts[-1]
    )
    assert "Traceback" in captured.out
    assert outputs.leaks(captured) == []


def test_plain_variable_secrets_are_redacted_too(
    zoom: ZoomModel,
    capsys: pytest.CaptureFixture[str],
    aws_resources: fakes.AwsResources,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in fakes.deployed_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ZOOM_CREDENTIALS_SECRET")
    monkeypatch.setenv("ZOOM_ACCOUNT_ID", fakes.ACCOUNT_ID)
    monkeypatch.setenv("ZOOM_CLIENT_ID", fakes.CLIENT_ID)
    monkeypatch.setenv("ZOOM_CLIENT_SECRET", fakes.CLIENT_SECRET)
    outputs = Outputs()
    zoom.token.set(answer(400, f"bad secret {fakes.CLIENT_SECRET}"))

    outputs.run(create_meeting.handler, {"date": DAY})

    assert outputs.errors == ["ZoomAuthFailed"]
    assert outputs.leaks(capsys.readouterr()) == []
