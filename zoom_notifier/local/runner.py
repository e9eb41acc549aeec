"""The whole workflow on this machine: the stack in a local moto server, the real state machine,
our handlers in-process, and the failure topic's messages handed to ``notify_failure``.

Zoom and Slack are whatever the URLs point at: the loopback stand-ins for the demo, the real
services for ``zoom-notifier run``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Self, TextIO, cast

from zoom_notifier.domain.dispatch import execution_arn
from zoom_notifier.errors import ConfigurationError
from zoom_notifier.handlers import dispatch, notify_failure
from zoom_notifier.inbound.slack_door import SLACK_COMMANDS_PATH
from zoom_notifier.inbound.zoom_door import ZOOM_EVENTS_PATH
from zoom_notifier.local.aws import LambdaContext, LocalAws
from zoom_notifier.local.executions import (
    ExecutionReport,
    failure_messages,
    redrive_execution,
    run_execution,
    wait_for,
)
from zoom_notifier.local.function_url import FunctionUrlServer, function_url_server
from zoom_notifier.local.metrics import AlarmState, MetricRecorder, alarm_states
from zoom_notifier.local.slack_commands import SlashCommands
from zoom_notifier.local.sns import lambda_event
from zoom_notifier.local.stack import REGION, LocalStack, deploy, shorten_retries
from zoom_notifier.runtime.container import reset_container
from zoom_notifier.runtime.logs import logging_restored

__all__ = ["FailureDelivery", "LocalRun", "ScheduleRun", "SlackAppAccess", "ZoomAccess"]

STACK_NAME = "zoom-notifier-local"
# Variables that would point boto3 at a real account; a local run must never use them.
_REAL_AWS_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN")


@dataclass(frozen=True)
class ZoomAccess:
    """Where and as whom the local run talks to Zoom."""

    account_id: str
    client_id: str
    client_secret: str
    user_id: str
    api_url: str = "https://api.zoom.us/v2"
    oauth_url: str = "https://zoom.us/oauth/token"


@dataclass(frozen=True)
class SlackAppAccess:
    """Slack app mode: the Web API's base URL, the bot token and the channel."""

    api_url: str
    token: str
    channel: str
    # What the app's slash command requests are signed with (Basic Information -> Signing
    # Secret); the local stand-in signs with it too.
    signing_secret: str = "fakesigningsecretfakesigningsecr"
    # What the Zoom app's event notifications are signed with (its Secret Token).
    zoom_secret_token: str = "FAKE-local-zoom-secret-token"


@dataclass(frozen=True)
class FailureDelivery:
    """A failure-topic message (an execution's status change) and whether notify_failure got
    it to Slack (``error`` says why not)."""

    message: dict[str, Any] | str  # a status change's event, or the dispatcher's text
    error: str | None

    @property
    def error_name(self) -> str | None:
        """The failed execution's error name."""
        if isinstance(self.message, str):
            return None
        detail = self.message.get("detail")
        return str(detail.get("error")) if isinstance(detail, dict) else None


def _message(text: str) -> dict[str, Any] | str:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return text
    return data if isinstance(data, dict) else text


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    for name in _REAL_AWS_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class ScheduleRun:
    """What :meth:`LocalRun.run_schedule` saw: ticks the scheduler did not deliver (the
    schedule disabled or deleted), ticks the dispatcher failed, and the executions started."""

    undelivered: int = 0
    failed: list[str] = field(default_factory=list)
    executions: list[ExecutionReport] = field(default_factory=list)


