"""The fault matrix: every fault the service must survive, through the real state machine.

Each row injects one fault, runs the day, hands the failure report (the execution's status
change) to notify_failure, then, for a day that failed, fixes the fault, lets the leases
expire and *redrives* the failed execution, as an operator does from the console. After every
row the promise holds:

* at most one Zoom meeting exists for the day, and it is the recorded one;
* no meeting was announced twice;
* every failed execution's report reached Slack; only in rows that break Slack itself may it
  be raised for the dead-letter queue instead;
* the retries a row promises are in the execution's history;
* no secret appears in any log line, result, history, SNS message, Slack post or error text
  (the passcode only inside the announcement).

``pytest -v`` prints the matrix as a table at the end (see conftest.py).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.world import (
    DAY,
    Arrange,
    World,
    fail_slack,
    fail_zoom_create,
    fail_zoom_token,
    heal,
    once,
    throttle,
)
from zoom_notifier.handlers import create_meeting
from zoom_notifier.local.aws import LambdaTimedOut, LambdaTimedOutUnknown
from zoom_notifier.local.executions import ExecutionReport
from zoom_notifier.local.faults import (
    CONNECT_TIMEOUT,
    GARBAGE_AFTER,
    REFUSED,
    RESET_AFTER,
    TIMEOUT_AFTER,
    TIMEOUT_BEFORE,
    Script,
    answer,
    answer_after,
)
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.runtime.container import reset_container
from zoom_notifier.services import meeting_store as store_module

MATRIX: list[dict[str, str]] = []  # filled as rows run; printed by conftest with -v


@dataclass(frozen=True)
class Row:
    group: str
    fault: str
    arrange: Arrange
    status: str  # of the first execution
    error: str | None = None  # the first execution's error
    fix: Arrange | None = None  # undo the fault; the day is then rerun
    rerun_status: str = "SUCCEEDED"
    announced: int = 1  # announcements in the channel at the end
    meeting: bool = True  # a meeting exists (and is recorded) at the end
    retried: str | None = None  # an error the first execution retried (from its history)
    blocks_reports: bool = False  # Slack refuses the failure reports too

    @property
    def id(self) -> str:
        return f"{self.group}: {self.fault}"


def nothing(_: World) -> None:
    return None


def _put_template(body: Any) -> Arrange:
    return lambda world: fakes.put_stack_template(world.stack, body)


def _restore_template(world: World) -> None:
    fakes.put_stack_template(world.stack, fakes.TEMPLATE)


def _secret(value: str) -> Arrange:
    def arrange(world: World) -> None:
        world.stack.client("secretsmanager").put_secret_value(
            SecretId=world.stack.physical_ids["ZoomCredentialsSecret"], SecretString=value
        )
        reset_container()  # the new value is read by a new container

    return arrange


_GOOD_SECRET = json.dumps(
    {
        "account_id": fakes.ACCOUNT_ID,
        "client_id": fakes.CLIENT_ID,
        "client_secret": fakes.CLIENT_SECRET,
    }
)


def _env(name: str, value: str) -> Arrange:
    return lambda world: world.setenv(name, value)


def _env_back(name: str) -> Arrange:
    return lambda world: world.setenv(name, world.stack.environment[name])


def _delete_object(world: World) -> None:
    world.stack.client("s3").delete_object(
        Bucket=world.stack.physical_ids["TemplateBucket"], Key="templates/default.json"
    )


def _live_claim(world: World) -> None:
    """Another execution's CreateMeeting is mid-create (its Zoom call held) when ours starts;
    it finishes a few seconds later. Ours must wait for it, then reuse its meeting."""
    release = threading.Event()
    world.zoom.create.set(("hold", release))
    other = threading.Thread(
        target=create_meeting.handler,
        args=({"date": DAY, "execution_arn": "arn:another-execution"}, fakes.FakeContext()),
    )
    other.start()
    deadline = time.monotonic() + 10
    while world.zoom.create_calls == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    threading.Timer(3, release.set).start()
    world.cleanups.append(other.join)


def _hand_edited(world: World) -> None:
    fakes.put_hand_edited_item(world.stack.client("dynamodb"), world.table, DAY)


def _meeting_id_as_string(world: World) -> None:
    fakes.put_item(world.stack.client("dynamodb"), world.table, DAY, status="created",
                   meeting_id="123", join_url="https://zoom.us/j/123",
                   expires_at=int(time.time()) + 86400)  # fmt: skip


def _operator_note(world: World) -> None:
    fakes.put_item(world.stack.client("dynamodb"), world.table, DAY, status="creating",
                   claim_owner="arn:dead-execution", claim_expires_at=1,
                   expires_at=int(time.time()) + 86400, operator_note="checked by Ana")  # fmt: skip


_DAILY_LIMIT = {
    "code": 429,
    "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API "
    "requests permitted for this particular user. You may resume these requests at GMT 00:00:00.",
}


_DAILY_LIMIT_HEADERS = {"X-RateLimit-Type": "Daily-limit", "Retry-After": "2026-11-28T00:00:00Z"}


def _zoom_ignores_timezones(world: World) -> None:
    world.zoom.known_timezones = frozenset({"UTC"})


def _operator_fixes_timezone(world: World) -> None:
    """As the failure report says: delete the misplaced meeting, use a zone Zoom knows."""
    for meeting_id in list(world.zoom.meetings):
        world.zoom.delete(meeting_id)
    world.zoom.known_timezones = None


def _remove_item(world: World) -> None:
    world.stack.client("dynamodb").delete_item(
        TableName=world.table, Key={"date": {"S": DAY}, "template": {"S": "default"}}
    )


def _meeting_deleted_in_zoom(world: World) -> None:
    first = world.run()
    assert first.status == "SUCCEEDED"
    world.zoom.delete(next(iter(world.zoom.meetings)))


def _list_refused_after_lost_create(world: World) -> None:
    # Zoom created the meeting and the answer was lost; the token lacks meeting:read, so the
    # lookup is refused (developers.zoom.us/docs/api/rest/error-codes: 4711, "Invalid access
    # token, does not contain scopes").
    world.zoom.create.set(TIMEOUT_AFTER)
    world.zoom.listing.set(
        forever=answer(400, {"code": 4711, "message": "Invalid access token, does not contain "
                                                        "scopes:[meeting:read:list_meetings]"})
    )  # fmt: skip


def _list_scope_added(world: World) -> None:
    world.zoom.listing = Script()


ROWS = [
    # --- S3 ---------------------------------------------------------------------------------
    Row("S3", "bucket missing", _env("TEMPLATE_BUCKET", "no-such-bucket"), "FAILED",
        "TemplateNotFound", fix=_env_back("TEMPLATE_BUCKET")),
    Row("S3", "key missing", _delete_object, "FAILED", "TemplateNotFound",
        fix=_restore_template),
    Row("S3", "invalid JSON", _put_template(b'{"topic": "x",,}'), "FAILED",
        "InvalidMeetingTemplate", fix=_restore_template),
    Row("S3", "schema-invalid template", _put_template({"topic": "t", "duration": 0}), "FAILED",
        "InvalidMeetingTemplate", fix=_restore_template),
    Row("S3", "template that Zoom would make an instant meeting",
        _put_template({"topic": "Stand-up {date}"}), "FAILED", "InvalidMeetingTemplate",
        fix=_restore_template),
    # --- Secrets Manager ----------------------------------------------------------------------
    Row("Secrets Manager", "secret missing", _env("ZOOM_CREDENTIALS_SECRET", "no/such/secret"),
        "FAILED", "ConfigurationError", fix=_env_back("ZOOM_CREDENTIALS_SECRET")),
    Row("Secrets Manager", "secret not JSON", _secret("account=1;secret=2"), "FAILED",
        "ConfigurationError", fix=_secret(_GOOD_SECRET)),
    Row("Secrets Manager", "fields missing", _secret('{"account_id": "a"}'), "FAILED",
        "ConfigurationError", fix=_secret(_GOOD_SECRET)),
    # --- Zoom token ---------------------------------------------------------------------------
    Row("Zoom token", "400 invalid_client",
        fail_zoom_token(forever=answer(400, {"reason": "Invalid client_id or client_secret",
                                         "error": "invalid_client"})),
        "FAILED", "ZoomAuthFailed", fix=heal),
    Row("Zoom token", "401", fail_zoom_token(forever=answer(401, {"reason": "Bad credentials"})),
        "FAILED", "ZoomAuthFailed", fix=heal),
    Row("Zoom token", "503, then up", fail_zoom_token(answer(503, "down")), "SUCCEEDED",
        retried="ZoomUnavailable"),
    Row("Zoom token", "timeout, then up", fail_zoom_token(TIMEOUT_BEFORE), "SUCCEEDED",
        retried="ZoomUnavailable"),
    # --- Zoom create --------------------------------------------------------------------------
    Row("Zoom create", "400 code 300",
        fail_zoom_create(forever=answer(400, {"code": 300, "message": "Invalid start_time."})),
        "FAILED", "ZoomRequestRejected", fix=heal),
    Row("Zoom create", "404 code 1001 (user)",
        fail_zoom_create(forever=answer(404, {"code": 1001, "message": "User does not exist."})),
        "FAILED", "ZoomRequestRejected", fix=heal),
    Row("Zoom create", "429 with Retry-After, then up",
        fail_zoom_create(answer(429, {"code": 429}, {"Retry-After": "1"})), "SUCCEEDED",
        retried="ZoomRateLimited"),
    Row("Zoom create", "429 without Retry-After, all day",
        fail_zoom_create(forever=answer(429, {"code": 429, "message": "Too many requests"})),
        "FAILED", "ZoomRateLimited", fix=heal),
    Row("Zoom create", "500, then up", fail_zoom_create(answer(500, "oops")), "SUCCEEDED",
        retried="ZoomUnavailable"),
    Row("Zoom create", "400 echoing the passcode (never shown)",
        fail_zoom_create(forever=answer(400, {"code": 300,
                                              "message": f"Invalid password {fakes.PASSWORD}"})),
        "FAILED", "ZoomRequestRejected", fix=heal),
    Row("Zoom create", "401 code 124: token renewed, then up",
        fail_zoom_create(answer(401, {"code": 124, "message": "Invalid access token."})),
        "SUCCEEDED"),
    Row("Zoom create", "429 daily limit (permanent), rerun after the reset",
        fail_zoom_create(forever=answer(429, _DAILY_LIMIT, _DAILY_LIMIT_HEADERS)),
        "FAILED", "ZoomDailyLimitReached", fix=heal),
    Row("Zoom create", "timezone not in Zoom's list: account zone used (reported)",
        _zoom_ignores_timezones, "FAILED", "ZoomMeetingMisplaced", fix=_operator_fixes_timezone),
    Row("Zoom create", "503 all day", fail_zoom_create(forever=answer(503, "")), "FAILED",
        "ZoomUnavailable", fix=heal),
    Row("Zoom create", "timeout before Zoom created it", fail_zoom_create(TIMEOUT_BEFORE),
        "SUCCEEDED", retried="ZoomUnavailable"),
    Row("Zoom create", "timeout after Zoom created it (adopted)",
        fail_zoom_create(TIMEOUT_AFTER), "SUCCEEDED", retried="ZoomUnavailable"),
    Row("Zoom create", "connection reset after Zoom created it (adopted)",
        fail_zoom_create(RESET_AFTER), "SUCCEEDED", retried="ZoomUnavailable"),
    Row("Zoom create", "malformed 2xx, meeting created (adopted on rerun)",
        fail_zoom_create(GARBAGE_AFTER), "FAILED", "ZoomResponseInvalid", fix=nothing),
    Row("Zoom create", "timeout after Zoom created it, then List refused (4711: scope added, "
        "redriven, adopted)", _list_refused_after_lost_create, "FAILED", "ZoomAuthFailed",
        fix=_list_scope_added, retried="ZoomUnavailable"),
    # --- Zoom get -----------------------------------------------------------------------------
    Row("Zoom get", "recorded meeting deleted (3001): recreated", _meeting_deleted_in_zoom,
        "SUCCEEDED", announced=2),
    # --- DynamoDB -----------------------------------------------------------------------------
    Row("DynamoDB", "GetItem throttled twice (botocore retries)",
        lambda w: throttle(w, "GetItem", 2), "SUCCEEDED"),
    Row("DynamoDB", "GetItem throttled past botocore's retries",
        lambda w: throttle(w, "GetItem", 3), "SUCCEEDED", retried="AwsUnavailable"),
    Row("DynamoDB", "PutItem throttled twice", lambda w: throttle(w, "PutItem", 2), "SUCCEEDED"),
    Row("DynamoDB", "live claim of another execution (a real one, mid-create)", _live_claim,
        "SUCCEEDED", retried="MeetingCreationInProgress"),
    Row("DynamoDB", "hand-edited item fails validation", _hand_edited, "FAILED",
        "InvalidMeetingRecord", fix=_remove_item),
    Row("DynamoDB", "hand-edited meeting_id saved as a string", _meeting_id_as_string,
        "FAILED", "InvalidMeetingRecord", fix=_remove_item),
    Row("DynamoDB", "operator's extra attribute on the item", _operator_note, "SUCCEEDED"),
    # --- Slack --------------------------------------------------------------------------------
    Row("Slack", "400 invalid_payload", fail_slack(forever=answer(400, "invalid_payload")),
        "FAILED", "SlackWebhookRejected", fix=heal, blocks_reports=True),
    Row("Slack", "403 action_prohibited", fail_slack(forever=answer(403, "action_prohibited")),
        "FAILED", "SlackWebhookRejected", fix=heal, blocks_reports=True),
    Row("Slack", "404 channel_not_found", fail_slack(forever=answer(404, "channel_not_found")),
        "FAILED", "SlackWebhookRejected", fix=heal, blocks_reports=True),
    Row("Slack", "410 channel_is_archived", fail_slack(forever=answer(410, "channel_is_archived")),
        "FAILED", "SlackWebhookRejected", fix=heal, blocks_reports=True),
    Row("Slack", "429, then up", fail_slack(answer(429, "rate_limited", {"Retry-After": "1"})),
        "SUCCEEDED", retried="SlackRateLimited"),
    Row("Slack", "503, then up", fail_slack(answer(503, "")), "SUCCEEDED",
        retried="SlackUnavailable"),
    Row("Slack", "connect timeout (nothing sent), then up", fail_slack(CONNECT_TIMEOUT),
        "SUCCEEDED", retried="SlackUnavailable"),
    Row("Slack", "connection refused, then up", fail_slack(REFUSED), "SUCCEEDED",
        retried="SlackUnavailable"),
    Row("Slack", "500 rollup_error, not posted (not reposted)",
        fail_slack(answer(500, "rollup_error")), "FAILED", "AnnouncementUncertain", fix=nothing,
        rerun_status="FAILED", announced=0),
    Row("Slack", "500 rollup_error after posting (not reposted)",
        fail_slack(answer_after(500, "rollup_error")), "FAILED", "AnnouncementUncertain",
        fix=nothing, rerun_status="FAILED"),
    Row("Slack", "502 after posting (not reposted)", fail_slack(answer_after(502, "")),
        "FAILED", "AnnouncementUncertain", fix=nothing, rerun_status="FAILED"),
    Row("Slack", "504, not posted (not reposted)", fail_slack(answer(504, "")), "FAILED",
        "AnnouncementUncertain", fix=nothing, rerun_status="FAILED", announced=0),
    Row("Slack", "timeout before Slack got it (not reposted)", fail_slack(TIMEOUT_BEFORE),
        "FAILED", "AnnouncementUncertain", fix=nothing, rerun_status="FAILED", announced=0),
    Row("Slack", "timeout after Slack posted it (not reposted)", fail_slack(TIMEOUT_AFTER),
        "FAILED", "AnnouncementUncertain", fix=nothing, rerun_status="FAILED"),
    # --- the process killed at each step boundary ---------------------------------------------
    Row("Lambda killed", "after the claim (and its attempt marker), before calling Zoom",
        lambda w: once(w, store_module.MeetingStore, "claim", after=True), "FAILED",
        "UnexpectedError", fix=nothing),
    Row("Lambda killed", "after Zoom's 201, before recording it (adopted on rerun)",
        lambda w: once(w, store_module.MeetingStore, "complete"), "FAILED", "UnexpectedError",
        fix=nothing),
    Row("Lambda killed", "after recording the meeting",
        lambda w: once(w, store_module.MeetingStore, "complete", after=True), "FAILED",
        "UnexpectedError", fix=nothing),
    Row("Lambda killed", "after the announcement claim, before posting",
        lambda w: once(w, store_module.MeetingStore, "mark_notify_attempt"), "FAILED",
        "UnexpectedError", fix=nothing),
    Row("Lambda killed", "after posting, before marking notified (not reposted)",
        lambda w: once(w, store_module.MeetingStore, "mark_notified"), "FAILED",
        "UnexpectedError", fix=nothing, rerun_status="FAILED"),
    # --- Lambda stopping a function at its timeout (Sandbox.Timedout), retried in place -------
    Row("Lambda timeout", "CreateMeeting, after Zoom created it (adopted on the retry)",
        lambda w: once(w, store_module.MeetingStore, "complete", crash=LambdaTimedOut),
        "SUCCEEDED", retried="Sandbox.Timedout"),
    Row("Lambda timeout", "CreateMeeting, reported as Lambda.Unknown (the documented name)",
        lambda w: once(w, store_module.MeetingStore, "complete", crash=LambdaTimedOutUnknown),
        "SUCCEEDED", retried="Lambda.Unknown"),
    Row("Lambda timeout", "NotifyMeeting, before posting (posted on the retry)",
        lambda w: once(w, store_module.MeetingStore, "mark_notify_attempt", crash=LambdaTimedOut),
        "SUCCEEDED", retried="Sandbox.Timedout"),
    Row("Lambda timeout", "NotifyMeeting, after posting (never reposted)",
        lambda w: once(w, store_module.MeetingStore, "mark_notified", crash=LambdaTimedOut),
        "FAILED", "AnnouncementUncertain", fix=nothing, rerun_status="FAILED"),
]  # fmt: skip


@pytest.fixture
def world(stack: LocalStack, http: aioresponses, monkeypatch: pytest.MonkeyPatch) -> World:
    return World.mounted(stack, http, monkeypatch)


def _retried(report: ExecutionReport) -> list[str]:
    """The errors of the task attempts that failed, from the execution's history."""
    return [
        str(event["taskFailedEventDetails"].get("error"))
        for event in report.events
        if event["type"] == "TaskFailed"
    ]


