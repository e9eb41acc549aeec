"""The fault matrix's rows for an announcement that follows its meeting (Slack app mode), end to
end: the day created and announced by the real state machine; Zoom's event notifications sent
as the Zoom model sends them (signed, retried 5/20/60 "minutes" later on anything but a 200
within three seconds) to the inbound function's entry point; its edit job run by Lambda's
asynchronous invoke (retried twice). Each row asserts what the team sees: the announcement in
the channel, the replies in its thread, and how many edits Slack was asked for.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.world import Day, app_mode_stack, throttle_dynamodb, wait_for
from zoom_notifier.handlers import inbound
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.executions import run_execution
from zoom_notifier.local.faults import TIMEOUT_AFTER, answer
from zoom_notifier.local.function_url import request_event
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_events import ZoomEvents
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.container import reset_container

CHANNEL = fakes.SLACK_APP_CHANNEL


class Inbound:
    """The Function URL as Zoom reaches it: each request through the entry point, timed."""

    def __init__(self) -> None:
        self.answers: list[int] = []

    def __call__(self, body: bytes, headers: Mapping[str, str]) -> tuple[int | None, float]:
        started = time.perf_counter()
        reply = inbound.handler(
            request_event("POST", "/zoom/events", dict(headers), body), fakes.FakeContext()
        )
        self.answers.append(int(reply["statusCode"]))
        return int(reply["statusCode"]), time.perf_counter() - started


class Edits:
    """How many chat.update calls Slack answered ok (what the edits cost the rate limit)."""

    def __init__(self, workspace: SlackApiModel) -> None:
        self.count = 0
        original = workspace._update

        def counted(channel: str, arguments: Mapping[str, Any]) -> Any:
            reply = original(channel, arguments)
            self.count += bool(reply.body.get("ok"))
            return reply

        workspace._update = counted  # type: ignore[method-assign]


class Life:
    """One row's world: the stack, Zoom and its events, the channel."""

    def __init__(self, stack: LocalStack, zoom: ZoomModel, workspace: SlackApiModel) -> None:
        self.stack, self.zoom, self.workspace = stack, zoom, workspace
        self.door = Inbound()
        self.events = ZoomEvents(zoom, self.door, fakes.ZOOM_SECRET_TOKEN, minute=0.01)
        self.edits = Edits(workspace)
        (self.meeting_id,) = zoom.meetings
        self.start = datetime.now(UTC).replace(microsecond=0)
        self.person = {name: self.events.participant(name) for name in ("Ada", "Grace", "Alan")}

    def at(self, minutes: int) -> str:
        return (self.start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def announcement(self) -> str:
        (message,) = [m for m in self.workspace.messages(CHANNEL) if "metadata" in m]
        return str(message["text"]) + json.dumps(message["blocks"], ensure_ascii=False)

    def thread(self) -> list[str]:
        return [m["text"] for m in self.workspace.messages(CHANNEL) if "thread_ts" in m]

    def shows(self, *texts: str) -> Callable[[], bool]:
        return lambda: all(text in self.announcement() for text in texts)

    def settled(self) -> Callable[[], bool]:
        """No edit due any more and the announcement shows the item's last version."""

        def probe() -> bool:
            item = fakes.stack_item(self.stack, self._date())
            return (
                item is not None
                and "life_edit_due" not in item
                and item.get("life_shown") == item.get("life_version")
            )

        return probe

    def _date(self) -> str:
        (item,) = self.stack.client("dynamodb").scan(
            TableName=self.stack.physical_ids["MeetingsTable"]
        )["Items"]
        return str(item["date"]["S"])


@pytest.fixture
def life(local_aws: LocalAws, http: aioresponses, monkeypatch: pytest.MonkeyPatch) -> Life:
    stack, zoom, workspace = app_mode_stack(local_aws, http, monkeypatch)
    monkeypatch.setenv("ANNOUNCEMENT_EDIT_SECONDS", "1")
    reset_container()
    day = Day()
    template = {**fakes.TEMPLATE, "timezone": day.zone, "start_time": day.start,
                "notifier": {"recording": True}}  # fmt: skip
    fakes.put_stack_template(stack, template, name="default")
    report = run_execution(stack, {"date": day.date}, timeout=60)
    assert report.status == "SUCCEEDED", report.cause
    return Life(stack, zoom, workspace)


def test_healthy_the_announcement_follows_the_meeting_once_per_change(life: Life) -> None:
    ada, grace, alan = life.person.values()

    assert life.events.started(life.meeting_id, life.at(0)).delivered
    wait_for(life.shows("*Live* since", "0 people in the meeting"))
    for person in (ada, grace, alan):
        life.events.joined(life.meeting_id, person, life.at(0), life.at(1))
    life.events.left(life.meeting_id, alan, life.at(0), life.at(5))
    wait_for(life.shows("2 people in the meeting"))
    wait_for(life.settled())
    assert life.edits.count <= 3  # started, then the burst of four in one or two edits
    life.events.ended(life.meeting_id, life.at(0), life.at(16))
    wait_for(life.shows("*Ended*", "after 16 minutes", "3 people attended (distinct)"))
    assert "Join meeting" not in life.announcement()
    life.events.recording_completed(life.meeting_id, life.at(0))
    wait_for(lambda: len(life.thread()) == 1)

    (reply,) = life.thread()
    assert f"https://zoom.us/rec/share/local-{life.meeting_id}?pwd=localPlay" in reply
    assert "download" not in reply
    assert all(delivery.tries == ("200",) for delivery in life.events.deliveries)


def test_an_event_twice_is_one_change_and_one_edit(life: Life) -> None:
    life.events.started(life.meeting_id, life.at(0))
    life.events.started(life.meeting_id, life.at(0))
    wait_for(life.shows("*Live*"))
    wait_for(life.settled())
    time.sleep(1.5)  # a second job, if one had been queued, would have run by now

    assert life.edits.count == 1
    assert life.door.answers == [200, 200]


def test_events_out_of_order_end_ended_with_every_participant_counted(life: Life) -> None:
    ada, grace, _ = life.person.values()
    life.events.ended(life.meeting_id, life.at(0), life.at(20))
    life.events.left(life.meeting_id, ada, life.at(0), life.at(19))
    life.events.joined(life.meeting_id, grace, life.at(0), life.at(2))
    life.events.started(life.meeting_id, life.at(0))
    life.events.joined(life.meeting_id, ada, life.at(0), life.at(1))

    wait_for(life.shows("*Ended*", "after 20 minutes", "2 people attended"))
    wait_for(life.settled())
    assert "*Live*" not in life.announcement()


def test_an_edit_that_times_out_is_made_by_lambda_s_retry_of_the_job(life: Life) -> None:
    life.workspace.scripts["chat.update"].set(TIMEOUT_AFTER)

    assert life.events.started(life.meeting_id, life.at(0)).delivered
    wait_for(life.settled())

    assert "*Live*" in life.announcement()


def test_the_endpoint_cold_answers_zoom_within_three_seconds(life: Life) -> None:
    reset_container()  # a new container: settings, secrets, clients all read anew

    delivery = life.events.started(life.meeting_id, life.at(0))

    assert delivery.tries == ("200",)  # a "late 200" would have been retried by Zoom
    wait_for(life.shows("*Live*"))


def test_slack_rate_limiting_the_edits_delays_them_and_loses_none(life: Life) -> None:
    limited = answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    life.workspace.scripts["chat.update"].set(limited, limited)
    ada = life.person["Ada"]

    life.events.started(life.meeting_id, life.at(0))
    life.events.joined(life.meeting_id, ada, life.at(0), life.at(1))

    wait_for(life.shows("1 person in the meeting"))
    wait_for(life.settled())


def test_dynamodb_failing_is_a_503_and_zoom_s_retry_records_the_event(
    life: Life, monkeypatch: pytest.MonkeyPatch
) -> None:
    left = throttle_dynamodb(monkeypatch, "Query", times=1)
    reset_container()

    delivery = life.events.started(life.meeting_id, life.at(0))

    assert delivery.tries == ("503", "200")
    assert left == [0]
    wait_for(life.shows("*Live*"))


@pytest.mark.parametrize(
    "forge",
    [
        lambda events, body: events.signed(body, secret="FAKE-another-apps-token-01"),
        lambda events, body: events.signed(body, at=time.time() - 600),
        lambda events, body: {"content-type": "application/json"},
    ],
    ids=["forged", "stale", "unsigned"],
)
def test_a_forged_or_stale_event_is_refused_and_nothing_changes(life: Life, forge: Any) -> None:
    body = life.events.body("meeting.ended", {"id": str(life.meeting_id)})

    status, _ = life.door(body, forge(life.events, body))

    assert status == 401
    item = fakes.stack_item(life.stack, life._date())
    assert item is not None
    assert "life" not in item
    assert life.edits.count == 0


def test_a_url_validation_with_the_wrong_token_fails_and_the_right_one_passes(life: Life) -> None:
    wrong, _ = life.events.validate("qgg8vlvZRS6U", secret="FAKE-another-apps-token-01")
    right, _ = life.events.validate("qgg8vlvZRS6U")

    assert (wrong, right) == (401, 200)


def test_a_meeting_deleted_at_zoom_edits_the_announcement_to_say_so(life: Life) -> None:
    life.zoom.delete(life.meeting_id)

    life.events.deleted(life.meeting_id)

    wait_for(life.shows("Deleted at Zoom"))
    assert "Join meeting" not in life.announcement()
