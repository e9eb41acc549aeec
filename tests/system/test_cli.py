"""The zoom-notifier command, through its entry point: exit codes and the lines that matter."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support import fakes
from zoom_notifier.local import scenarios
from zoom_notifier.local.faults import answer
from zoom_notifier.local.loopback import SlackServer, ZoomServer
from zoom_notifier.local.scenarios import SCENARIOS, Scenario
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.operator.cli import main

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
                          "field 'password': must have at most 10 characters"]),
        ("slack-archived", ["✗ NotifyMeeting", "= FAILED: SlackWebhookRejected", "(created)",
                            "was not delivered", "dead-letter queue"]),
        ("redrive", ["= FAILED: ZoomUnavailable", "Redrive of execution 1",
                     "✓ CreateMeeting", "= SUCCEEDED", "[ Join meeting ] →"]),
        ("rerun", ["Execution 2", "existing meeting", "already_notified"]),
        # Its day must be ahead (lateness is measured against the clock): it moves, and says so.
        ("silent-day", ["is not a working day still ahead", "= FAILED: ZoomUnavailable",
                        "The status-change event of the failed execution is lost.",
                        "meetings not announced", "MeetingsOverdueAlarm at 08:45 UTC",
                        "zoom-notifier status (the local stack answers it):",
                        "FAILED: ZoomUnavailable: CreateMeeting"]),
        # Typed today (the answer is about the days from now): --date does not apply to it.
        ("slash-command", ["@alice types /standup -> 200", "Today's meeting: https://zoom.us/j/",
                           "@alice types /standup help -> 200",
                           "A forged signature -> 401; a replay of the first -> 401",
                           "/standup in a channel with no team -> 200"]),
        # Its own day (a US holiday, a French working day): --date does not apply to it.
        ("two-teams", ["The dispatcher ticks every 5 minutes", "UTC  started execution 20",
                       "_team-paris", "_team-new-york", "skipped: ", "(US-NY)",
                       "#New York channel:", "No New York stand-up today: ",
                       "[ Join meeting ] →"]),
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


@pytest.mark.parametrize("command", ["demo", "run", "validate-template", "calendar", "rerun"])
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


def test_the_redrive_demo_shows_the_failure_report_before_the_redriven_announcement(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run_cli(
        capsys, "demo", "--scenario", "redrive", "--date", DAY, "--log-file", str(tmp_path / "l")
    )

    assert code == 0
    assert out.index("🚨 zoom-notifier failed for 2026-11-27") < out.index("[ Join meeting ] →")


def test_the_default_example_is_a_working_days_meeting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "calendar", str(EXAMPLE), "--from", "2026-11-27", "--days", "3")

    assert code == 0
    assert "Fri 2026-11-27  09:30 CET" in out
    assert "Sat 2026-11-28  skipped: not a meeting day (SAT)" in out
    assert "Sun 2026-11-29  skipped: not a meeting day (SUN)" in out


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
    assert "On 2026-11-27 it is announced at 09:15 CET and sends:" in out


@pytest.mark.parametrize(
    ("notifier", "start_time", "day", "said"),
    [
        ({"days": ["MON"]}, "09:30", DAY, "On 2026-11-27 there is no meeting: not a meeting day "
         "(FRI); the day is skipped without calling Zoom."),
        ({"holidays": {"country": "FR"}, "announce_skipped": True}, "09:30", "2026-12-25",
         "no meeting: Christmas Day (FR); the day is skipped without calling Zoom (and posts "
         "the skip)."),
        ({"paused_until": "2026-12-31"}, "09:30", "2026-12-14",
         "no meeting: paused until 2026-12-31"),
        (None, "2020-03-02T09:30:00", DAY, "no meeting: its start_time 2020-03-02T09:30:00 is a "
         "moment of another date; the dispatcher starts it on that date only."),
    ],
)  # fmt: skip
def test_validate_template_says_what_the_service_does_on_that_date(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    notifier: object,
    start_time: str,
    day: str,
    said: str,
) -> None:
    template = {**json.loads(EXAMPLE.read_text()), "start_time": start_time}
    template.pop("notifier", None)
    if notifier is not None:
        template["notifier"] = notifier
    path = tmp_path / "team.json"
    path.write_text(json.dumps(template))

    code, out, _ = run_cli(capsys, "validate-template", str(path), "--date", day)

    assert code == 0
    assert said in out
    assert "POST" not in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"topic": "t", "duration": -5}', "field 'duration': must be more than 0"),
        ('{"topic": "t",}', "not valid JSON: Expecting property name"),
    ],
)
def test_validate_template_names_the_field_and_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, expected: str
) -> None:
    template = tmp_path / "t.json"
    template.write_text(content)

    code, out, err = run_cli(capsys, "validate-template", str(template))

    assert code == 2
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


def test_a_missing_env_file_is_named_as_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(capsys, "check", "--env-file", str(tmp_path / "missing.env"))

    assert code == 2
    assert f"or in {tmp_path / 'missing.env'}, which does not exist" in err


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
            "--state-file", str(tmp_path / "run-state.json"),  # never into the checkout
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

    assert code == 2
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


def test_a_second_rerun_of_the_same_day_is_refused_while_the_first_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The failed execution fails at once; its rerun (same definition, same input) waits.
    sfn = boto3.client("stepfunctions")
    failed = _execution(
        {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.rerun", "IsPresent": True, "Next": "W"}], "Default": "F"},
            "W": {"Type": "Wait", "Seconds": 3, "End": True},
            "F": {"Type": "Fail", "Error": "ZoomUnavailable"}}},
        {"date": DAY},
    )  # fmt: skip
    machine = sfn.describe_execution(executionArn=failed)["stateMachineArn"]
    first = sfn.start_execution(
        stateMachineArn=machine, name="2026-11-27-scheduled-rerun-20261127T091500",
        input=json.dumps({"date": DAY, "rerun": True}),
    )["executionArn"]  # fmt: skip
    try:
        code, _, err = run_cli(capsys, "rerun", failed)
    finally:
        sfn.stop_execution(executionArn=first)

    assert code == 2
    assert f"a rerun of 2026-11-27-scheduled is running: {first}" in err


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
        ("arn:aws:states::123456789012:execution:zoom-notifier:x", "is not an execution ARN"),
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


def test_rerun_with_a_missing_aws_profile_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nope")

    code, _, err = run_cli(capsys, "rerun", "arn:aws:states:eu-west-1:1:execution:sm:x")

    assert code == 2
    assert err == (
        "zoom-notifier rerun: AWS is not configured: The config profile (nope) could not be found\n"
    )


# --- bad input: one line, exit code 2 --------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["validate-template", str(EXAMPLE), "--timezone", "Mars/Base"],
         "argument --timezone: 'Mars/Base' is not an IANA time zone"),
        (["validate-template", str(EXAMPLE), "--timezone", "Mars/Base", "--date", DAY],
         "argument --timezone: 'Mars/Base' is not an IANA time zone"),
        (["demo", "--log-file", "/nonexistent/dir/x.log"],
         "cannot write the log file /nonexistent/dir/x.log: No such file or directory"),
        (["demo", "--date", "2026-02-30"], "argument --date: '2026-02-30' is not a date"),
        (["demo", "--scenario", "nope"], "argument --scenario: invalid choice: 'nope'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    code = _exit_code_of(argv)
    err = capsys.readouterr().err

    assert code == 2
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert "unexpected" not in err


def _exit_code_of(argv: list[str]) -> int | str | None:
    """The exit code, whether the command returned it or argparse exited with it."""
    try:
        return main(argv)
    except SystemExit as exited:
        return exited.code


def test_usage_errors_exit_with_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["validate-template", str(EXAMPLE), "--timezone", "Mars/Base"])

    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith("(--help shows the usage)\n")


def test_a_deeply_nested_template_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    template = tmp_path / "deep.json"
    template.write_text("[" * 30_000 + "]" * 30_000)

    code, _, err = run_cli(capsys, "validate-template", str(template))

    assert code == 2
    assert err.strip() == (
        f"zoom-notifier validate-template: meeting template {template} is nested too deeply to "
        "be a meeting template"
    )


def test_output_closed_early_is_one_line() -> None:
    reader, writer = os.pipe()
    os.close(reader)  # `| head` that has already exited
    try:
        completed = subprocess.run(  # noqa: S603 - this interpreter, our module
            [sys.executable, "-m", "zoom_notifier", "validate-template", str(EXAMPLE)],
            stdout=writer, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    finally:
        os.close(writer)

    assert completed.returncode == 2
    assert completed.stderr == (
        "zoom-notifier validate-template: output closed early (broken pipe)\n"
    )


def test_validate_template_warns_about_unknown_and_duplicate_keys_and_accepts_a_bom(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    template = tmp_path / "t.json"
    template.write_bytes(
        b'\xef\xbb\xbf{"topic": "a", "durration": 30, "topic": "Stand-up", "type": 2, '
        b'"start_time": "09:00", "timezone": "UTC"}'
    )

    code, out, err = run_cli(capsys, "validate-template", str(template), "--date", DAY)

    assert code == 0
    assert '"topic": "Stand-up"' in out
    assert err.splitlines() == [
        f"warning: {template}: key 'topic' appears twice; only its last value is used",
        f"warning: {template}: field 'durration' is not in Zoom's Create Meeting request; Zoom "
        "ignores it (did you mean 'duration'?)",
    ]


def test_the_example_template_has_no_warning(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "validate-template", str(EXAMPLE))

    assert code == 0
    assert err == ""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version  # noqa: PLC0415

    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    assert exited.value.code == 0
    assert capsys.readouterr().out == f"zoom-notifier {version('zoom-notifier')}\n"


def test_the_demo_never_shows_a_weekend_as_the_working_day(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zoom_notifier.operator import commands  # noqa: PLC0415

    class Saturday(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Saturday:
            return cls(2026, 11, 28, 10, 0)

    monkeypatch.setattr(commands, "datetime", Saturday)

    code, out, _ = run_cli(capsys, "demo", "--log-file", str(tmp_path / "l"))

    assert code == 0
    assert 'input {"date": "2026-11-30"}' in out  # the Monday


def test_make_help_lists_the_targets() -> None:
    completed = subprocess.run(
        ["make", "--no-print-directory", "help"],  # noqa: S607
        cwd=REPOSITORY, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert completed.returncode == 0
    targets = [line.split()[0] for line in completed.stdout.splitlines()]
    assert targets == [
        "help",
        "setup",
        "demo",
        "test",
        "package",
        "deploy",
        "destroy",
        "bench",
        "bench-scale",
        "format",
    ]


# --- run: settings first, the cause on failure, the meeting on success, state kept ----------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MEETING_TIMEZONE", "Mars/Base",
         "MEETING_TIMEZONE is invalid: unknown IANA time zone 'Mars/Base'"),
        ("ALLOW_LOOPBACK_URLS", "maybe", "ALLOW_LOOPBACK_URLS is not true or false"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("SLACK_WEBHOOK_URL", "http://hooks.slack.com/x",
         "SLACK_WEBHOOK_URL must be an https:// URL"),
        ("SLACK_WEBHOOK_URL", "https://example.com/x",
         "SLACK_WEBHOOK_URL must be a URL on hooks.slack.com"),
        ("ZOOM_API_URL", "http://api.zoom.us/v2", "ZOOM_API_URL must be an https:// URL"),
        ("ZOOM_CLIENT_SECRET", "", "ZOOM_CLIENT_SECRET is empty"),
    ],
)  # fmt: skip
def test_run_checks_every_setting_before_anything_starts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    name: str, value: str, expected: str,
) -> None:  # fmt: skip
    for variable, good in _RUN_SETTINGS.items():
        monkeypatch.setenv(variable, good)
    monkeypatch.setenv(name, value)
    log = tmp_path / "run.log"

    code, out, err = run_cli(capsys, "run", "--env-file", "none", "--log-file", str(log))

    assert code == 2
    assert err.startswith(f"zoom-notifier run: {expected}")
    assert len(err.splitlines()) == 1
    assert out == ""  # nothing started: no log file announced, no execution
    assert not log.exists()


_RUN_SETTINGS = {
    "ZOOM_ACCOUNT_ID": "acct",
    "ZOOM_CLIENT_ID": "client",
    "ZOOM_CLIENT_SECRET": "FAKE-run-secret",
    "ZOOM_USER_ID": "host@example.com",
    "SLACK_WEBHOOK_URL": fakes.WEBHOOK_URL,
    "MEETING_TIMEZONE": "Europe/Paris",
}


def _run_against(monkeypatch: pytest.MonkeyPatch, zoom: ZoomServer, slack: SlackServer) -> None:
    for name, value in {
        **_RUN_SETTINGS,
        "SLACK_WEBHOOK_URL": slack.webhook_url,
        "ZOOM_API_URL": zoom.api_url,
        "ZOOM_OAUTH_URL": zoom.oauth_url,
        "ALLOW_LOOPBACK_URLS": "true",
    }.items():
        monkeypatch.setenv(name, value)


def test_run_prints_the_meeting_and_keeps_its_state_so_a_second_run_reuses_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zoom_model = ZoomModel("acct", "client", "FAKE-run-secret")
    slack_model = SlackModel()
    state = tmp_path / "state" / "run-state.json"
    argv = ["run", "--date", DAY, "--env-file", "none", "--log-file", str(tmp_path / "log"),
            "--state-file", str(state)]  # fmt: skip
    with ZoomServer(zoom_model) as zoom, SlackServer(slack_model) as slack:
        _run_against(monkeypatch, zoom, slack)
        first = run_cli(capsys, *argv)
        second = run_cli(capsys, *argv)
        fresh = run_cli(capsys, *argv, "--fresh")

    assert [result[0] for result in (first, second, fresh)] == [0, 0, 0]
    meeting_id = next(iter(zoom_model.meetings))
    assert f"Meeting {meeting_id} for {DAY} (notified)" in first[1]
    assert "join: https://zoom.us/j/" in first[1]
    assert f"State: {state} (1 meeting record(s) from earlier runs)" in second[1]
    assert "existing meeting" in second[1]
    assert "already_notified" in second[1]
    # The promise holds for run too: only --fresh, which forgets, makes a second meeting.
    assert len(zoom_model.meetings) == 2
    assert len(slack_model.announcements) == 2
    assert oct(state.stat().st_mode & 0o777) == "0o600"


def test_run_prints_the_cause_of_a_failure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zoom_model = ZoomModel("acct", "client", "FAKE-run-secret")
    zoom_model.create.set(forever=answer(400, {"code": 300, "message": "Invalid meeting"}))
    with ZoomServer(zoom_model) as zoom, SlackServer(SlackModel()) as slack:
        _run_against(monkeypatch, zoom, slack)
        code, _, err = run_cli(
            capsys, "run", "--date", DAY, "--env-file", "none", "--log-file",
            str(tmp_path / "log"), "--state-file", str(tmp_path / "state.json"),
        )  # fmt: skip

    assert code == 1
    assert err.startswith("zoom-notifier run: ZoomRequestRejected: CreateMeeting: Zoom rejected")
    assert "Invalid meeting" in err


def test_make_demo_needs_no_npm_and_installs_quietly() -> None:
    completed = subprocess.run(
        ["make", "--no-print-directory", "--dry-run", "--always-make", "demo"],  # noqa: S607
        cwd=REPOSITORY, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr
    assert "npm" not in completed.stdout
    (sync,) = [line for line in completed.stdout.splitlines() if " sync " in line]
    assert "--quiet" in sync


# --- calendar ---------------------------------------------------------------------------------

TEAM_TEMPLATES = [str(REPOSITORY / "examples" / "templates" / f"{name}.json")
                  for name in ("team-paris", "team-new-york")]  # fmt: skip


def test_calendar_previews_each_template_offline_with_its_days_off(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(
        capsys, "calendar", *TEAM_TEMPLATES, "--from", "2026-12-23", "--days", "4"
    )

    assert code == 0, err
    assert out.splitlines() == [
        "team-new-york (America/New_York)",
        "  Wed 2026-12-23  09:00 EST  announced 08:50",
        "  Thu 2026-12-24  09:00 EST  announced 08:50",
        "  Fri 2026-12-25  skipped: Christmas Day (US-NY)",
        "  Sat 2026-12-26  skipped: not a meeting day (SAT)",
        "",
        "team-paris (Europe/Paris)",
        "  Wed 2026-12-23  09:30 CET  announced 09:15",
        "  Thu 2026-12-24  skipped: closed (FR)",
        "  Fri 2026-12-25  skipped: Christmas Day (FR)",
        "  Sat 2026-12-26  skipped: not a meeting day (SAT)",
    ]


def test_calendar_keeps_the_local_time_across_daylight_saving(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(
        capsys, "calendar", *TEAM_TEMPLATES, "--template", "team-paris",
        "--from", "2027-03-26", "--days", "5",
    )  # fmt: skip

    assert code == 0
    assert "  Fri 2027-03-26  09:30 CET  announced 09:15" in out
    assert "  Mon 2027-03-29  skipped: Easter Monday (FR)" in out
    assert "  Tue 2027-03-30  09:30 CEST  announced 09:15" in out
    assert "team-new-york" not in out


def test_calendar_reads_a_deployed_stack_s_bucket(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes.put_stack_template(stack, Path(TEAM_TEMPLATES[0]).read_bytes(), "team-paris")

    code, out, err = run_cli(
        capsys, "calendar", "--stack", "zoom-notifier", "--from", "2026-12-24", "--days", "2"
    )

    assert code == 0, err
    assert "default (Europe/Paris)\n  Thu 2026-12-24  09:30 CET  announced 09:15" in out
    assert "team-paris (Europe/Paris)\n  Thu 2026-12-24  skipped: closed (FR)" in out


def test_one_broken_template_hides_no_other_teams_calendar(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes.put_stack_template(stack, Path(TEAM_TEMPLATES[0]).read_bytes(), "team-paris")
    fakes.put_stack_template(stack, b'{"topic": "t",', "broken")

    code, out, err = run_cli(
        capsys, "calendar", "--stack", "zoom-notifier", "--from", "2026-12-24", "--days", "1"
    )

    assert code == 1
    assert "team-paris (Europe/Paris)\n  Thu 2026-12-24  skipped: closed (FR)" in out
    assert "default (Europe/Paris)" in out
    assert "cannot read template broken: meeting template broken is not valid JSON" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["calendar"], "give template file(s), or --stack"),
        (
            ["calendar", *TEAM_TEMPLATES, "--stack", "zoom-notifier"],
            "give template file(s) or --stack (to read the deployed bucket), not both",
        ),
        (["calendar", *TEAM_TEMPLATES, "--template", "team-rome"], "no template team-rome"),
    ],
)
def test_calendar_refuses_what_it_cannot_show(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run_cli(capsys, *argv)

    assert code == 2
    assert message in err


def test_calendar_lists_the_countries_a_holiday_calendar_may_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "calendar", "--countries")

    assert code == 0
    assert "\nFR  France: " in out
    assert "\nDE  Germany: BB, BE, BW, BY," in out
    assert "\nGB  United Kingdom: ENG, NIR, SCT, WLS" in out
    # Only the two-letter codes a template may name, never the three-letter aliases.
    assert all(len(line.split()[0]) == 2 for line in out.splitlines())


def test_calendar_refuses_dates_it_cannot_show_in_a_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(capsys, "calendar", *TEAM_TEMPLATES, "--from", "9999-12-30")

    assert code == 2
    assert "--from 9999-12-30 with --days 14 reaches past what can be shown" in err
    assert "Overflow" not in err


def test_calendar_refuses_a_number_of_days_it_cannot_show(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["calendar", *TEAM_TEMPLATES, "--days", "0"])

    assert exited.value.code == 2
    assert "'0' is not a number of days from 1 to 366" in capsys.readouterr().err


def test_no_aws_credentials_comes_with_the_hint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    code, _, err = run_cli(
        capsys, "rerun", "arn:aws:states:us-east-1:123456789012:execution:zoom-notifier:x"
    )

    assert code == 2
    assert "no AWS credentials" in err
    assert "aws configure" in err
