"""A day's world for the system tests: the deployed stack, the Zoom and Slack models, and the
faults that can be arranged in it (model scripts, AWS throttling, the process killed).

The fault matrix and the reliability tests share it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aioresponses import aioresponses
from botocore.exceptions import ClientError

from tests.support import fakes
from tests.support.mounted import mount_slack, mount_slack_api, mount_zoom
from zoom_notifier.handlers import notify_failure
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.executions import (
    ExecutionReport,
    failure_messages,
    redrive_execution,
    run_execution,
)
from zoom_notifier.local.faults import Fault, Script
from zoom_notifier.local.function_url import function_url_server
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.sns import lambda_event
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.container import reset_container
from zoom_notifier.services import aws as aws_module
from zoom_notifier.services.slack_app import SLACK_API_URL

__all__ = [
    "DAY",
    "Arrange",
    "Day",
    "SimulatedCrash",
    "World",
    "fail_slack",
    "fail_zoom_create",
    "fail_zoom_token",
    "heal",
    "once",
    "served_app_stack",
    "throttle",
    "throttle_dynamodb",
    "wait_for",
]

DAY = "2026-11-27"


class SimulatedCrash(Exception):
    """The Lambda process dying at a step boundary."""


@dataclass
class World:
    """The stack, Zoom and Slack of one test, and everything the outside world was shown."""

    stack: LocalStack
    zoom: ZoomModel
    slack: SlackModel
    monkeypatch: pytest.MonkeyPatch
    undelivered: list[str] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # every text the outside world saw

    @classmethod
    def mounted(
        cls, stack: LocalStack, http: aioresponses, monkeypatch: pytest.MonkeyPatch
    ) -> World:
        """A world whose Zoom and Slack models answer the stack's HTTP calls."""
        zoom, slack = fakes.zoom_model(), fakes.slack_model()
        mount_zoom(zoom, http, api_url=fakes.ZOOM_API, oauth_url=fakes.OAUTH_URL)
        mount_slack(slack, http, base_url="https://hooks.slack.com")
        return cls(stack, zoom, slack, monkeypatch)

    def finish(self) -> None:
        """Wait for what the row started beside the executions (another execution's thread)."""
        for cleanup in self.cleanups:
            cleanup()

    @property
    def table(self) -> str:
        return self.stack.physical_ids["MeetingsTable"]

    def setenv(self, name: str, value: str) -> None:
        self.monkeypatch.setenv(name, value)
        reset_container()  # settings are read once per container: a "new deployment"

    def item(self) -> dict[str, Any] | None:
        return fakes.stack_item(self.stack, DAY)

    def expire_leases(self, template: str = "default") -> None:
        """Let time pass: the leases a dead execution left behind expire."""
        found = fakes.stack_item(self.stack, DAY, template)
        if found is None:
            return
        past = str(int(time.time()) - 1)
        updates = [name for name in ("claim_expires_at", "notify_expires_at") if name in found]
        if updates:
            self.stack.client("dynamodb").update_item(
                TableName=self.table,
                Key={"date": {"S": DAY}, "template": {"S": template}},
                UpdateExpression="SET " + ", ".join(f"{name} = :past" for name in updates),
                ExpressionAttributeValues={":past": {"N": past}},
            )

    def run(self) -> ExecutionReport:
        """A new execution for the day, its failure report handed to notify_failure."""
        return self.run_day(DAY)

    def run_day(self, day: str) -> ExecutionReport:
        """A new execution for ``day``, its failure report handed to notify_failure."""
        return self._reported(run_execution(self.stack, {"date": day}, timeout=60))

    def redrive(self, failed: ExecutionReport) -> ExecutionReport:
        """The console's Redrive of ``failed``, its failure report handed to notify_failure."""
        return self._reported(redrive_execution(self.stack, failed, timeout=60))

    def _reported(self, report: ExecutionReport) -> ExecutionReport:
        self.shown.append(json.dumps([report.output, report.error, report.cause], default=str))
        self.shown.extend(json.dumps(event, default=str) for event in report.events)
        for notification in failure_messages(self.stack):
            self.shown.append(notification["Message"])
            try:
                notify_failure.handler(lambda_event(notification), fakes.FakeContext())
            except Exception as exc:  # Lambda would retry, then keep it in the DLQ
                self.undelivered.append(f"{type(exc).__name__}: {exc}")
                self.shown.append(self.undelivered[-1])
        return report


