"""The dispatcher on the deployment's stack: the templates in the bucket, the real state machine.

Each tick is the dispatcher invoked as the schedule invokes it (``scheduled_time``); the
executions it starts run the real ASL and handlers against the Zoom and Slack models.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support import fakes
from zoom_notifier.handlers import dispatch
from zoom_notifier.local.executions import failure_messages, wait_for
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.container import reset_container
from zoom_notifier.services import aws as aws_module

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


def tick(scheduled_time: str, stack: LocalStack | None = None) -> dict[str, Any]:
    """The dispatcher invoked as the schedule invokes it: with the stack's schedule's own
    input when given (its period included), else the time alone (an older schedule's)."""
    event: dict[str, Any] = {"scheduled_time": scheduled_time}
    if stack is not None:
        event = stack.tick_event(datetime.fromisoformat(scheduled_time))
    result: dict[str, Any] = dispatch.handler(event, fakes.FakeContext())
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
        execution_arn(stack, "invalid_2026-11-27_team-broken"),
        {"date": "2026-11-27", "template": "team-broken"},
    )
    later = tick("2026-11-27T06:05:00Z")

    assert first["invalid_templates"] == ["team-broken"]
    assert first["started"] == ["invalid_2026-11-27_team-broken"]
    assert later["already_started"] == ["invalid_2026-11-27_team-broken"]
    assert (report.status, report.error) == ("FAILED", "InvalidMeetingTemplate")
    assert zoom.create_calls == 0
    # The failure alone: its start is no late meeting, however late the tick.
    (status_change,) = failure_messages(stack)
    detail = json.loads(status_change["Message"])["detail"]
    assert (detail["status"], detail["error"]) == ("FAILED", "InvalidMeetingTemplate")


# --- the dispatcher's rows of the fault matrix: each team judged alone ----------------------


def _started_and_announced(stack: LocalStack, slack: SlackModel, name: str, day: str) -> None:
    report = wait_for(stack, execution_arn(stack, f"{day}_{name}"), {"date": day, "template": name})
    assert report.status == "SUCCEEDED", report.cause
    assert len(slack.announcements) == 1


@pytest.fixture
def access_denied_for(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """S3 object keys this role may not read: GetObject answers 403 AccessDenied, as S3 does
    for an object the role has no s3:GetObject on, or whose KMS key it may not use
    (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html)."""
    denied: set[str] = set()
    original = aws_module._new_session

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key") in denied:
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "Access Denied"},
                 "ResponseMetadata": {"HTTPStatusCode": 403}},  # type: ignore[typeddict-item]
                "GetObject",
            )  # fmt: skip

    def session() -> Any:
        made = original()
        made._session.register("before-parameter-build.s3.GetObject", refuse)
        return made

    monkeypatch.setattr(aws_module, "_new_session", session)
    reset_container()
    yield denied
    reset_container()


@pytest.mark.parametrize("odd", ["empty object", "unreadable object (AccessDenied)"])
def test_one_bad_template_object_never_stops_the_other_teams(
    stack: LocalStack, slack: SlackModel, access_denied_for: set[str], odd: str
) -> None:
    fakes.put_stack_template(stack, PARIS, name="team-paris")
    if odd == "empty object":
        fakes.put_stack_template(stack, b"", name="team-odd")  # S3: 416 InvalidRange
    else:
        fakes.put_stack_template(stack, PARIS, name="team-odd")
        access_denied_for.add("templates/team-odd.json")

    result = tick(PARIS_TICK, stack)

    assert result["invalid_templates"] == ["team-odd"]
    assert sorted(result["started"]) == ["2026-11-27_team-paris", "invalid_2026-11-27_team-odd"]
    _started_and_announced(stack, slack, "team-paris", "2026-11-27")
    odd_report = wait_for(
        stack,
        execution_arn(stack, "invalid_2026-11-27_team-odd"),
        {"date": "2026-11-27", "template": "team-odd"},
    )
    assert odd_report.status == "FAILED"
    if odd == "empty object":
        assert odd_report.error == "InvalidMeetingTemplate"
        assert "is empty" in str(odd_report.cause)
    else:
        assert odd_report.error == "ConfigurationError"
        assert "access denied" in str(odd_report.cause)