class LocalRun:
    """Use as a context manager; everything it started is stopped on exit."""

    def __init__(
        self,
        *,
        zoom: ZoomAccess,
        webhook_url: str,
        meeting_timezone: str = "UTC",
        allow_loopback: bool = False,
        log_stream: TextIO | None = None,
        log_level: str = "INFO",
        slack_app: SlackAppAccess | None = None,
    ) -> None:
        self._slack_app = slack_app
        self._zoom = zoom
        self._webhook_url = webhook_url
        self._timezone = meeting_timezone
        self._allow_loopback = allow_loopback
        self._log_stream = log_stream
        self._log_level = log_level
        self._exits = ExitStack()
        self.stack: LocalStack | None = None
        # Slack app mode: types slash commands to the inbound function's URL, signed.
        self.slash_commands: SlashCommands | None = None
        # Slack app mode: where the Zoom app sends its event notifications.
        self.zoom_events_url: str | None = None
        self.zoom_secret_token = ""
        # The handlers' log lines go through this, which keeps the metrics they carry.
        self.metrics = MetricRecorder(log_stream)
        self._alarm_states: dict[str, AlarmState] = {}
        # Each time an alarm went into ALARM: (when, its logical id).
        self.alarm_history: list[tuple[datetime, str]] = []

    def __enter__(self) -> Self:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        with ExitStack() as starting:
            starting.enter_context(logging_restored())
            aws = starting.enter_context(LocalAws())
            starting.callback(reset_container)
            starting.enter_context(
                _environment(
                    {
                        "AWS_ENDPOINT_URL": aws.endpoint,
                        "AWS_ACCESS_KEY_ID": "local",
                        "AWS_SECRET_ACCESS_KEY": "local",
                        "AWS_DEFAULT_REGION": REGION,
                    }
                )
            )
            self._exits = starting
            self._deploy(aws)
            self._exits = starting.pop_all()
        return self

    def __exit__(self, *_: object) -> None:
        self._exits.close()

    def _deploy(self, aws: LocalAws) -> None:
        # Slack app mode: the inbound function's URL on loopback, named by the stack's outputs.
        inbound: FunctionUrlServer | None = None
        if self._slack_app is not None:
            inbound = self._exits.enter_context(function_url_server("InboundFunction"))
        self.stack = deploy(
            aws,
            stack_name=STACK_NAME,
            parameters={
                "ZoomUserId": self._zoom.user_id,
                "MeetingTimezone": self._timezone,
                "LogLevel": self._log_level,
                "ArtifactBucket": "local-artifacts",
                "CodeKey": "local",
                "DefinitionKey": "local",
                "SlackChannel": self._slack_app.channel if self._slack_app else "",
                # What make deploy leaves once zoom-notifier check passed.
                "ScheduleState": "ENABLED",
            },
            secrets={
                "ZoomCredentialsSecret": json.dumps(
                    {
                        "account_id": self._zoom.account_id,
                        "client_id": self._zoom.client_id,
                        "client_secret": self._zoom.client_secret,
                    }
                ),
                "SlackWebhookSecret": self._webhook_url,
                "SlackBotTokenSecret": self._slack_app.token if self._slack_app else "",
                "SlackSigningSecret": self._slack_app.signing_secret if self._slack_app else "",
                "ZoomWebhookSecret": self._slack_app.zoom_secret_token if self._slack_app else "",
            },
            transform=shorten_retries,
            function_urls={"InboundFunctionUrl": inbound.function_url} if inbound else {},
        )
        os.environ.update(self.stack.environment)
        os.environ.update(
            {
                "ZOOM_API_URL": self._zoom.api_url,
                "ZOOM_OAUTH_URL": self._zoom.oauth_url,
                "ALLOW_LOOPBACK_URLS": "true" if self._allow_loopback else "false",
            }
        )
        if self._slack_app is not None:
            os.environ["SLACK_API_URL"] = self._slack_app.api_url
        # A fresh "container": nothing cached from an earlier run in this process.
        reset_container(cast("TextIO", self.metrics))
        if self._slack_app is not None and inbound is not None:
            inbound.identify(
                self.stack.physical_ids["InboundFunction"], self.stack.arns["InboundFunction"]
            )
            self.slash_commands = SlashCommands(
                inbound.url + SLACK_COMMANDS_PATH, self._slack_app.signing_secret
            )
            self.zoom_events_url = inbound.url + ZOOM_EVENTS_PATH
            self.zoom_secret_token = self._slack_app.zoom_secret_token

    @property
    def endpoint(self) -> str:
        """The local AWS endpoint (moto)."""
        return self._stack().aws.endpoint

    def _stack(self) -> LocalStack:
        assert self.stack is not None, "use LocalRun as a context manager"  # noqa: S101
        return self.stack

    def upload_template(self, body: bytes, name: str = "default") -> None:
        stack = self._stack()
        key = os.environ["TEMPLATE_KEY"].replace("{template}", name)
        stack.client("s3").put_object(
            Bucket=stack.physical_ids["TemplateBucket"], Key=key, Body=body
        )

    def execute(self, execution_input: dict[str, Any]) -> ExecutionReport:
        return run_execution(self._stack(), execution_input)

    def put_secret(self, name: str, value: str) -> None:
        """A secret of the account (a template's own webhook, say)."""
        self._stack().client("secretsmanager").create_secret(Name=name, SecretString=value)

    def dispatch(self, scheduled_time: datetime) -> dict[str, Any]:
        """One tick of the dispatcher, as the schedule invokes it."""
        context = LambdaContext(
            function_name=f"{STACK_NAME}-dispatch",
            invoked_function_arn=f"arn:aws:lambda:{REGION}:local:function:dispatch",
        )
        result: dict[str, Any] = dispatch.handler(self._stack().tick_event(scheduled_time), context)
        return result

    def run_schedule(self, start: datetime, end: datetime) -> ScheduleRun:
        """EventBridge Scheduler, locally: the schedule's ticks from ``start`` to ``end``, each
        delivered only while the schedule exists and is ENABLED, as it would be. A tick the
        dispatcher fails is counted (Lambda would retry it, then keep it in the dead-letter
        queue). The executions a tick starts run to their end before the next tick: minutes
        pass between ticks, and no step takes that long here."""
        stack = self._stack()
        scheduler, sfn = stack.client("scheduler"), stack.client("stepfunctions")
        every = timedelta(minutes=int(stack.tick_event(start).get("every_minutes") or 5))
        run = ScheduleRun()
        tick = start
        while tick <= end:
            try:
                state = scheduler.get_schedule(Name=stack.physical_ids["DispatchSchedule"])["State"]
            except scheduler.exceptions.ResourceNotFoundException:
                state = "DELETED"
            if state != "ENABLED":
                run.undelivered += 1
            else:
                try:
                    result = self.dispatch(tick)
                except Exception as exc:  # Lambda keeps any failed tick, whatever it raised
                    run.failed.append(f"{tick:%H:%M}: {exc}")
                else:
                    for name in result["started"]:
                        arn = execution_arn(stack.state_machine_arn, name)
                        execution_input = json.loads(
                            sfn.describe_execution(executionArn=arn)["input"]
                        )
                        run.executions.append(wait_for(stack, arn, execution_input))
            # CloudWatch evaluates its alarms every minute; here, at each tick.
            self.alarms(tick)
            tick += every
        return run

    def wait(self, name: str, execution_input: dict[str, Any]) -> ExecutionReport:
        """The report of the execution ``name`` (started by the dispatcher), once it ended."""
        stack = self._stack()
        return wait_for(stack, execution_arn(stack.state_machine_arn, name), execution_input)

    def redrive(self, failed: ExecutionReport) -> ExecutionReport:
        """Redrive a failed execution, as the console's Redrive button does."""
        return redrive_execution(self._stack(), failed)

    def deliver_failures(self, *, lose_status_changes: bool = False) -> list[FailureDelivery]:
        """Hand each failure-topic message to notify_failure, as the SNS subscription would.

        With ``lose_status_changes``, the executions' status-change events are dropped on the
        way, as EventBridge may drop them (it delivers them on a best-effort basis): only
        what the dispatcher published reaches Slack."""
        deliveries = []
        for notification in failure_messages(self._stack()):
            message = _message(notification["Message"])
            if lose_status_changes and isinstance(message, dict) and "detail" in message:
                continue
            context = LambdaContext(
                function_name=f"{STACK_NAME}-notify-failure",
                invoked_function_arn=f"arn:aws:lambda:{REGION}:local:function:notify-failure",
            )
            try:
                notify_failure.handler(lambda_event(notification), context)
            except Exception as exc:  # reported, as Lambda would before retrying
                deliveries.append(FailureDelivery(message, str(exc)))
            else:
                deliveries.append(FailureDelivery(message, None))
        return deliveries

    def alarms(self, now: datetime) -> dict[str, AlarmState]:
        """The state at ``now`` of each of the template's alarms on the service's metrics.

        An alarm that goes into ALARM with its actions enabled publishes CloudWatch's alarm
        message to its action topics, as CloudWatch does (docs.aws.amazon.com/
        AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html): the failure topic's
        copy reaches Slack through :meth:`deliver_failures`."""
        stack = self._stack()
        states = alarm_states(stack.alarms, self.metrics.points, now)
        for alarm_id, state in states.items():
            previous = self._alarm_states.get(alarm_id, "INSUFFICIENT_DATA")
            self._alarm_states[alarm_id] = state
            alarm = stack.alarms[alarm_id]
            if state != "ALARM" or previous == "ALARM":
                continue
            self.alarm_history.append((now, alarm_id))
            if not alarm.get("ActionsEnabled", True):
                continue
            message = {
                "AlarmName": f"{STACK_NAME}-{alarm_id}",
                "AlarmDescription": alarm.get("AlarmDescription"),
                "NewStateValue": "ALARM",
                "OldStateValue": previous,
                "NewStateReason": f"Threshold Crossed: {alarm['MetricName']} at {now:%H:%M} UTC",
                "StateChangeTime": now.isoformat(),
            }
            for topic in alarm.get("AlarmActions", []):
                stack.client("sns").publish(TopicArn=topic, Message=json.dumps(message))
        return states

    def load_state(self, path: Path) -> int:
        """Put the meetings table's items saved by :meth:`save_state` back; how many."""
        try:
            items = json.loads(path.read_text(encoding="utf-8"))["meetings"]
        except FileNotFoundError:
            return 0
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(
                f"the state file {path} is unreadable ({type(exc).__name__}); move it away, or "
                "pass --fresh to start from an empty table"
            ) from None
        stack = self._stack()
        for item in items:
            stack.client("dynamodb").put_item(
                TableName=stack.physical_ids["MeetingsTable"], Item=item
            )
        return len(items)

    def save_state(self, path: Path) -> None:
        """Write the meetings table's items (DynamoDB JSON) to ``path``, readable by the owner
        only: an item holds the meeting's join link and passcode."""
        stack = self._stack()
        pages = (
            stack.client("dynamodb")
            .get_paginator("scan")
            .paginate(TableName=stack.physical_ids["MeetingsTable"])
        )
        items = [item for page in pages for item in page["Items"]]
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump({"meetings": items}, stream, indent=1, sort_keys=True)

    def meetings(self) -> list[dict[str, Any]]:
        """The meetings table's items, as plain values."""
        stack = self._stack()
        items = stack.client("dynamodb").scan(TableName=stack.physical_ids["MeetingsTable"])
        return [
            {name: next(iter(value.values())) for name, value in item.items()}
            for item in items["Items"]
        ]
