"""infrastructure/template.yaml: cfn-lint clean, and checks cfn-lint cannot make.

* each function's environment satisfies the settings its handler requires;
* each role grants exactly what that function's code calls (recorded from real runs), on the
  exact resources, plus the few actions AWS needs around it;
* the state machine, schedule, alarm and rule are wired as the design says.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aioboto3
import pytest
import yaml

from tests.support import fakes
from zoom_notifier.domain.meeting_records import CLAIM_SECONDS, NOTIFY_CLAIM_SECONDS
from zoom_notifier.errors import SlackUnavailable
from zoom_notifier.handlers import create_meeting, dispatch, inbound, notify_failure, notify_meeting
from zoom_notifier.inbound.request_signature import sign
from zoom_notifier.inbound.slack_door import SLACK_COMMANDS_PATH
from zoom_notifier.local.cloudformation import load_template
from zoom_notifier.local.deployment import TEMPLATE_PATH
from zoom_notifier.local.faults import answer
from zoom_notifier.local.function_url import request_event
from zoom_notifier.local.slack_api_model import METHODS
from zoom_notifier.local.slack_commands import command_form
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.sns import lambda_event, notification
from zoom_notifier.local.zoom_events import zoom_signature
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.config import (
    CreateSettings,
    DispatchSettings,
    FailureSettings,
    InboundSettings,
    NotifySettings,
    ServiceSettings,
    load_settings,
)
from zoom_notifier.runtime.container import reset_container
from zoom_notifier.services import aws
from zoom_notifier.services.aws import AWS_OPERATIONS
from zoom_notifier.services.deferred_changes import DEFERRED_KEY, REFRESH_KEY

REPOSITORY = Path(__file__).resolve().parents[2]
TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
HANDLERS = {
    "zoom_notifier.handlers.create_meeting.handler": create_meeting.handler,
    "zoom_notifier.handlers.notify_meeting.handler": notify_meeting.handler,
    "zoom_notifier.handlers.notify_failure.handler": notify_failure.handler,
    "zoom_notifier.handlers.dispatch.handler": dispatch.handler,
    "zoom_notifier.handlers.inbound.handler": inbound.handler,
}
SETTINGS: dict[str, type[ServiceSettings]] = {
    "zoom_notifier.handlers.create_meeting.handler": CreateSettings,
    "zoom_notifier.handlers.notify_meeting.handler": NotifySettings,
    "zoom_notifier.handlers.notify_failure.handler": FailureSettings,
    "zoom_notifier.handlers.dispatch.handler": DispatchSettings,
    "zoom_notifier.handlers.inbound.handler": InboundSettings,
}
# What CloudFormation resolves these references to, in a form the settings check.
_RESOLVED = {
    "STATE_MACHINE_ARN": fakes.STATE_MACHINE_ARN,
    "FAILURE_TOPIC_ARN": fakes.FAILURE_TOPIC_ARN,
    "DISPATCH_EVERY_MINUTES": "5",
    "SLACK_CHANNEL": "C0FAKE00001",
}
FUNCTIONS = {
    logical_id: resource["Properties"]
    for logical_id, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Lambda::Function"
}


def test_cfn_lint_is_clean() -> None:
    completed = subprocess.run(  # noqa: S603 - our own template
        [str(Path(sys.executable).with_name("cfn-lint")), str(TEMPLATE_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_handler_is_deployed_once() -> None:
    assert sorted(function["Handler"] for function in FUNCTIONS.values()) == sorted(HANDLERS)
    for function in FUNCTIONS.values():
        assert function["Runtime"] in {"python3.12", "python3.13"}
        assert function["Architectures"] == [{"Ref": "LambdaArchitecture"}]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_the_environment_satisfies_the_handlers_settings(
    logical_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    function = FUNCTIONS[logical_id]
    settings_class = SETTINGS[function["Handler"]]
    variables = function["Environment"]["Variables"]
    for name, value in variables.items():
        # Any plausible value: what matters is that each required variable is set.
        resolved = _RESOLVED.get(name, f"resolved-{name.lower()}")
        monkeypatch.setenv(name, value if isinstance(value, str) else resolved)
    monkeypatch.setenv("MEETING_TIMEZONE", "UTC")
    monkeypatch.setenv("LOG_LEVEL", "INFO")

    load_settings(settings_class)

    declared = {name.upper() for name in settings_class.model_fields}
    assert set(variables) <= declared, "a variable no setting reads"


# --- permissions: record what the code calls, compare with the roles ---------------------


# IAM actions named otherwise than the API operation (docs.aws.amazon.com/service-authorization/
# latest/reference/list_amazons3.html: ListObjectsV2 is authorized by s3:ListBucket).
_IAM_ACTION = {"s3:ListObjectsV2": "s3:ListBucket", "lambda:Invoke": "lambda:InvokeFunction"}


@dataclass
class RecordedCalls:
    """Every AWS call made through ``zoom_notifier.services.aws`` during the test."""

    operations: set[str] = field(default_factory=set)  # botocore's "service:Operation"
    actions: set[str] = field(default_factory=set)  # the IAM actions that authorize them


@pytest.fixture
def recorded_calls(monkeypatch: pytest.MonkeyPatch) -> RecordedCalls:
    calls = RecordedCalls()
    original = aws._new_session

    def recording_session() -> aioboto3.Session:
        session = original()

        def record(model: Any, **_: Any) -> None:
            service = model.service_model
            calls.operations.add(f"{service.service_name}:{model.name}")
            action = f"{service.signing_name}:{model.name}"
            calls.actions.add(_IAM_ACTION.get(action, action))

        session._session.register("before-call", record)
        return session

    monkeypatch.setattr(aws, "_new_session", recording_session)
    return calls


def _exercise(
    handler: str, zoom: ZoomModel, slack: SlackModel, resources: fakes.AwsResources
) -> None:
    """Run a handler through its success and failure paths, so every call it can make happens."""
    reset_container()
    context = fakes.FakeContext()
    if handler.endswith("create_meeting.handler"):
        zoom.create.set(answer(400, {"code": 300, "message": "bad"}))  # release
        fakes.recorded(create_meeting.handler, {"date": "2026-11-26"})
        create_meeting.handler({"date": "2026-11-27"}, context)
        create_meeting.handler({"date": "2026-11-27"}, context)  # reads the recorded meeting
        fakes.recorded(create_meeting.handler, {"date": "2026-11-27", "template": "missing"})
    elif handler.endswith("dispatch.handler"):
        resources.put_template({**fakes.TEMPLATE, "topic": "x" * 300}, name="broken")
        # A tick long past (a late report), then again (its executions exist already).
        tick = {"scheduled_time": "2026-11-27T08:15:00Z"}
        dispatch.handler(tick, context)
        dispatch.handler(tick, context)
        # Its grace period later: the check reads the day's item and its execution.
        dispatch.handler({"scheduled_time": "2026-11-27T08:45:00Z"}, context)
    elif handler.endswith("inbound.handler"):
        resources.put_created_meeting(datetime.now(UTC).date().isoformat())
        # next reads the days (BatchGetItem); skip and unskip change one (GetItem, PutItem,
        # DeleteItem); each request is recorded against replays.
        manager = {"managers": ["U0FAKE001"]}
        resources.put_template(
            {**fakes.TEMPLATE, "notifier": {"slack": {"channel": "C0FAKE00001", **manager}}},
            name="default",
        )
        in_two_days = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
        for text in ("next", f"skip {in_two_days}", f"unskip {in_two_days}"):
            body = command_form(text, channel="C0FAKE00001", user="U0FAKE001")
            timestamp = str(int(time.time()))
            headers = {
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": timestamp,
                "x-slack-signature": sign(fakes.SLACK_SIGNING_SECRET, timestamp, body),
            }
            event = request_event("POST", "/slack/commands", headers, body)
            reply = inbound.handler(event, context)
            assert reply["statusCode"] == 200
            assert "can't" not in reply["body"], reply["body"]
        # A skip of an announced meeting queues its job (Lambda Invoke: moto queues it and runs
        # nothing), and the job reads Zoom's app and the bot token.
        now = datetime.now(UTC)
        today = now.astimezone(ZoneInfo("Europe/Paris")).date().isoformat()
        start = (now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        resources.put_announced_meeting(today, start)
        body = command_form("skip today", channel="C0FAKE00001", user="U0FAKE001")
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": sign(fakes.SLACK_SIGNING_SECRET, timestamp, body),
        }
        reply = inbound.handler(request_event("POST", "/slack/commands", headers, body), context)
        assert "Cancelling *default*" in reply["body"], reply["body"]
        job = {"key": {"date": today, "template": "default"}, "channel": "C0FAKE00001",
               "response_url": "https://hooks.slack.com/commands/T0/1/fake", "command": "/standup",
               "text": "skip today", "requested_at": time.time()}  # fmt: skip
        with pytest.raises(SlackUnavailable):  # Slack is not mounted here: Lambda retries
            inbound.handler({DEFERRED_KEY: job}, context)
        # Zoom's event of that meeting: its day by the index (Query), its life written
        # (UpdateItem), its edit queued (Invoke); then the edit job itself.
        started = json.dumps(
            {"event": "meeting.started", "payload": {"object": {"id": str(fakes.MEETING_ID)}}}
        ).encode()
        stamp = str(int(time.time()))
        zoom_headers = {
            "content-type": "application/json",
            "x-zm-request-timestamp": stamp,
            "x-zm-signature": zoom_signature(fakes.ZOOM_SECRET_TOKEN, stamp, started),
        }
        reply = inbound.handler(
            request_event("POST", "/zoom/events", zoom_headers, started), context
        )
        assert reply["statusCode"] == 200, reply
        with pytest.raises(SlackUnavailable):
            inbound.handler({REFRESH_KEY: {"key": {"date": today, "template": "default"}}}, context)
    elif handler.endswith("notify_meeting.handler"):
        resources.put_created_meeting("2026-11-27")
        slack.script.set(answer(410, "channel_is_archived"))  # release
        fakes.recorded(notify_meeting.handler, {"date": "2026-11-27"})
        notify_meeting.handler({"date": "2026-11-27"}, context)
    else:
        notify_failure.handler(lambda_event(notification("hello")), context)
        change = {
            "detail-type": "Step Functions Execution Status Change",
            "detail": {"executionArn": fakes.EXECUTION_ARN, "status": "FAILED"},
        }
        notify_failure.handler(lambda_event(notification(json.dumps(change))), context)


def _statements(role_id: str) -> list[dict[str, Any]]:
    policies = RESOURCES[role_id]["Properties"]["Policies"]
    return [statement for policy in policies for statement in policy["PolicyDocument"]["Statement"]]


def _granted(role_id: str) -> dict[str, list[Any]]:
    granted: dict[str, list[Any]] = {}
    for statement in _statements(role_id):
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        resources = statement["Resource"]
        for action in actions if isinstance(actions, list) else [actions]:
            granted.setdefault(action, []).extend(
                resources if isinstance(resources, list) else [resources]
            )
    return granted


TEAM_SECRETS = (
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
    "${TeamSecretsPrefix}*"
)
# Which resource each service's calls must be limited to.
EXPECTED_RESOURCE = {
    "s3:GetObject": {"Fn::Sub": "${TemplateBucket.Arn}/*"},
    "s3:ListBucket": {"Fn::GetAtt": ["TemplateBucket", "Arn"]},
    "states:StartExecution": {"Ref": "StateMachine"},
    "states:ListExecutions": {"Ref": "StateMachine"},
    "sns:Publish": {"Ref": "FailureTopic"},
    "dynamodb": {"Fn::GetAtt": ["MeetingsTable", "Arn"]},
    # The inbound function writes the requests it answered (the replay guard) and the days a
    # person changed.
    "InboundFunction dynamodb:PutItem": [
        {"Fn::GetAtt": ["InboundRequestsTable", "Arn"]},
        {"Fn::GetAtt": ["MeetingsTable", "Arn"]},
    ],
    # The inbound function queues its own jobs (by name: its ARN would be a cycle).
    "InboundFunction lambda:InvokeFunction": {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        "${AWS::StackName}-inbound"
    },
    # Zoom's events find their day through the table's index of meeting ids only.
    "InboundFunction dynamodb:Query": {"Fn::Sub": "${MeetingsTable.Arn}/index/MeetingsByZoomId"},
    # The dispatcher finds the days moved onto a tick through the table's index only.
    "DispatchFunction dynamodb:Query": {"Fn::Sub": "${MeetingsTable.Arn}/index/MovedMeetings"},
    # The stack's own executions only (the state machine is named after the stack).
    "states:DescribeExecution": {
        "Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:"
        "${AWS::StackName}:*"
    },
}
# Actions a role needs that the code does not call itself, and why.
SUPPORTING = {
    "logs:CreateLogStream": "Lambda writes the function's logs",
    "logs:PutLogEvents": "Lambda writes the function's logs",
    "s3:ListBucket": "a missing template is then NoSuchKey (TemplateNotFound), not AccessDenied",
    "sqs:SendMessage": "Lambda delivers notify_failure's dead letters and dispatch's failed ticks",
    "kms:GenerateDataKey*": "dispatch publishes to the encrypted failure topic",
    "kms:Decrypt": "dispatch publishes to the encrypted failure topic",
    "xray:PutTraceSegments": "Lambda sends the function's trace segments (active tracing)",
    "xray:PutTelemetryRecords": "Lambda sends the function's trace segments (active tracing)",
}


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_role_grants_exactly_what_the_code_calls_on_the_exact_resources(
    logical_id: str,
    recorded_calls: RecordedCalls,
    zoom: ZoomModel,
    slack: SlackModel,
    aws_resources: fakes.AwsResources,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    function = FUNCTIONS[logical_id]
    role_id = function["Role"]["Fn::GetAtt"][0]
    variables = function["Environment"]["Variables"]
    if logical_id == "InboundFunction":  # app mode: the bot token too
        aws_resources.secretsmanager.create_secret(
            Name="zoom-notifier/slack-bot-token", SecretString=fakes.SLACK_BOT_TOKEN
        )
        monkeypatch.setenv("SLACK_BOT_TOKEN_SECRET", "zoom-notifier/slack-bot-token")
        monkeypatch.setenv("INBOUND_FUNCTION_NAME", "zoom-notifier-test-inbound")
        aws_resources.secretsmanager.create_secret(
            Name="zoom-notifier/zoom-secret-token", SecretString=fakes.ZOOM_SECRET_TOKEN
        )
        monkeypatch.setenv("ZOOM_WEBHOOK_SECRET", "zoom-notifier/zoom-secret-token")

    _exercise(function["Handler"], zoom, slack, aws_resources)

    granted = _granted(role_id)
    called = recorded_calls.actions
    assert called, "the handler made no AWS call at all?"
    # The artifact ships botocore's models cut down to AWS_OPERATIONS (test_package runs them).
    assert recorded_calls.operations <= {
        f"{service}:{operation}"
        for service, operations in AWS_OPERATIONS.items()
        for operation in operations
    }
    assert called <= set(granted), f"missing: {called - set(granted)}"
    assert set(granted) - called <= set(SUPPORTING), "granted but never called"
    for action in called:
        service = action.split(":")[0]
        if action == "secretsmanager:GetSecretValue":
            secret_settings = [
                name for name in variables if name.endswith(("_SECRET", "_SECRET_ID"))
            ]
            expected_secrets = [variables[name] for name in secret_settings]
            if "TEAM_SECRETS_PREFIX" in variables:  # templates' own webhooks, by prefix
                expected_secrets.append({"Fn::Sub": TEAM_SECRETS})
            assert granted[action] == expected_secrets
        else:
            expected = EXPECTED_RESOURCE.get(
                f"{logical_id} {action}",
                EXPECTED_RESOURCE.get(action, EXPECTED_RESOURCE.get(service)),
            )
            assert granted[action] == (expected if isinstance(expected, list) else [expected]), (
                action
            )
    for action in set(granted) & {"logs:CreateLogStream", "logs:PutLogEvents"}:
        log_group = function["LoggingConfig"]["LogGroup"]["Ref"]
        assert granted[action] == [{"Fn::Sub": f"${{{log_group}.Arn}}"}]


def test_the_state_machine_role_only_invokes_the_two_steps() -> None:
    granted = _granted("StateMachineRole")

    assert granted["lambda:InvokeFunction"] == [
        {"Fn::GetAtt": ["CreateMeetingFunction", "Arn"]},
        {"Fn::Sub": "${CreateMeetingFunction.Arn}:*"},
        {"Fn::GetAtt": ["NotifyMeetingFunction", "Arn"]},
        {"Fn::Sub": "${NotifyMeetingFunction.Arn}:*"},
    ]
    # Failures are reported by the EventBridge rule, not by the state machine.
    assert not [action for action in granted if action.startswith(("sns:", "kms:"))]


def test_the_state_machine_logs_without_execution_data() -> None:
    machine = RESOURCES["StateMachine"]["Properties"]

    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert machine["DefinitionSubstitutions"] == {
        "CreateMeetingFunctionArn": {"Fn::GetAtt": ["CreateMeetingFunction", "Arn"]},
        "NotifyMeetingFunctionArn": {"Fn::GetAtt": ["NotifyMeetingFunction", "Arn"]},
    }


def test_the_schedule_runs_the_dispatcher_with_the_scheduled_time_every_few_minutes() -> None:
    schedule = RESOURCES["DispatchSchedule"]["Properties"]

    # The tick carries its own period: a change of it never skips a minute (domain/dispatch.py).
    template_input = schedule["Target"]["Input"]["Fn::Sub"]
    assert json.loads(template_input.replace("${DispatchEveryMinutes}", "5")) == {
        "scheduled_time": "<aws.scheduler.scheduled-time>",
        "every_minutes": 5,
    }
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["DispatchFunction", "Arn"]}
    # Ticks on the minute in UTC: each template's own zone is the dispatcher's business.
    assert schedule["ScheduleExpression"] == {
        "Fn::Sub": "cron(0/${DispatchEveryMinutes} * * * ? *)"
    }
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    every = TEMPLATE["Parameters"]["DispatchEveryMinutes"]
    assert all(60 % minutes == 0 for minutes in every["AllowedValues"])
    assert FUNCTIONS["DispatchFunction"]["Environment"]["Variables"]["DISPATCH_EVERY_MINUTES"] == {
        "Ref": "DispatchEveryMinutes"
    }
    assert _granted("ScheduleRole") == {
        "lambda:InvokeFunction": [{"Fn::GetAtt": ["DispatchFunction", "Arn"]}],
        "sqs:SendMessage": [{"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}],
    }
    assert schedule["Target"]["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}
    }
    # A tick the dispatcher fails (after Lambda's retries) is kept and alarmed on, too.
    invoke = RESOURCES["DispatchInvokeConfig"]["Properties"]
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]
    }


def test_every_unsuccessful_execution_reaches_the_failure_topic() -> None:
    rule = RESOURCES["ExecutionFailedRule"]["Properties"]

    assert rule["EventPattern"]["detail"]["status"] == ["FAILED", "TIMED_OUT", "ABORTED"]
    assert rule["Targets"][0]["Arn"] == {"Ref": "FailureTopic"}
    publish, alarms = RESOURCES["FailureTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert publish["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [
        "ExecutionFailedRule", "Arn"]}}}  # fmt: skip
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    # An event EventBridge could not deliver is kept, and the alarm on undelivered reports
    # watches its queue too.
    target = rule["Targets"][0]
    assert target["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["FailureRuleDeadLetterQueue", "Arn"]}
    }
    undelivered = RESOURCES["FailureReportsUndeliveredAlarm"]["Properties"]["Metrics"]
    queues = [
        metric["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for metric in undelivered
        if "MetricStat" in metric
    ]
    assert queues == ["FailureDeadLetterQueue", "FailureRuleDeadLetterQueue"]
    key_policy = RESOURCES["FailureTopicKey"]["Properties"]["KeyPolicy"]["Statement"]
    services = {
        service for statement in key_policy for service in statement["Principal"].get("Service", [])
    }
    assert services == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}


def test_storage_is_encrypted_private_and_recoverable() -> None:
    bucket = RESOURCES["TemplateBucket"]["Properties"]
    table = RESOURCES["MeetingsTable"]["Properties"]

    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    deny = RESOURCES["TemplateBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert table["KeySchema"] == [
        {"AttributeName": "date", "KeyType": "HASH"},
        {"AttributeName": "template", "KeyType": "RANGE"},
    ]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert RESOURCES["FailureTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "FailureTopicKey"}
    assert RESOURCES["NotifyFailureFunction"]["Properties"]["DeadLetterConfig"]


def test_every_skipped_security_check_says_why() -> None:
    skips = [
        (logical_id, skip)
        for logical_id, resource in RESOURCES.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]

    assert skips, "checkov skips are expected to be documented here"
    for logical_id, skip in skips:
        assert skip["id"].startswith("CKV_"), logical_id
        assert len(skip.get("comment", "")) >= 40, f"{logical_id} {skip['id']}: give the reason"


def test_stuck_dead_letter_queues_alarm_outside_slack() -> None:
    for alarm_id, queue_id in (("ScheduledStartsMissedAlarm", "ScheduleDeadLetterQueue"),):
        alarm = RESOURCES[alarm_id]["Properties"]
        assert alarm["Dimensions"] == [
            {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
        ]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (
            1,
            "GreaterThanOrEqualToThreshold",
        )
        # Not the failure topic: its Slack path may be what is broken.
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert RESOURCES["FailureReportsUndeliveredAlarm"]["Properties"]["AlarmActions"] == [
        {"Ref": "AlarmTopic"}
    ]
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"


def test_task_timeouts_exceed_the_functions_and_leases_exceed_both() -> None:
    definition = json.loads((REPOSITORY / "state_machine.asl.json").read_text())
    for state, function_id in (
        ("CreateMeeting", "CreateMeetingFunction"),
        ("NotifyMeeting", "NotifyMeetingFunction"),
    ):
        function_timeout = FUNCTIONS[function_id]["Timeout"]
        assert definition["States"][state]["TimeoutSeconds"] > function_timeout
    # A lease outlives the longest invocation, so a live one is never taken over.
    assert FUNCTIONS["CreateMeetingFunction"]["Timeout"] < CLAIM_SECONDS
    assert FUNCTIONS["NotifyMeetingFunction"]["Timeout"] < NOTIFY_CLAIM_SECONDS


# Web API method -> the bot scopes Slack accepts for it (api.slack.com/methods/<method>).
_METHOD_SCOPES = {
    "chat.postMessage": {"chat:write"},
    "chat.scheduleMessage": {"chat:write"},
    "chat.scheduledMessages.list": set(),  # no scope beyond the token's
    "chat.update": {"chat:write"},
    "chat.deleteScheduledMessage": {"chat:write"},
    "usergroups.users.list": {"usergroups:read"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.replies": {"channels:history", "groups:history"},
}


def test_the_slack_app_manifest_asks_for_the_scopes_app_mode_calls_need_and_no_other() -> None:
    manifest = yaml.safe_load(
        (REPOSITORY / "infrastructure" / "slack-app-manifest.yaml").read_text()
    )
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])

    assert set(METHODS) == set(_METHOD_SCOPES)
    # "commands": the slash command, which calls no method.
    assert scopes == set().union(*_METHOD_SCOPES.values(), {"commands"})
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/standup"
    assert command["url"].endswith(SLACK_COMMANDS_PATH)
    readme = (REPOSITORY / "README.md").read_text()
    for scope in scopes:
        assert f"`{scope}`" in readme


def test_the_state_machine_and_every_function_alarm_to_the_alarm_topic() -> None:
    alarms = {
        logical_id: resource["Properties"]
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }
    watched_functions = {
        alarm["Dimensions"][0]["Value"]["Ref"]
        for alarm in alarms.values()
        if alarm.get("Namespace") == "AWS/Lambda"
    }
    assert watched_functions == set(FUNCTIONS)
    executions = alarms["ExecutionsFailedAlarm"]["Metrics"]
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in executions if "MetricStat" in m} == {
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
    }
    for alarm in alarms.values():
        assert {"Ref": "AlarmTopic"} in alarm["AlarmActions"]
    # The dead man's switch: no successful tick is breaching, and it reaches Slack too.
    switch = alarms["DispatcherStoppedAlarm"]
    assert (switch["MetricName"], switch["TreatMissingData"]) == ("DispatchTicks", "breaching")
    assert switch["AlarmActions"] == [{"Ref": "AlarmTopic"}, {"Ref": "FailureTopic"}]


def test_the_dashboard_and_the_saved_queries_cover_every_log_group() -> None:
    assert RESOURCES["Dashboard"]["Type"] == "AWS::CloudWatch::Dashboard"
    body = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(body)["widgets"]
    titles = [widget["properties"].get("title", "") for widget in widgets]
    assert "Alarms" in titles
    assert any("Announcement delay" in title for title in titles)
    queries = [
        r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::Logs::QueryDefinition"
    ]
    assert len(queries) == 4
    log_groups = {f"{name.removesuffix('Function')}LogGroup" for name in FUNCTIONS}
    for query in queries:
        # A group that exists in Slack app mode only is named under its condition.
        named = {group.get("Ref") or group["Fn::If"][1]["Ref"] for group in query["LogGroupNames"]}
        assert named == log_groups
