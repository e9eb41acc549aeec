"""The real state_machine.asl.json, executed by moto's Step Functions interpreter.

The stack comes from infrastructure/template.yaml; the Lambda tasks run our real handlers
in-process; Zoom and Slack are mocked at the HTTP level. Retry waits are shortened to 1 s by
substitution (``shorten_retries``); the file itself is untouched.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.mounted import mount_slack
from zoom_notifier.handlers import notify_failure
from zoom_notifier.local.aws import invocation_count
from zoom_notifier.local.executions import (
    ExecutionReport,
    failure_messages,
    redrive_execution,
    run_execution,
    wait_for,
)
from zoom_notifier.local.faults import answer
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.sns import lambda_event
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel

DAY = "2026-11-27"
# Every test needs Zoom to answer: the model, mounted.
pytestmark = pytest.mark.usefixtures("zoom")

HAPPY_PATH = ["CreateMeeting", "CreateMeetingOutcome", "NotifyMeeting", "Announced"]


put_template = fakes.put_stack_template
item = fakes.stack_item


def stored(stack: LocalStack, day: str = DAY, template: str = "default") -> dict[str, Any]:
    """The day's item, which must exist."""
    found = item(stack, day, template)
    assert found is not None, f"no item for {day}"
    return found


def failures(stack: LocalStack) -> list[dict[str, Any]]:
    """The ``detail`` of each status change the failure topic received (from the rule)."""
    return [json.loads(n["Message"])["detail"] for n in failure_messages(stack)]


def failed_attempts(report: ExecutionReport) -> int:
    """How many task attempts failed (and were retried or caught), from the history."""
    return sum(1 for event in report.events if event["type"] == "TaskFailed")


