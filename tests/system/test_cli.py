"""The zoom-notifier command, through its entry point: exit codes and the lines that matter."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support import fakes
from zoom_notifier.cli import main
from zoom_notifier.local import scenarios
from zoom_notifier.local.loopback import SlackServer, ZoomServer
from zoom_notifier.local.scenarios import SCENARIOS, Scenario
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.zoom_model import ZoomModel

DAY = "2026-11-27"
# Every command runs in this process, so AWS (moto) starts empty for each test.
pytestmark = pytest.mark.usefixtures("local_aws")

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE = REPOSITORY / "examples" / "templates" / "default.json"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- demo ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "lines"),
    [
        ("default", ["✓ CreateMeeting", "created meeting", "✓ NotifyMeeting", "= SUCCEEDED",
                     "📅 2026-11-27 at 09:30 (Europe/Paris)", "[ Join meeting ] →"]),
        ("zoom-outage", ["5 failed attempt(s) (ZoomUnavailable), then failed here",
                         "= FAILED: ZoomUnavailable", "🚨 zoom-notifier failed for 2026-11-27",
                         "Cause: Zoom failed to create meeting (HTTP 503)", "Redrive"]),
        ("bad-template", ["✗ CreateMeeting", "= FAILED: InvalidMeetingTemplate",
                          "field 'password': String should have at most 10 characters"]),
        ("slack-archived", ["✗ NotifyMeeting", "= FAILED: SlackWebhookRejected", "(created)",
                            "was not delivered", "dead-letter queue"]),
        ("redrive", ["= FAILED: ZoomUnavailable", "Redrive of execution 1",
                     "✓ CreateMeeting", "= SUCCEEDED", "[ Join meeting ] →"]),
        ("rerun", ["Execution 2", "existing meeting", "already_notified"]),
    ],
)  # fmt: skip
def test_each_demo_scenario_ends_as_it_should(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, scenario: str, lines: list[str]
) -> None:
    log = tmp_path / "demo.log"

    code, out, err = run_cli(
        capsys, "demo", "--scenario", scenario, "--date", DAY, "--log-file", str(log)
    )

    assert code == 0, err
    for line in lines:
        assert line in out
    assert f"✔ Scenario {scenario} ended as it should." in out
    assert f"Logs: {log}" in out
    log_lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(line["message"] == "invocation finished" for line in log_lines)
    assert "demo-client-secret-not-real" not in log.read_text()


def test_a_demo_that_does_not_end_as_it_should_exits_non_zero(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = Scenario("default", "expects two meetings from one run", meetings=2)
    monkeypatch.setitem(scenarios.SCENARIOS, "default", wrong)

    code, _, err = run_cli(capsys, "demo", "--date", DAY, "--log-file", str(tmp_path / "l"))

    assert code == 1
    assert "did not end as it should: Zoom meetings created: expected 2, got 1" in err
    assert "Traceback" not in err


# Started once per process by pycares (c-ares DNS, which aiohttp picks up when checkov's aiodns is
# installed), and kept for the life of the process: not something the demo leaves behind.
_PROCESS_SINGLETONS = ("_run_safe_shutdown_loop",)


def _threads() -> set[threading.Thread]:
    return {
        thread
        for thread in threading.enumerate()
        if thread.is_alive() and not any(name in thread.name for name in _PROCESS_SINGLETONS)
    }


def test_demo_leaves_no_server_or_thread_running(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = _threads()

    code, out, _ = run_cli(capsys, "demo", "--date", DAY, "--log-file", str(tmp_path / "l"))

    assert code == 0
    deadline = time.monotonic() + 5
    while _threads() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _threads() - before == set()
    stand_in_urls = [word for word in out.split() if word.startswith("http://127.0.0.1:")]
    assert len(stand_in_urls) == 3
    for url in stand_in_urls:
        port = int(url.split(":")[2].split("/")[0].rstrip(","))
        with pytest.raises(ConnectionRefusedError):  # nothing listens any more
            socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_every_scenario_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--help"])

    out = capsys.readouterr().out
    assert exited.value.code == 0
    for name in SCENARIOS:
        assert name in out
    assert "Example: zoom-notifier demo --scenario zoom-outage" in out


@pytest.mark.parametrize("command", ["demo", "run", "validate-template", "rerun"])
def test_every_command_has_help_with_an_example(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])

    assert "Example: zoom-notifier " in capsys.readouterr().out


def test_python_dash_m_runs_the_same_command() -> None:
    completed = subprocess.run(  # noqa: S603 - this interpreter, our module
        [sys.executable, "-m", "zoom_notifier", "validate-template", str(EXAMPLE), "--date", DAY],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert "POST https://api.zoom.us/v2/users/<ZOOM_USER_ID>/meetings" in completed.stdout


# --- validate-template --------------------------------------------------------------------------


def test_validate_template_prints_the_exact_request(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "validate-template", str(EXAMPLE), "--date", DAY, "--user", "host@example.com"
    )

    assert code == 0
    assert "POST https://api.zoom.us/v2/users/host@example.com/meetings" in out
    body = json.loads(out[out.index("{") :])
    assert body["topic"] == "Daily stand-up 2026-11-27"
    assert body["start_time"] == "2026-11-27T09:30:00"
    assert body["timezone"] == "Europe/Paris"
    assert body["settings"]["mute_upon_entry"] is True


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"topic": "t", "duration": -5}', "field 'duration': Input should be greater than 0"),
        ('{"topic": "t",}', "not valid JSON: Expecting property name"),
    ],
)
def test_validate_template_names_the_field_and_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, expected: str
) -> None:
    template = tmp_path / "t.json"
    template.write_text(content)

    code, out, err = run_cli(capsys, "validate-template", str(template))

    assert code == 1
    assert out == ""
    assert expected in err
    assert len(err.strip().splitlines()) == 1


def test_validate_template_on_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "validate-template", "no/such/template.json")

    assert code == 2
    assert "cannot read no/such/template.json: No such file or directory" in err


# --- run ---------------------------------------------------------------------------------------


def test_run_without_credentials_names_every_missing_variable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ZOOM_ACCOUNT_ID=from-dotenv\nZOOM_USER_ID=host@example.com\n")
    monkeypatch.setenv("ZOOM_CLIENT_ID", "from-environment")

    code, _, err = run_cli(capsys, "run", "--env-file", str(env_file))

    assert code == 2
    assert "run needs ZOOM_CLIENT_SECRET, SLACK_WEBHOOK_URL" in err
    assert "ZOOM_ACCOUNT_ID" not in err
    assert "ZOOM_CLIENT_ID" not in err


def test_run_executes_the_local_workflow_against_the_configured_services(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stand-ins in place of the real services: the same code path as with real credentials.
    zoom_model = ZoomModel("acct", "client", "FAKE-run-secret")
    slack_model = SlackModel()
    with ZoomServer(zoom_model) as zoom, SlackServer(slack_model) as slack:
        for name, value in {
            "ZOOM_ACCOUNT_ID": "acct",
            "ZOOM_CLIENT_ID": "client",
            "ZOOM_CLIENT_SECRET": "FAKE-run-secret",
            "ZOOM_USER_ID": "host@example.com",
            "SLACK_WEBHOOK_URL": slack.webhook_url,
            "ZOOM_API_URL": zoom.api_url,
            "ZOOM_OAUTH_URL": zoom.oauth_url,
            "ALLOW_LOOPBACK_URLS": "true",
            "MEETING_TIMEZONE": "Europe/Paris",
        }.items():
            monkeypatch.setenv(name, value)

        code, out, err = run_cli(
            capsys, "run", "--date", DAY, "--env-file", str(tmp_path / "none"),
            "--log-file", str(tmp_path / "run.log"),
        )  # fmt: skip

    assert code == 0, err
    assert "= SUCCEEDED" in out
    assert len(zoom_model.meetings) == 1
    assert len(slack_model.announcements) == 1
    assert "FAKE-run-secret" not in (tmp_path / "run.log").read_text()


def test_run_refuses_an_invalid_template_before_starting_anything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET", "ZOOM_USER_ID"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("SLACK_WEBHOOK_URL", fakes.WEBHOOK_URL)
    template = tmp_path / "t.json"
    template.write_text('{"topic": ""}')

    code, _, err = run_cli(capsys, "run", "--template", str(template), "--env-file", "none")

    assert code == 1
    assert "field 'topic'" in err


# --- rerun ---------------------------------------------------------------------------------------

_ROLE = "arn:aws:iam::123456789012:role/local"


def _execution(
    definition: dict[str, Any], execution_input: dict[str, Any], *, wait: bool = True
) -> str:
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"m{time.monotonic_ns()}", definition=json.dumps(definition), roleArn=_ROLE
    )["stateMachineArn"]
    arn: str = sfn.start_execution(
        stateMachineArn=machine, name="2026-11-27-scheduled", input=json.dumps(execution_input)
    )["executionArn"]
    deadline = time.monotonic() + 10
    while wait and sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not end"
        time.sleep(0.05)
    return arn


def test_rerun_starts_a_new_execution_with_the_failed_ones_input(
    capsys: pytest.CaptureFixture[str],
) -> None:
    failed = _execution(
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "ZoomUnavailable"}}},
        {"date": DAY, "template": "default"},
    )

    code, out, err = run_cli(capsys, "rerun", failed)

    assert code == 0, err
    new_arn = out.split("Started ")[1].split()[0]
    assert ":execution:" in new_arn
    assert new_arn.split(":")[-1].startswith("2026-11-27-scheduled-rerun-")
    assert "Console: https://us-east-1.console.aws.amazon.com/states/" in out
    started = boto3.client("stepfunctions").describe_execution(executionArn=new_arn)
    assert json.loads(started["input"]) == {"date": DAY, "template": "default"}


def test_rerun_refuses_a_succeeded_execution(capsys: pytest.CaptureFixture[str]) -> None:
    succeeded = _execution(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {"date": DAY}
    )

    code, _, err = run_cli(capsys, "rerun", succeeded)

    assert code == 2
    assert "succeeded: there is nothing to rerun" in err


def test_rerun_refuses_a_running_execution(capsys: pytest.CaptureFixture[str]) -> None:
    sfn = boto3.client("stepfunctions")
    running = _execution(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3, "End": True}}},
        {"date": DAY},
        wait=False,
    )
    try:
        code, _, err = run_cli(capsys, "rerun", running)
    finally:
        sfn.stop_execution(executionArn=running)

    assert code == 2
    assert "is still RUNNING: wait for it to end (or stop it)" in err


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("not-an-arn", "is not an execution ARN"),
        (
            "arn:aws:states:us-east-1:123456789012:execution:nope:nope",
            "no such execution",
        ),
    ],
)
def test_rerun_explains_a_bad_arn(
    capsys: pytest.CaptureFixture[str], arn: str, expected: str
) -> None:
    code, _, err = run_cli(capsys, "rerun", arn)

    assert code == 2
    assert expected in err
    assert "Traceback" not in err
