"""The dispatcher on the deployment's stack: the templates in the bucket, the real state machine.

Each tick is the dispatcher invoked as the schedule invokes it (``scheduled_time``); the
executions it starts run the real ASL and handlers against the Zoom and Slack models.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import fakes
from zoom_notifier.handlers import dispatch
from zoom_notifier.local.executions import failure_messages, wait_for
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel

pytestmark = pytest.mark.usefixtures("zoom")

PARIS = {**fakes.TEMPLATE, "timezone": "Europe/Paris", "start_time": "09:30"}
TOKYO = {
    **fakes.TEMPLATE,
    "timezone": "Asia/Tokyo",
    "start_time": "10:00",
    "notifier": {"announce_minutes_before": 5},
}
# Friday 2026-11-27: Tokyo's 10:00 stand-up is announced at 09:55 JST (00:55 UTC), Paris's
# 09:30 one at 09:15 CET (08:15 UTC).
TOKYO_TICK = "2026-11-27T00:55:00Z"
PARIS_TICK = "2026-11-27T08:15:00Z"


@pytest.fixture(autouse=True)
def only_these_templates(stack: LocalStack) -> None:
    """The stack comes with the example as ``default``; these tests upload their own."""
    stack.client("s3").delete_object(
        Bucket=stack.physical_ids["TemplateBucket"], Key="templates/default.json"
    )


def tick(scheduled_time: str) -> dict[str, Any]:
    result: dict[str, Any] = dispatch.handler(
        {"scheduled_time": scheduled_time}, fakes.FakeContext()
    )
    return result


def execution_arn(stack: LocalStack, name: str) -> str:
    return stack.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"


def test_each_tick_starts_the_templates_due_in_it_once_named_by_date_and_template(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:
    fakes.put_stack_template(stack, PARIS, name="team-paris")
    fakes.put_stack_template(stack, TOKYO, name="team-tokyo")

    first = tick(TOKYO_TICK)
    tick(TOKYO_TICK)  # delivered twice at once: Step Functions answers with the running one
    tokyo = wait_for(
        stack,
        execution_arn(stack, "2026-11-27_team-tokyo"),
        {"date": "2026-11-27", "template": "team-tokyo"},
    )
    retried = tick(TOKYO_TICK)  # Lambda's retry, a minute later: the execution has ended

    assert first["started"] == ["2026-11-27_team-tokyo"]
    assert tokyo.status == "SUCCEEDED"
    assert retried["started"] == []
    assert retried["already_started"] == ["2026-11-27_team-tokyo"]
    executions = stack.client("stepfunctions").list_executions(
        stateMachineArn=stack.state_machine_arn
    )["executions"]
    assert [execution["name"] for execution in executions] == ["2026-11-27_team-tokyo"]
    assert tick("2026-11-27T05:00:00Z")["started"] == []  # nothing due then

    assert tick(PARIS_TICK)["started"] == ["2026-11-27_team-paris"]
    paris = wait_for(
        stack,
        execution_arn(stack, "2026-11-27_team-paris"),
        {"date": "2026-11-27", "template": "team-paris"},
    )
    assert paris.status == "SUCCEEDED"

    assert zoom.create_calls == 2
    assert [request["timezone"] for request in zoom.create_requests] == [
        "Asia/Tokyo",
        "Europe/Paris",
    ]
    assert len(slack.announcements) == 2
    for template in ("team-tokyo", "team-paris"):
        item = fakes.stack_item(stack, "2026-11-27", template)
        assert item is not None
        assert item["status"] == "notified"


def test_a_late_tick_is_reported_once_and_still_starts_each_day_once(
    stack: LocalStack, slack: SlackModel
) -> None:
    fakes.put_stack_template(stack, PARIS, name="team-paris")

    late = tick(PARIS_TICK)  # a day ago: Lambda retried it, or it was held up
    wait_for(
        stack,
        execution_arn(stack, "2026-11-27_team-paris"),
        {"date": "2026-11-27", "template": "team-paris"},
    )
    again = tick(PARIS_TICK)

    assert late["started"] == ["2026-11-27_team-paris"]
    assert late["late_by_seconds"] > 600
    assert again["started"] == []
    (report,) = failure_messages(stack)  # only the tick that started something reports
    assert report["Subject"] == "zoom-notifier: meetings started late"
    assert "2026-11-27_team-paris" in report["Message"]
    assert "2026-11-27 08:15 UTC" in report["Message"]


def test_a_broken_template_is_started_once_a_day_so_that_its_failure_is_reported(
    stack: LocalStack, zoom: ZoomModel
) -> None:
    fakes.put_stack_template(stack, b'{"topic": ', name="team-broken")
    fakes.put_stack_template(stack, PARIS, name="team-paris")

    first = tick("2026-11-27T06:00:00Z")
    report = wait_for(
        stack,
        execution_arn(stack, "2026-11-27_team-broken"),
        {"date": "2026-11-27", "template": "team-broken"},
    )
    later = tick("2026-11-27T06:05:00Z")

    assert first["invalid_templates"] == ["team-broken"]
    assert first["started"] == ["2026-11-27_team-broken"]
    assert later["already_started"] == ["2026-11-27_team-broken"]
    assert (report.status, report.error) == ("FAILED", "InvalidMeetingTemplate")
    assert zoom.create_calls == 0
    late_report, status_change = failure_messages(stack)  # a day late, then the failure
    assert "2026-11-27_team-broken" in late_report["Message"]
    detail = json.loads(status_change["Message"])["detail"]
    assert (detail["status"], detail["error"]) == ("FAILED", "InvalidMeetingTemplate")
