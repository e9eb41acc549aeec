"""The fault matrix's Slack rows in Slack app mode, through the real state machine.

The same Slack faults as the webhook matrix (and the Web API's own errors), answered by the Web
API model. The promise here is stronger: a post whose outcome is unknown is looked up in the
channel's history and adopted, so every ambiguous row ends SUCCEEDED with exactly one
announcement, never ``AnnouncementUncertain``; the permanent ones fail at NotifyMeeting with an
error that names the fix, and the bot token appears nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.world import DAY, app_mode_stack
from zoom_notifier.local.aws import LambdaTimedOut, LocalAws
from zoom_notifier.local.executions import redrive_execution, run_execution
from zoom_notifier.local.faults import (
    REFUSED,
    RESET_AFTER,
    TIMEOUT_AFTER,
    TIMEOUT_BEFORE,
    Fault,
    Script,
    answer,
    answer_after,
)
from zoom_notifier.local.slack_api_model import SlackApiModel, slack_error
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.services import meeting_store as store_module

CHANNEL = fakes.SLACK_APP_CHANNEL


@dataclass(frozen=True)
class AppRow:
    name: str
    faults: dict[str, tuple[Fault, ...]]  # Web API method -> its faults, in order
    status: str
    error: str | None = None
    crash: str | None = None  # a MeetingStore method the Lambda is stopped at, once
    # The day then healed: Slack's scripts cleared (the app invited, the scope added) and the
    # failed execution redriven, as an operator does; it must end SUCCEEDED.
    redrive: bool = False
    reminder: bool = False  # the template asks for a reminder (a day ahead, so it is due)
    announced: int | None = None  # announcements when the first run ended (default: by status)


def post(*faults: Fault) -> dict[str, tuple[Fault, ...]]:
    return {"chat.postMessage": faults}


ROWS = [
    # --- ambiguous: Slack may have posted; adopted from the history, never repeated ---------
    AppRow("timeout after Slack posted it", post(TIMEOUT_AFTER), "SUCCEEDED"),
    AppRow("connection reset after posting", post(RESET_AFTER), "SUCCEEDED"),
    AppRow("500 after posting", post(answer_after(500, "")), "SUCCEEDED"),
    AppRow("502 after posting", post(answer_after(502, "")), "SUCCEEDED"),
    AppRow("504, not posted", post(answer(504, "")), "SUCCEEDED"),
    AppRow("timeout before Slack got it", post(TIMEOUT_BEFORE), "SUCCEEDED"),
    AppRow("refused, not posted", post(REFUSED), "SUCCEEDED"),
    AppRow("the lookup itself fails once, then up",
           {"chat.postMessage": (TIMEOUT_AFTER,), "conversations.history": (answer(503, ""),)},
           "SUCCEEDED"),
    AppRow("Lambda timeout after posting (retried)", {}, "SUCCEEDED", crash="mark_notified"),
    # --- transient, surely not posted ---------------------------------------------------------
    AppRow("429 ratelimited with Retry-After, then up",
           post(answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})),
           "SUCCEEDED"),
    # --- ok: false errors Slack documents as "it may have succeeded": looked up ------------
    *(AppRow(f"{error} after posting (looked up, adopted)",
             post(answer_after(200, {"ok": False, "error": error})), "SUCCEEDED")
      for error in ("internal_error", "fatal_error", "service_unavailable", "request_timeout")),
    *(AppRow(f"{error}, not posted (looked up, posted once)",
             post(slack_error(error)), "SUCCEEDED")
      for error in ("internal_error", "service_unavailable")),
    AppRow("legacy rate_limited, then up", post(slack_error("rate_limited")), "SUCCEEDED"),
    # --- a lookup refused after an interrupted post: the marker stays ---------------------
    AppRow("post lost, then the lookup refused (not_in_channel; invited, redriven)",
           {"chat.postMessage": (TIMEOUT_AFTER,),
            "conversations.history": (slack_error("not_in_channel"),)},
           "FAILED", "SlackChannelUnavailable", redrive=True, announced=1),
    AppRow("post lost, then the lookup refused (missing channels:history; added, redriven)",
           {"chat.postMessage": (TIMEOUT_AFTER,),
            "conversations.history": (slack_error("missing_scope", needed="channels:history"),)},
           "FAILED", "ConfigurationError", redrive=True, announced=1),
    # --- the reminder fails after the post: never a second announcement ------------------
    AppRow("reminder: scheduleMessage connection refused, then up",
           {"chat.scheduleMessage": (REFUSED,)}, "SUCCEEDED", reminder=True),
    AppRow("reminder: scheduleMessage restricted_too_many, then up",
           {"chat.scheduleMessage": (slack_error("restricted_too_many"),)}, "SUCCEEDED",
           reminder=True),
    AppRow("reminder: scheduleMessage 429, then up",
           {"chat.scheduleMessage": (answer(429, {"ok": False, "error": "ratelimited"},
                                            {"Retry-After": "1"}),)}, "SUCCEEDED", reminder=True),
    AppRow("reminder: scheduled, its answer lost (found, kept)",
           {"chat.scheduleMessage": (TIMEOUT_AFTER,)}, "SUCCEEDED", reminder=True),
    AppRow("reminder: time_too_far (fixed, redriven: the reminder alone)",
           {"chat.scheduleMessage": (slack_error("time_too_far"),)}, "FAILED",
           "SlackWebhookRejected", reminder=True, redrive=True, announced=1),
    # --- permanent: the Web API's own errors -------------------------------------------------
    AppRow("not_in_channel", post(slack_error("not_in_channel")), "FAILED",
           "SlackChannelUnavailable"),
    AppRow("channel_not_found", post(slack_error("channel_not_found")), "FAILED",
           "SlackChannelUnavailable"),
    AppRow("is_archived", post(slack_error("is_archived")), "FAILED", "SlackChannelUnavailable"),
    AppRow("invalid_auth", post(slack_error("invalid_auth")), "FAILED", "ConfigurationError"),
    AppRow("token_revoked", post(slack_error("token_revoked")), "FAILED", "ConfigurationError"),
    AppRow("missing_scope chat:write",
           post(slack_error("missing_scope", needed="chat:write", provided="channels:history")),
           "FAILED", "ConfigurationError"),
]  # fmt: skip


@pytest.fixture
def app_stack(
    local_aws: LocalAws, http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> tuple[LocalStack, ZoomModel, SlackApiModel]:
    return app_mode_stack(local_aws, http, monkeypatch)


def _stop_before_once(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Lambda stops the function at its timeout once, when it reaches ``MeetingStore.name``
    (for ``mark_notified``: after the post, before its record)."""
    original = getattr(store_module.MeetingStore, name)
    stopped: list[bool] = []

    async def stopping(*args: Any, **kwargs: Any) -> Any:
        if not stopped:
            stopped.append(True)
            raise LambdaTimedOut("killed")
        return await original(*args, **kwargs)

    monkeypatch.setattr(store_module.MeetingStore, name, stopping)


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_every_slack_row_in_app_mode(
    row: AppRow,
    app_stack: tuple[LocalStack, ZoomModel, SlackApiModel],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack, zoom, workspace = app_stack
    day = DAY
    if row.reminder:
        # A day ahead, so that the reminder's time is to come (both clocks are real).
        day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
        fakes.put_stack_template(
            stack, {**fakes.TEMPLATE, "notifier": {"reminder_minutes": 5}}, name="default"
        )
    for method, faults in row.faults.items():
        workspace.scripts[method].set(*faults)
    if row.crash is not None:
        _stop_before_once(monkeypatch, row.crash)

    report = run_execution(stack, {"date": day}, timeout=60)

    assert report.status == row.status, report.cause
    assert report.error == row.error
    announcements = [m for m in workspace.messages(CHANNEL) if "metadata" in m]
    item = fakes.stack_item(stack, day)
    assert item is not None
    expected = row.announced if row.announced is not None else int(row.status == "SUCCEEDED")
    assert len(announcements) == expected  # never two, whatever happened
    if row.status != "SUCCEEDED" and not announcements:
        assert item["status"] == "created"  # the meeting is kept for the redrive
    if row.redrive:
        workspace.scripts = {method: Script() for method in workspace.scripts}
        report = redrive_execution(stack, report, timeout=60)
        assert report.status == "SUCCEEDED", report.cause
        announcements = [m for m in workspace.messages(CHANNEL) if "metadata" in m]
        item = fakes.stack_item(stack, day)
        assert item is not None
    if report.status == "SUCCEEDED":
        (message,) = announcements  # exactly one, whatever happened
        assert (item["status"], item["slack_ts"]) == ("notified", message["ts"])
        assert zoom.create_calls == 1
        if row.reminder:
            (reminder,) = workspace.scheduled  # one reminder, in the announcement's thread
            assert reminder["thread_ts"] == message["ts"]
            assert item["reminder_id"] == reminder["id"]
    assert fakes.SLACK_BOT_TOKEN not in capsys.readouterr().out
    assert fakes.SLACK_BOT_TOKEN not in str(report.cause)
