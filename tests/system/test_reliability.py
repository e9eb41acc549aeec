"""Concurrency and repeated reruns through the real state machine."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.mounted import mount_slack
from tests.support.world import World, fail_slack, fail_zoom_create, heal, once, throttle
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.executions import ExecutionReport, run_execution
from zoom_notifier.local.faults import GARBAGE_AFTER, TIMEOUT_AFTER, Script, answer
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.stack import LocalStack, shorten_retries
from zoom_notifier.runtime.container import reset_container
from zoom_notifier.services.meeting_store import MeetingStore

DAY = "2026-11-27"
RETRIED_WHILE_WAITING = {"MeetingCreationInProgress", "NotificationInProgress"}


def _wait(stack: LocalStack, arns: list[str], timeout: float = 120) -> list[dict[str, Any]]:
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        described = [sfn.describe_execution(executionArn=arn) for arn in arns]
        if all(d["status"] != "RUNNING" for d in described) or time.monotonic() > deadline:
            return described
        time.sleep(0.1)


def _patient_waiting(definition: dict[str, Any]) -> dict[str, Any]:
    """1-second retries, with as many waits on another execution's claim as fit in the real
    budget (about 200 s): a flat 1 s times the real attempt count would be a far smaller window
    than production has, and a busy test machine could exhaust it."""
    shortened = shorten_retries(definition)
    for state in shortened["States"].values():
        for retrier in state.get("Retry", []):
            if set(retrier["ErrorEquals"]) & RETRIED_WHILE_WAITING:
                retrier["MaxAttempts"] = 30
    return shortened


def test_twenty_executions_at_once_make_one_meeting_and_one_announcement(
    local_aws: LocalAws, http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = fakes.deploy_stack(local_aws, transform=_patient_waiting)
    for name, value in stack.environment.items():
        monkeypatch.setenv(name, value)
    world = World.mounted(stack, http, monkeypatch)
    zoom, slack = world.zoom, world.slack
    sfn = stack.client("stepfunctions")

    arns = [
        sfn.start_execution(
            stateMachineArn=stack.state_machine_arn,
            name=f"concurrent-{n}-{uuid.uuid4().hex[:6]}",
            input=json.dumps({"date": DAY}),
        )["executionArn"]
        for n in range(20)
    ]
    described = _wait(stack, arns)

    assert Counter(d["status"] for d in described) == {"SUCCEEDED": 20}
    assert zoom.create_calls == 1
    assert len(zoom.meetings) == 1
    assert len(slack.announcements) == 1
    waited = 0
    for arn in arns:
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        errors = {
            event["taskFailedEventDetails"]["error"]
            for event in events
            if event["type"] == "TaskFailed"
        }
        assert errors <= RETRIED_WHILE_WAITING
        waited += bool(errors)
    assert waited > 0, "no execution ever met another's claim: not concurrent?"
    item = fakes.stack_item(stack, DAY)
    assert item is not None
    assert item["status"] == "notified"


# --- 50 reruns of a failed day with random faults ----------------------------------------------


def _token_refused_in_a_new_container(world: World) -> None:
    reset_container()
    world.zoom.token.set(forever=answer(401, {"reason": "Bad credentials"}))


def _host_deleted_the_meeting(world: World) -> None:
    for meeting_id in list(world.zoom.meetings):
        world.zoom.delete(meeting_id)


# (name, how to inject it): each leaves the day failed, done, or in between.
_FAULTS: list[tuple[str, Any]] = [
    ("nothing", lambda world: None),
    ("zoom create 503 once", fail_zoom_create(answer(503, ""))),
    ("zoom create 503 all day", fail_zoom_create(forever=answer(503, ""))),
    ("zoom create timeout after creating", fail_zoom_create(TIMEOUT_AFTER)),
    ("zoom create garbage after creating", fail_zoom_create(GARBAGE_AFTER)),
    ("slack 500 once", fail_slack(answer(500, "x"))),
    ("slack archived", fail_slack(forever=answer(410, "channel_is_archived"))),
    ("dynamodb PutItem throttled", lambda world: throttle(world, "PutItem", 2)),
    ("killed before recording", lambda world: once(world, MeetingStore, "complete")),
    ("killed after recording", lambda world: once(world, MeetingStore, "complete", after=True)),
    ("killed before posting", lambda world: once(world, MeetingStore, "mark_notify_attempt")),
    # Faults that also reach a day already done:
    ("token refused in a new container", _token_refused_in_a_new_container),
    ("host deleted the meeting", _host_deleted_the_meeting),
    ("dynamodb GetItem throttled all day", lambda world: throttle(world, "GetItem", 100)),
]


def _announced(slack: SlackModel) -> list[str]:
    return [fakes.join_button_url(post) for post in slack.announcements]


Day = dict[str, str]


def _run_the_day(world: World, days: Sequence[Day]) -> list[ExecutionReport]:
    """Time passes (the leases dead executions left expire), then each of ``days`` runs once."""
    for day in days:
        world.expire_leases(day.get("template", "default"))
    return [run_execution(world.stack, day, timeout=60) for day in days]


def _rerun_under_a_fault(
    world: World, rng: random.Random, days: Sequence[Day], also: Callable[[], object] = list
) -> tuple[str, list[ExecutionReport]]:
    """One rerun of ``days`` under a fault drawn from the seeded schedule (and ``also``, drawn
    after it), healed afterwards: the fault's name and the executions' reports."""
    name, inject = rng.choice(_FAULTS)
    with world.monkeypatch.context() as scoped:
        world.monkeypatch = scoped
        inject(world)
        also()
        reports = _run_the_day(world, days)
    heal(world)
    return name, reports


def test_fifty_reruns_with_random_faults_keep_the_promise(
    stack: LocalStack, http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(20261127)
    world = World.mounted(stack, http, monkeypatch)
    zoom, slack = world.zoom, world.slack
    history: list[tuple[str, str]] = []
    reports: list[ExecutionReport] = []
    # The day fails first: Zoom created the meeting but answered garbage.
    zoom.create.set(GARBAGE_AFTER)
    failed_day = run_execution(stack, {"date": DAY}, timeout=60)
    assert failed_day.status == "FAILED"

    for rerun in range(50):
        world = World(stack, zoom, slack, monkeypatch)
        name, (report,) = _rerun_under_a_fault(world, rng, [{"date": DAY}])
        reports.append(report)
        history.append((name, report.status))

        # The invariant, after every single rerun.
        assert len(zoom.meetings) <= 1, (rerun, name)
        assert len(set(_announced(slack))) == len(_announced(slack)), (rerun, name)
        item = fakes.stack_item(stack, DAY)
        if zoom.meetings and item is not None and item.get("meeting_id"):
            assert int(item["meeting_id"]) in zoom.meetings, (rerun, name)
        if report.status == "SUCCEEDED":
            assert item is not None
            assert item["status"] == "notified"
            (live,) = zoom.meetings.values()
            assert _announced(slack).count(live["join_url"]) == 1, (rerun, name)

    assert len(reports) == 50
    faults = Counter(name for name, _ in history)
    assert len(faults) >= 8, faults  # the seeded schedule exercises most faults
    assert {status for _, status in history} == {"SUCCEEDED", "FAILED"}
    # Once every fault is gone, the day completes: one meeting, announced once.
    (final,) = _run_the_day(World(stack, zoom, slack, monkeypatch), [{"date": DAY}])
    assert final.status == "SUCCEEDED"
    (live,) = zoom.meetings.values()
    assert _announced(slack).count(live["join_url"]) == 1


TEAM_B_PATH = "/services/T0FAKE/B0TEAMB/FAKEteamBwebhook9a8b"
TEAM_B_HOST = "team-b-host@example.com"


def test_several_templates_on_one_day_with_random_faults_each_get_one_meeting_in_their_channel(
    stack: LocalStack, http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two templates share the day, the stack and Zoom: each keeps its own promise, one
    meeting for its own host, announced once in its own channel, whatever the other does."""
    rng = random.Random(20261126)
    world = World.mounted(stack, http, monkeypatch)
    zoom, slack = world.zoom, world.slack
    team_b = SlackModel(path=TEAM_B_PATH)
    mount_slack(team_b, http, base_url="https://hooks.slack.com")
    stack.client("secretsmanager").create_secret(
        Name="zoom-notifier/team-b/webhook", SecretString=f"https://hooks.slack.com{TEAM_B_PATH}"
    )
    fakes.put_stack_template(stack, {**fakes.TEMPLATE, "topic": "Team A"}, "team-a")
    fakes.put_stack_template(
        stack,
        {**fakes.TEMPLATE, "topic": "Team B", "timezone": "Asia/Tokyo",
         "notifier": {"zoom_user_id": TEAM_B_HOST,
                      "slack": {"webhook_secret": "zoom-notifier/team-b/webhook"}}},
        "team-b",
    )  # fmt: skip
    channels = {"team-a": slack, "team-b": team_b}
    hosts = {"team-a": fakes.ZOOM_USER, "team-b": TEAM_B_HOST}

    def live(template: str) -> list[dict[str, Any]]:
        return [m for m in zoom.meetings.values() if m["host_email"] == hosts[template]]

    days = [{"date": DAY, "template": template} for template in channels]

    def team_b_rate_limited_at_random() -> None:
        if rng.random() < 0.5:  # team B's channel rate-limits its first post
            team_b.script.set(answer(429, "rate_limited", {"Retry-After": "1"}))

    for rerun in range(12):
        world = World(stack, zoom, slack, monkeypatch)
        name, _ = _rerun_under_a_fault(world, rng, days, also=team_b_rate_limited_at_random)
        team_b.script = Script()
        for template, channel in channels.items():
            assert len(live(template)) <= 1, (rerun, name, template)
            announced = _announced(channel)
            assert len(set(announced)) == len(announced), (rerun, name, template)

    finals = _run_the_day(World(stack, zoom, slack, monkeypatch), days)
    assert [final.status for final in finals] == ["SUCCEEDED", "SUCCEEDED"]
    for template, channel in channels.items():
        (meeting,) = live(template)
        assert _announced(channel).count(meeting["join_url"]) == 1, template
        other = channels["team-b" if template == "team-a" else "team-a"]
        assert meeting["join_url"] not in _announced(other), template