def _failed_state(report: ExecutionReport) -> str:
    return report.visits[-1].name


def _route(report: ExecutionReport) -> str:
    return report.status if report.status == "SUCCEEDED" else (
        f"{report.status} at {_failed_state(report)}")  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_the_promise_holds_under_fault(
    row: Row, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    row.arrange(world)
    first = world.run()
    assert first.status == row.status, first.error
    if row.error:
        assert first.error == row.error, first.cause
    if row.retried:
        assert row.retried in _retried(first), _retried(first)
    final = first
    if row.fix is not None:
        row.fix(world)
        world.expire_leases()
        final = world.redrive(first)
        assert (final.arn, final.redrive_count) == (first.arn, 1)
        assert final.status == row.rerun_status, final.cause
        # Redrive reruns the failed step, not the ones that had succeeded.
        assert final.states[0] == _failed_state(first)
    world.finish()

    # At most one meeting exists at Zoom for the day, and it is the recorded one.
    assert len(world.zoom.meetings) == (1 if row.meeting else 0)
    item = world.item()
    if row.meeting:
        assert item is not None
        assert int(item["meeting_id"]) in world.zoom.meetings
    # No meeting was announced twice.
    announced = [fakes.join_button_url(post) for post in world.slack.announcements]
    assert len(announced) == row.announced
    assert len(set(announced)) == len(announced)
    if final.status == "SUCCEEDED":
        assert item is not None
        assert item["status"] == "notified"
    # Every failed execution's report reached Slack or was raised for the dead-letter queue.
    runs = [first] if final is first else [first, final]
    failed_runs = sum(report.status == "FAILED" for report in runs)
    if row.blocks_reports:
        assert len(world.slack.failure_reports) + len(world.undelivered) == failed_runs
    else:
        assert world.undelivered == []
        assert len(world.slack.failure_reports) == failed_runs
    # No secret anywhere but the passcode inside the announcement.
    shown = "\n".join(
        [*world.shown, capsys.readouterr().out]
        + [
            json.dumps(post)
            for post in world.slack.channel
            if post not in world.slack.announcements
        ]
    )
    leaks = [secret for secret in fakes.SECRET_VALUES if secret in shown]
    for announcement in world.slack.announcements:
        text = json.dumps(announcement)
        leaks += [s for s in fakes.SECRET_VALUES if s in text and s != fakes.PASSWORD]
    assert leaks == []

    MATRIX.append(
        {
            "group": row.group,
            "fault": row.fault,
            "route": _route(first),
            "error": first.error or "",
            "redrive": final.status if row.fix is not None else "",
            "meetings": str(len(world.zoom.meetings)),
            "announced": str(len(world.slack.announcements)),
            "reports": str(len(world.slack.failure_reports)) + (
                f" (+{len(world.undelivered)} to DLQ)" if world.undelivered else ""),
            "leaks": str(len(leaks)),
        }
    )  # fmt: skip
