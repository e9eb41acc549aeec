"""Every silent path ends in an alarm or a report: the local stack, its schedule run as
EventBridge Scheduler runs it, the metrics the handlers' log lines carry, and the template's
own alarms evaluated on them.

A day is picked in the future (the dispatcher measures lateness against the real clock), and
the schedule runs from before the announcement (08:15 UTC for a 09:30 Paris stand-up in
winter, 07:15 in summer) to well past its grace period.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.support import fakes
from zoom_notifier.local.faults import answer
from zoom_notifier.local.loopback import SlackServer, ZoomServer
from zoom_notifier.local.runner import LocalRun, ZoomAccess
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.zoom_model import ZoomModel

ZOOM = ZoomAccess(
    account_id=fakes.ACCOUNT_ID,
    client_id=fakes.CLIENT_ID,
    client_secret=fakes.CLIENT_SECRET,
    user_id=fakes.ZOOM_USER,
)
WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI"]


def _next(weekday: int) -> date:
    """A coming date of that weekday (0 is Monday), at least a week away."""
    day = datetime.now(UTC).date() + timedelta(days=7)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


class World:
    def __init__(self, local: LocalRun, zoom: ZoomModel, slack: SlackModel) -> None:
        self.local, self.zoom, self.slack = local, zoom, slack

    def upload(self, **changes: object) -> None:
        template = {**fakes.TEMPLATE, "notifier": {"days": WEEKDAYS}, **changes}
        self.local.upload_template(json.dumps(template).encode(), "team")

    def alarms_in_alarm(self, at: datetime) -> list[str]:
        return sorted(name for name, state in self.local.alarms(at).items() if state == "ALARM")

    def reports_in_slack(self) -> list[str]:
        """Deliver the failure topic's messages to notify_failure; what Slack then shows."""
        self.local.deliver_failures()
        return [payload["text"] for payload in self.slack.channel]


def _world(timezone: str = "Europe/Paris") -> Iterator[World]:
    zoom_model = ZoomModel(fakes.ACCOUNT_ID, fakes.CLIENT_ID, fakes.CLIENT_SECRET)
    slack_model = SlackModel()
    with (
        ZoomServer(zoom_model) as zoom,
        SlackServer(slack_model) as slack,
        LocalRun(
            zoom=replace(ZOOM, api_url=zoom.api_url, oauth_url=zoom.oauth_url),
            webhook_url=slack.webhook_url,
            meeting_timezone=timezone,
            allow_loopback=True,
            log_stream=io.StringIO(),
        ) as local,
    ):
        yield World(local, zoom_model, slack_model)


@pytest.fixture
def world() -> Iterator[World]:
    yield from _world()