def once(
    world: World,
    target: Any,
    name: str,
    *,
    after: bool = False,
    crash: type[BaseException] | None = None,
) -> None:
    """Make ``target.name`` crash the process once (before or after it did its work); with
    ``crash=LambdaTimedOut``, Lambda stops the function there at its timeout."""
    original = getattr(target, name)
    crashed: list[bool] = []

    async def crashing(*args: Any, **kwargs: Any) -> Any:
        if crashed:
            return await original(*args, **kwargs)
        crashed.append(True)
        if after:
            await original(*args, **kwargs)
        raise (crash or SimulatedCrash)(f"killed {'after' if after else 'before'} {name}")

    world.monkeypatch.setattr(target, name, crashing)


def throttle(world: World, operation: str, times: int) -> None:
    """DynamoDB answers ``operation`` with ProvisionedThroughputExceeded ``times`` times."""
    throttle_dynamodb(world.monkeypatch, operation, times)


def throttle_dynamodb(monkeypatch: pytest.MonkeyPatch, operation: str, times: int) -> list[int]:
    """DynamoDB answers ``operation`` with ProvisionedThroughputExceeded ``times`` times (the
    sessions made from now on); the list holds how many refusals are left."""
    original = aws_module._new_session
    left = [times]

    def session() -> Any:
        created = original()

        def refuse(model: Any, **_: Any) -> None:
            if model.name == operation and left[0] > 0:
                left[0] -= 1
                raise ClientError(
                    {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}},
                    operation,
                )

        created._session.register("before-call.dynamodb", refuse)
        return created

    monkeypatch.setattr(aws_module, "_new_session", session)
    return left


Arrange = Callable[[World], None]


def fail_zoom_create(*faults: Fault, forever: Fault | None = None) -> Arrange:
    """An arrangement: Zoom's create endpoint answers ``faults`` (then ``forever``)."""
    return lambda world: world.zoom.create.set(*faults, forever=forever)


def fail_zoom_token(*faults: Fault, forever: Fault | None = None) -> Arrange:
    """An arrangement: Zoom's token endpoint answers ``faults`` (then ``forever``)."""
    return lambda world: world.zoom.token.set(*faults, forever=forever)


def fail_slack(*faults: Fault, forever: Fault | None = None) -> Arrange:
    """An arrangement: the webhook answers ``faults`` (then ``forever``)."""
    return lambda world: world.slack.script.set(*faults, forever=forever)


def heal(world: World) -> None:
    """Zoom and Slack work again."""
    world.zoom.create, world.zoom.token, world.slack.script = Script(), Script(), Script()


class Day:
    """Today's meeting, three hours ahead in a zone where that is still today."""

    def __init__(self) -> None:
        now = datetime.now(UTC)
        for zone in ("UTC", "Pacific/Honolulu", "Asia/Tokyo"):
            local = now.astimezone(ZoneInfo(zone))
            later = local + timedelta(hours=3)
            if later.date() == local.date() and later.hour < 22:
                break
        self.zone = zone
        self.date = local.date().isoformat()
        self.start = f"{later:%H}:00"
        self.moved_to = f"{later.hour + 1:02d}:00"


def wait_for(probe: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not probe():
        assert time.monotonic() < deadline, "the job did not finish in time"
        time.sleep(0.1)


@contextmanager
def served_app_stack(
    local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LocalStack, str]]:
    """The local stack in Slack app mode, its functions' environment applied, its inbound
    function served on loopback at the stack's Function URL (its base URL given)."""
    with function_url_server("InboundFunction") as inbound:
        stack = fakes.deploy_stack(
            local_aws, slack_app=True, function_urls={"InboundFunctionUrl": inbound.function_url}
        )
        inbound.identify(stack.physical_ids["InboundFunction"], stack.arns["InboundFunction"])
        for name, value in stack.environment.items():
            monkeypatch.setenv(name, value)
        # The URL is served on loopback (a deployed one is https://, as check_url requires).
        monkeypatch.setenv("ALLOW_LOOPBACK_URLS", "true")
        yield stack, inbound.url


def app_mode_stack(
    local_aws: LocalAws, http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> tuple[LocalStack, ZoomModel, SlackApiModel]:
    """The stack deployed in Slack app mode (its functions' environment applied), Zoom's model
    and the workspace's (its one channel, the bot token the stack's secret holds) mounted."""
    stack = fakes.deploy_stack(local_aws, slack_app=True)
    for name, value in stack.environment.items():
        monkeypatch.setenv(name, value)
    zoom = fakes.zoom_model()
    mount_zoom(zoom, http, api_url=fakes.ZOOM_API, oauth_url=fakes.OAUTH_URL)
    workspace = SlackApiModel(token=fakes.SLACK_BOT_TOKEN, channels={fakes.SLACK_APP_CHANNEL: []})
    mount_slack_api(workspace, http, base_url=SLACK_API_URL)
    return stack, zoom, workspace