def test_a_template_fixed_the_same_day_is_started_at_its_own_time(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:
    fakes.put_stack_template(stack, b'{"topic": ', name="team-paris")
    first = tick("2026-11-27T00:05:00Z", stack)
    assert first["started"] == ["invalid_2026-11-27_team-paris"]
    broken = wait_for(
        stack,
        execution_arn(stack, "invalid_2026-11-27_team-paris"),
        {"date": "2026-11-27", "template": "team-paris"},
    )
    assert broken.error == "InvalidMeetingTemplate"

    fakes.put_stack_template(stack, PARIS, name="team-paris")  # fixed at 07:00
    assert tick("2026-11-27T08:10:00Z", stack)["started"] == []  # not early
    assert tick("2026-11-27T08:15:00Z", stack)["started"] == ["2026-11-27_team-paris"]
    _started_and_announced(stack, slack, "team-paris", "2026-11-27")
    assert zoom.create_calls == 1


@pytest.mark.parametrize(
    ("old", "new", "setting"), [(15, 5, 5), (5, 15, 5)],
    ids=["15 to 5, the function updated first", "5 to 15, the schedule updated first"],
)  # fmt: skip
def test_a_period_change_during_a_stack_update_skips_no_team(
    stack: LocalStack,
    slack: SlackModel,
    monkeypatch: pytest.MonkeyPatch,
    old: int,
    new: int,
    setting: int,
) -> None:
    """A stack update changes DispatchEveryMinutes at 08:02: the function's setting and the
    schedule change at different moments. The old schedule's last tick is at 08:00, the new
    one's first at 08:15; a 09:20 Paris meeting is announced at 08:05, between them."""
    fakes.put_stack_template(stack, {**PARIS, "start_time": "09:20"}, name="team-paris")
    monkeypatch.setenv("DISPATCH_EVERY_MINUTES", str(setting))
    reset_container()

    assert tick_with_period("2026-11-27T08:00:00Z", stack, old)["started"] == []
    started = tick_with_period("2026-11-27T08:15:00Z", stack, new)["started"]

    assert started == ["2026-11-27_team-paris"]
    _started_and_announced(stack, slack, "team-paris", "2026-11-27")


def tick_with_period(scheduled_time: str, stack: LocalStack, period: int) -> dict[str, Any]:
    event = {**stack.tick_event(datetime.fromisoformat(scheduled_time)), "every_minutes": period}
    result: dict[str, Any] = dispatch.handler(event, fakes.FakeContext())
    return result


def test_the_schedule_carries_its_period_in_its_input(stack: LocalStack) -> None:
    event = stack.tick_event(datetime.fromisoformat(PARIS_TICK))
    assert event == {"scheduled_time": PARIS_TICK, "every_minutes": 5}


@pytest.fixture
def s3_requests(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The template bucket's GetObject and ListObjectsV2 requests, counted where moto (on
    loopback, in this process) answers them."""
    from moto.s3.responses import S3Response  # noqa: PLC0415 - moto's, only for this count

    counts = {"GetObject": 0, "ListObjectsV2": 0}

    def counted(method: Any, operation: str) -> Any:
        def answer(self: Any, *arguments: Any, **keywords: Any) -> Any:
            counts[operation] += 1
            return method(self, *arguments, **keywords)

        return answer

    monkeypatch.setattr(S3Response, "get_object", counted(S3Response.get_object, "GetObject"))
    monkeypatch.setattr(
        S3Response, "list_objects_v2", counted(S3Response.list_objects_v2, "ListObjectsV2")
    )
    return counts


def test_a_warm_tick_reads_no_template_unless_one_changed_and_then_only_that_one(
    stack: LocalStack, s3_requests: dict[str, int]
) -> None:
    for number in range(5):
        fakes.put_stack_template(stack, PARIS, name=f"team-{number}")

    cold = tick("2026-11-27T05:00:00Z", stack)
    reads_cold = dict(s3_requests)
    tick("2026-11-27T05:05:00Z", stack)
    reads_warm = dict(s3_requests)
    fakes.put_stack_template(stack, {**PARIS, "start_time": "09:45"}, name="team-3")
    tick("2026-11-27T05:10:00Z", stack)
    reads_changed = dict(s3_requests)
    due = tick(PARIS_TICK, stack)  # (its executions' CreateMeeting read their templates)

    assert cold["started"] == []
    assert reads_cold == {"GetObject": 5, "ListObjectsV2": 1}  # a cold container reads all
    assert reads_warm == {"GetObject": 5, "ListObjectsV2": 2}  # nothing changed: no GET
    assert reads_changed == {"GetObject": 6, "ListObjectsV2": 3}  # the one that changed, once
    # The change is read: team-3 is now announced at 09:30 Paris, not 09:15.
    assert due["started"] == [f"2026-11-27_team-{number}" for number in (0, 1, 2, 4)]


class ShortContext(fakes.FakeContext):
    """A tick with less time left than the dispatcher keeps for its checks and reports."""

    def get_remaining_time_in_millis(self) -> int:
        return 16_000


def test_a_tick_out_of_time_fails_naming_its_runs_and_the_next_tick_starts_them_all(
    stack: LocalStack, zoom: ZoomModel, slack: SlackModel
) -> None:
    teams = [f"team-{number:02d}" for number in range(6)]
    for team in teams:
        fakes.put_stack_template(stack, PARIS, name=team)

    with pytest.raises(Exception, match="6 of 6 due runs not started") as failed:
        dispatch.handler(stack.tick_event(datetime.fromisoformat(PARIS_TICK)), ShortContext())
    assert type(failed.value).__name__ == "DeadlineExceeded"  # retried by Lambda
    next_tick = tick("2026-11-27T08:20:00Z", stack)
    for team in teams:
        wait_for(
            stack,
            execution_arn(stack, f"2026-11-27_{team}"),
            {"date": "2026-11-27", "template": team},
        )

    assert next_tick["started"] == [f"2026-11-27_{team}" for team in teams]
    # What the teams see: each meeting created once at Zoom and announced once.
    assert zoom.create_calls == 6
    assert len(slack.announcements) == 6
    (late,) = [report for report in failure_messages(stack) if "late" in report["Subject"]]
    assert all(f"2026-11-27_{team}" in late["Message"] for team in teams)