def _morning(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
    return start, start + timedelta(hours=4)


def test_a_working_day_ends_announced_with_its_metrics_and_no_alarm(world: World) -> None:
    world.upload()
    start, end = _morning(_next(4))

    run = world.local.run_schedule(start, end)

    assert [report.status for report in run.executions] == ["SUCCEEDED"]
    assert len(world.slack.channel) == 1
    metrics = world.local.metrics
    assert metrics.total("Announced", template="team") == 1
    assert metrics.total("DispatchTicks") == 4 * 12 + 1
    delays = [point for point in metrics.points if point.name == "AnnouncementDelay"]
    assert len(delays) == 2  # for the service and for the template (its value: unit tests)
    assert world.alarms_in_alarm(end) == []


def test_a_day_off_never_alarms_nor_reports(world: World) -> None:
    world.upload()
    start, end = _morning(_next(5))  # a Saturday: not in the template's days

    run = world.local.run_schedule(start, end)

    assert [report.status for report in run.executions] == ["SUCCEEDED"]
    assert world.local.metrics.total("Skipped", template="team") == 1
    assert world.local.metrics.total("Overdue") == 0
    assert world.reports_in_slack() == []
    assert world.alarms_in_alarm(end) == []


def test_a_schedule_disabled_after_check_sets_off_the_dead_mans_switch(world: World) -> None:
    world.upload()
    start, end = _morning(_next(4))
    stack = world.local.stack
    assert stack is not None
    scheduler = stack.client("scheduler")
    schedule = scheduler.get_schedule(Name=stack.physical_ids["DispatchSchedule"])
    fields = ("Name", "ScheduleExpression", "FlexibleTimeWindow", "Target")
    scheduler.update_schedule(**{key: schedule[key] for key in fields}, State="DISABLED")

    run = world.local.run_schedule(start, end)

    assert run.executions == []
    assert run.undelivered == 4 * 12 + 1
    assert world.slack.channel == []  # nothing announced, and nothing else would say so ...
    alarm = stack.alarms["DispatcherStoppedAlarm"]  # ... but the switch does,
    assert world.alarms_in_alarm(end) == ["DispatcherStoppedAlarm"]
    assert alarm["ActionsEnabled"] is True  # and it reaches the alarm topic and Slack
    assert alarm["AlarmActions"] == [stack.arns["AlarmTopic"], stack.arns["FailureTopic"]]
    (shown,) = world.reports_in_slack()
    assert "DispatcherStoppedAlarm is ALARM" in shown


def test_a_dispatcher_failing_every_tick_sets_off_the_dead_mans_switch() -> None:
    # A MeetingTimezone one letter off deploys; every tick then raises ConfigurationError.
    for world in _world(timezone="Europe/Pariss"):
        world.upload()
        start, end = _morning(_next(4))

        run = world.local.run_schedule(start, end)

        assert run.executions == []
        assert len(run.failed) == 4 * 12 + 1
        assert "MEETING_TIMEZONE" in run.failed[0]
        assert world.alarms_in_alarm(start + timedelta(minutes=15)) == ["DispatcherStoppedAlarm"]


def test_a_lost_failure_event_is_reported_by_the_dispatcher_30_minutes_after(
    world: World,
) -> None:
    world.upload()
    world.zoom.create.set(forever=answer(503, "Service Temporarily Unavailable"))
    day = _next(4)
    start, end = _morning(day)

    run = world.local.run_schedule(start, end)
    deliveries = world.local.deliver_failures(lose_status_changes=True)

    assert [report.status for report in run.executions] == ["FAILED"]
    # The status change's event is lost; the dispatcher's report of the day is what remains,
    # and it reaches Slack with what is known and the command that reruns the day.
    assert [delivery.error for delivery in deliveries] == [None]
    (shown,) = [payload["text"] for payload in world.slack.channel]
    assert "zoom-notifier: meetings not announced" in shown
    assert f"team on {day}, due at 08:15 UTC" in json.dumps(world.slack.channel)
    assert "zoom-notifier rerun arn:aws:states:" in json.dumps(world.slack.channel)
    assert world.zoom.meetings == {}
    assert world.local.metrics.total("Overdue", template="team") == 1
    overdue_at = datetime(day.year, day.month, day.day, 8, 45, tzinfo=UTC)
    assert world.alarms_in_alarm(overdue_at) == ["MeetingsOverdueAlarm"]


def test_a_day_whose_notify_failed_unreported_is_reported_by_the_dispatcher(
    world: World,
) -> None:
    world.upload()
    world.slack.script.set(forever=answer(503, "service unavailable"))
    day = _next(4)
    start, end = _morning(day)

    run = world.local.run_schedule(start, end)
    world.slack.script.set()  # Slack is back; the event of the failure was lost
    world.local.deliver_failures(lose_status_changes=True)

    assert [report.status for report in run.executions] == ["FAILED"]
    assert len(world.zoom.meetings) == 1  # created, never announced
    text = json.dumps(world.slack.channel)
    assert "meetings not announced" in text
    assert "NotifyMeeting never announced it" in text
    assert world.local.metrics.total("Announced") == 0