def test_happy_path_creates_records_and_announces_once(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:

    report = run_execution(stack, {"date": DAY})

    assert report.status == "SUCCEEDED"
    assert report.states == HAPPY_PATH
    assert report.output["create"]["result"]["meeting_id"] == fakes.MEETING_ID
    assert report.output["notify"]["result"]["outcome"] == "notified"
    assert zoom.create_calls == 1
    assert len(slack.announcements) == 1
    record = stored(stack)
    assert (record["status"], record["meeting_id"]) == ("notified", str(fakes.MEETING_ID))
    assert record["execution"] == report.arn
    assert failures(stack) == []


def test_a_scheduled_run_uses_the_scheduled_day_in_the_meeting_timezone(
    stack: LocalStack, slack: SlackModel
) -> None:

    report = run_execution(stack, {"scheduled_time": "2026-11-30T08:00:00Z"})

    assert report.status == "SUCCEEDED"
    assert report.output["create"]["result"]["date"] == "2026-11-30"
    assert stored(stack, "2026-11-30")["status"] == "notified"


def test_a_holiday_succeeds_with_nothing_created_nothing_posted_and_no_zoom_call(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:
    put_template(stack, {**fakes.TEMPLATE, "notifier": {"holidays": {"country": "FR"}}})
    zoom.token.set(forever=answer(503, ""))  # Zoom is down: it must not matter

    report = run_execution(stack, {"date": "2026-12-25"})

    assert report.status == "SUCCEEDED"
    assert report.states == ["CreateMeeting", "CreateMeetingOutcome", "NotAMeetingDay"]
    assert report.output["create"]["result"] == {
        "outcome": "skipped",
        "date": "2026-12-25",
        "template": "default",
        "reason": "Christmas Day (FR)",
        "announce": False,
    }
    assert (zoom.create_calls, zoom.tokens) == (0, set())
    assert slack.channel == []
    assert item(stack, "2026-12-25") is None
    assert failures(stack) == []


TEAM_B_PATH = "/services/T0FAKE/B0TEAMB/FAKEteamBwebhook9a8b"


def test_two_teams_on_one_day_each_get_one_post_in_their_own_channel(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel, http: aioresponses
) -> None:
    """Team A works (the deployment's channel); team B is on a public holiday in its own
    channel and asks for the skip post. Slack rate-limits team B's first post: retried, posted
    once."""
    team_b = SlackModel(path=TEAM_B_PATH)
    mount_slack(team_b, http, base_url="https://hooks.slack.com")
    stack.client("secretsmanager").create_secret(
        Name="zoom-notifier/team-b/webhook", SecretString=f"https://hooks.slack.com{TEAM_B_PATH}"
    )
    put_template(stack, {**fakes.TEMPLATE, "topic": "Team A stand-up"}, "team-a")
    put_template(
        stack,
        {**fakes.TEMPLATE, "topic": "Team B stand-up", "timezone": "America/New_York",
         "notifier": {"holidays": {"country": "US"}, "announce_skipped": True,
                      "slack": {"webhook_secret": "zoom-notifier/team-b/webhook"}}},
        "team-b",
    )  # fmt: skip
    # Slack's rate limit: surely not posted, retried after Retry-After.
    team_b.script.set(answer(429, "rate_limited", {"Retry-After": "1"}))
    thanksgiving = "2026-11-26"

    reports = [
        run_execution(stack, {"date": thanksgiving, "template": name})
        for name in ("team-a", "team-b", "team-a", "team-b")  # each day run twice
    ]

    assert [report.status for report in reports] == ["SUCCEEDED"] * 4
    assert reports[1].states == HAPPY_PATH  # the skip post goes through NotifyMeeting
    assert failed_attempts(reports[1]) == 1  # the rate-limited post, retried
    assert zoom.create_calls == 1
    assert [post["text"] for post in team_b.channel] == [
        "No Team B stand-up today: Thanksgiving Day (US)"
    ]
    assert len(slack.announcements) == 1
    assert "Team A stand-up" in slack.channel[0]["text"]
    assert stored(stack, thanksgiving, "team-b")["status"] == "notified"


def test_an_invalid_template_takes_the_failure_path_without_calling_zoom(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:
    put_template(stack, {"topic": "x" * 300})

    report = run_execution(stack, {"date": DAY})

    assert report.status == "FAILED"
    # It fails at the task, unretried, so that Redrive reruns exactly this step.
    assert report.states == ["CreateMeeting"]
    assert failed_attempts(report) == 1
    assert report.error == "InvalidMeetingTemplate"
    assert report.cause is not None
    assert "CreateMeeting: meeting template" in report.cause
    assert "field 'topic'" in report.cause
    (message,) = failures(stack)
    assert (message["status"], message["error"]) == ("FAILED", "InvalidMeetingTemplate")
    assert message["executionArn"] == report.arn
    assert message["stateMachineArn"] == stack.state_machine_arn
    assert json.loads(message["input"]) == {"date": DAY}
    assert zoom.create_calls == 0
    assert slack.channel == []


def test_zoom_503_twice_then_201_is_retried_to_success(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:
    # Each retry first looks for a meeting the 503 attempt made (the model has none).
    zoom.create.set(answer(503, ""), answer(503, ""))

    report = run_execution(stack, {"date": DAY})

    assert report.status == "SUCCEEDED"
    assert report.states == HAPPY_PATH
    assert failed_attempts(report) == 2
    assert invocation_count("zoom-notifier-create-meeting") == 3
    assert zoom.create_calls == 3
    record = stored(stack)
    assert record["meeting_id"] == str(fakes.MEETING_ID)
    assert len(slack.announcements) == 1


def test_zoom_down_for_good_exhausts_retries_and_reports_zoom_unavailable(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:
    zoom.create.set(forever=answer(503, ""))

    report = run_execution(stack, {"date": DAY})

    assert report.status == "FAILED"
    assert report.states == ["CreateMeeting"]
    attempts = 1 + next(
        retrier["MaxAttempts"]
        for retrier in stack.definition["States"]["CreateMeeting"]["Retry"]
        if "ZoomUnavailable" in retrier["ErrorEquals"]
    )
    assert invocation_count("zoom-notifier-create-meeting") == attempts
    assert report.error == "ZoomUnavailable"
    (message,) = failures(stack)
    assert message["error"] == "ZoomUnavailable"
    # The report names the day from the execution's input.
    assert json.loads(message["input"]) == {"date": DAY}
    assert slack.channel == []


def test_an_archived_slack_channel_fails_notify_and_the_meeting_stays_recorded(
    stack: LocalStack, slack: SlackModel
) -> None:
    slack.script.set(answer(410, "channel_is_archived"))

    report = run_execution(stack, {"date": DAY})

    assert report.status == "FAILED"
    assert report.states == ["CreateMeeting", "CreateMeetingOutcome", "NotifyMeeting"]
    assert report.error == "SlackWebhookRejected"
    (message,) = failures(stack)
    assert message["error"] == "SlackWebhookRejected"
    assert "NotifyMeeting: Slack rejected" in message["cause"]
    record = stored(stack)
    assert record["status"] == "created"


def test_the_same_input_twice_makes_one_meeting_and_one_announcement(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:

    first = run_execution(stack, {"date": DAY})
    second = run_execution(stack, {"date": DAY})

    assert (first.status, second.status) == ("SUCCEEDED", "SUCCEEDED")
    assert second.output["create"]["result"]["outcome"] == "existing"
    assert second.output["notify"]["result"]["outcome"] == "already_notified"
    assert zoom.create_calls == 1
    assert len(slack.announcements) == 1


def test_a_failed_execution_rerun_after_the_fix_completes_the_day_once(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:
    slack.script.set(answer(404, "channel_not_found"))
    failed = run_execution(stack, {"date": DAY})
    assert failed.status == "FAILED"

    # The operator pointed the webhook at a live channel.
    rerun = run_execution(stack, {"date": DAY})

    assert rerun.status == "SUCCEEDED"
    assert rerun.output["create"]["result"]["outcome"] == "existing"
    assert zoom.create_calls == 1
    assert slack.attempts == 2  # the refused post, then the announcement
    assert len(slack.channel) == 1
    record = stored(stack)
    assert record["status"] == "notified"


def test_the_failure_message_reaches_slack_through_notify_failure(
    stack: LocalStack, slack: SlackModel
) -> None:
    put_template(stack, b"{not json")
    report = run_execution(stack, {"date": DAY})
    (notification,) = failure_messages(stack)

    result = notify_failure.handler(lambda_event(notification), fakes.FakeContext())

    assert result == {"outcome": "notified", "posted": 1}
    (post,) = slack.channel
    text = fakes.slack_text(post)
    assert f"failed for {DAY}" in text
    assert "*Step:* CreateMeeting" in text
    assert "`InvalidMeetingTemplate`" in text
    assert "not valid JSON" in text
    assert report.arn in text


def test_a_redrive_reruns_only_the_failed_step_under_the_same_arn(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:
    slack.script.set(forever=answer(404, "channel_not_found"))
    failed = run_execution(stack, {"date": DAY})
    assert (failed.status, failed.states[-1]) == ("FAILED", "NotifyMeeting")
    slack.script.set()  # the operator fixed the webhook
    slack.script.forever = None

    redriven = redrive_execution(stack, failed)

    assert (redriven.arn, redriven.redrive_count) == (failed.arn, 1)
    assert redriven.status == "SUCCEEDED"
    assert redriven.states == ["NotifyMeeting", "Announced"]  # CreateMeeting is not rerun
    assert zoom.create_calls == 1
    assert len(slack.announcements) == 1
    assert stored(stack)["execution"] == failed.arn  # created by the first attempt


def test_a_redrive_waits_for_an_invocation_of_the_previous_attempt_still_running(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:
    # Attempt 0's CreateMeeting is stuck at Zoom when the operator stops the execution (which
    # does not stop a running Lambda) and redrives it at once. moto cannot stop an execution,
    # so the stopped execution is its history so far, reported ABORTED as AWS would.
    release = threading.Event()
    zoom.create.set(("hold", release))
    sfn = stack.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=stack.state_machine_arn, name="stuck", input=json.dumps({"date": DAY})
    )["executionArn"]
    deadline = time.monotonic() + 10
    while zoom.create_calls == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    aborted = ExecutionReport(
        arn=arn, input={"date": DAY}, redrive_count=0, status="ABORTED", output=None,
        error=None, cause=None, visits=(), events=tuple(history),
    )  # fmt: skip
    threading.Timer(2, release.set).start()  # the old invocation finishes meanwhile

    redriven = redrive_execution(stack, aborted)
    wait_for(stack, arn, {"date": DAY})  # the stopped execution's leftovers, for a clean end

    assert redriven.status == "SUCCEEDED", redriven.cause
    # It found attempt 0's live claim (another owner: same ARN, earlier redrive count) and
    # waited instead of taking it over; then it reused the meeting attempt 0 created.
    errors = [e["taskFailedEventDetails"]["error"] for e in redriven.events
              if e["type"] == "TaskFailed"]  # fmt: skip
    assert "MeetingCreationInProgress" in errors
    assert redriven.output["create"]["result"]["outcome"] == "existing"
    assert zoom.create_calls == 1
    assert len(zoom.meetings) == 1
    assert len(slack.announcements) == 1
