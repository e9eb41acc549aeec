"""Test doubles and fake data. Every secret here is obviously fake."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from aioresponses import aioresponses
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from yarl import URL

from zoom_notifier.errors import PermanentError
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.cloudformation import load_template
from zoom_notifier.local.deployment import TEMPLATE_PATH
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.stack import LocalStack, deploy, shorten_retries
from zoom_notifier.local.zoom_model import ZoomModel, meeting_body

REGION = "us-east-1"
TABLE = "zoom-notifier-meetings"
BUCKET = "zoom-notifier-templates"
TEMPLATE_KEY = "templates/{template}.json"
ZOOM_SECRET_ID = "zoom-notifier/zoom"
SLACK_SECRET_ID = "zoom-notifier/slack"
ZOOM_USER = "host@example.com"
EXECUTION_ARN = "arn:aws:states:us-east-1:123456789012:execution:zoom-notifier:run-1"
STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:zoom-notifier"
FAILURE_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:zoom-notifier-failures"

# Distinctive fake secrets: the leak tests search every output for them.
ACCOUNT_ID = "fake-account-id"
CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "FAKE-client-secret-3f9c1e"
ACCESS_TOKEN = "FAKE-access-token-7d2b8a"
WEBHOOK_PATH = "/services/T0FAKE/B0FAKE/FAKEwebhookPath4c1d"
WEBHOOK_URL = f"https://hooks.slack.com{WEBHOOK_PATH}"
PASSWORD = "Fk7pw9"
START_TOKEN = "FAKE-zak-start-5e6f"
START_URL = f"https://zoom.us/s/9007199254740993?zak={START_TOKEN}"
SECRET_VALUES = (CLIENT_SECRET, ACCESS_TOKEN, WEBHOOK_URL, WEBHOOK_PATH, PASSWORD, START_URL)

# Beyond 2**53: a float would round it, so this checks ids stay exact end to end.
MEETING_ID = 9_007_199_254_740_993
JOIN_PASSWORD = "FAKEjoinPwd"
JOIN_URL = f"https://zoom.us/j/{MEETING_ID}?pwd={JOIN_PASSWORD}"

ZOOM_API = "https://api.zoom.us/v2"
OAUTH_URL = "https://zoom.us/oauth/token"
TOKEN_URL = re.compile(r"^https://zoom\.us/oauth/token\?.*$")
CREATE_URL = f"{ZOOM_API}/users/{ZOOM_USER}/meetings"
LIST_URL = re.compile(rf"^{re.escape(ZOOM_API)}/users/{re.escape(ZOOM_USER)}/meetings\?.*$")

TEMPLATE: dict[str, Any] = {
    "topic": "Daily stand-up {date}",
    "type": 2,
    "start_time": "09:30",
    "duration": 15,
    "timezone": "Europe/Paris",
    "password": PASSWORD,
    "agenda": "Stand-up of {date}",
    "settings": {"join_before_host": True, "waiting_room": False},
}

# Obviously fake, in the signing secret's form (letters and digits).
SLACK_SIGNING_SECRET = "fakesigningsecret0000000000000000"
# The Zoom app's event notifications secret token (Features -> Access -> Secret Token).
ZOOM_SECRET_TOKEN = "FAKE-zoom-secret-token-0001"
SIGNING_SECRET_ID = "zoom-notifier/slack-signing-secret"
REQUESTS_TABLE = "zoom-notifier-inbound-requests"

SETTING_NAMES = (
    "MEETINGS_TABLE",
    "TEMPLATE_BUCKET",
    "TEMPLATE_KEY",
    "ZOOM_USER_ID",
    "ZOOM_CREDENTIALS_SECRET",
    "ZOOM_ACCOUNT_ID",
    "ZOOM_CLIENT_ID",
    "ZOOM_CLIENT_SECRET",
    "SLACK_WEBHOOK_SECRET",
    "SLACK_WEBHOOK_URL",
    "MEETING_TIMEZONE",
    "METRICS_NAMESPACE",
    "ZOOM_API_URL",
    "ZOOM_OAUTH_URL",
    "LOG_LEVEL",
    "ALLOW_LOOPBACK_URLS",
    "STATE_MACHINE_ARN",
    "FAILURE_TOPIC_ARN",
    "DISPATCH_EVERY_MINUTES",
    "SLACK_BOT_TOKEN_SECRET",
    "SLACK_CHANNEL",
    "SLACK_SIGNING_SECRET",
    "INBOUND_REQUESTS_TABLE",
)


@dataclass
class AwsResources:
    """Sync boto3 clients on the moto server, with the service's resources created."""

    s3: Any
    dynamodb: Any
    secretsmanager: Any
    stepfunctions: Any
    sns: Any

    @classmethod
    def create(cls, endpoint: str) -> AwsResources:
        def client(service: str) -> Any:
            return boto3.client(service, region_name=REGION, endpoint_url=endpoint)

        resources = cls(
            client("s3"),
            client("dynamodb"),
            client("secretsmanager"),
            client("stepfunctions"),
            client("sns"),
        )
        resources.stepfunctions.create_state_machine(
            name="zoom-notifier",
            definition=json.dumps(
                {"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}
            ),
            roleArn="arn:aws:iam::123456789012:role/zoom-notifier",
        )
        resources.sns.create_topic(Name="zoom-notifier-failures")
        resources.s3.create_bucket(Bucket=BUCKET)
        resources.put_template(TEMPLATE)
        # The table as the template defines it (its keys and the MovedMeetings index).
        table = load_template(TEMPLATE_PATH)["Resources"]["MeetingsTable"]["Properties"]
        resources.dynamodb.create_table(
            TableName=TABLE,
            KeySchema=table["KeySchema"],
            AttributeDefinitions=table["AttributeDefinitions"],
            GlobalSecondaryIndexes=table["GlobalSecondaryIndexes"],
            BillingMode="PAY_PER_REQUEST",
        )
        resources.secretsmanager.create_secret(
            Name=ZOOM_SECRET_ID,
            SecretString=json.dumps(
                {"account_id": ACCOUNT_ID, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
            ),
        )
        resources.secretsmanager.create_secret(
            Name=SLACK_SECRET_ID, SecretString=json.dumps({"url": WEBHOOK_URL})
        )
        resources.dynamodb.create_table(
            TableName=REQUESTS_TABLE,
            KeySchema=[{"AttributeName": "request", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "request", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        resources.secretsmanager.create_secret(
            Name=SIGNING_SECRET_ID, SecretString=SLACK_SIGNING_SECRET
        )
        return resources

    def put_template(self, body: Any, name: str = "default") -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.s3.put_object(Bucket=BUCKET, Key=TEMPLATE_KEY.format(template=name), Body=raw)

    def put_claim(
        self, date: str, *, owner: str = "arn:other-execution", expires_in: int = 60
    ) -> None:
        """A creation claim of another execution, as a crashed or running one leaves it."""
        put_claim_item(self.dynamodb, TABLE, date, owner=owner, expires_in=expires_in)

    def put_created_meeting(self, date: str) -> None:
        """The item CreateMeeting leaves behind, written directly."""
        self.dynamodb.put_item(
            TableName=TABLE,
            Item={
                "date": {"S": date},
                "template": {"S": "default"},
                "status": {"S": "created"},
                "meeting_id": {"N": str(MEETING_ID)},
                "join_url": {"S": JOIN_URL},
                "topic": {"S": "Daily stand-up"},
                "start_time": {"S": "2026-11-27T08:30:00Z"},
                "timezone": {"S": "Europe/Paris"},
                "expires_at": {"N": str(int(time.time()) + 86400)},
            },
        )

    def put_announced_meeting(self, date: str, start_time: str, timezone: str = "UTC") -> None:
        """The item of a meeting created and announced in Slack app mode, written directly."""
        self.dynamodb.put_item(TableName=TABLE, Item=announced_item(date, start_time, timezone))

    def item(self, date: str, template: str = "default") -> dict[str, Any] | None:
        response = self.dynamodb.get_item(
            TableName=TABLE,
            Key={"date": {"S": date}, "template": {"S": template}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        if item is None:
            return None
        return {name: TypeDeserializer().deserialize(value) for name, value in item.items()}

    def items(self) -> list[dict[str, Any]]:
        return list(self.dynamodb.scan(TableName=TABLE)["Items"])


def announced_item(
    date: str,
    start_time: str,
    timezone: str = "UTC",
    *,
    meeting_id: int = MEETING_ID,
    slack_ts: str = "1800000000.000100",
) -> dict[str, Any]:
    """The DynamoDB item of a meeting created and announced in Slack app mode (in
    :data:`SLACK_APP_CHANNEL`, as the message ``slack_ts``)."""
    return {
        "date": {"S": date},
        "template": {"S": "default"},
        "status": {"S": "notified"},
        "meeting_id": {"N": str(meeting_id)},
        "join_url": {"S": JOIN_URL},
        "topic": {"S": "Daily stand-up"},
        "start_time": {"S": start_time},
        "timezone": {"S": timezone},
        "notified_at": {"S": "2026-11-27T07:00:00+00:00"},
        "slack_channel": {"S": SLACK_APP_CHANNEL},
        "slack_ts": {"S": slack_ts},
        "expires_at": {"N": str(int(time.time()) + 86400)},
    }


def deployed_environment() -> dict[str, str]:
    """Every setting a deployed function has, secrets named by their Secrets Manager ids."""
    return {
        "MEETINGS_TABLE": TABLE,
        "TEMPLATE_BUCKET": BUCKET,
        "TEMPLATE_KEY": TEMPLATE_KEY,
        "ZOOM_USER_ID": ZOOM_USER,
        "ZOOM_CREDENTIALS_SECRET": ZOOM_SECRET_ID,
        "SLACK_WEBHOOK_SECRET": SLACK_SECRET_ID,
        "MEETING_TIMEZONE": "Europe/Paris",
        "LOG_LEVEL": "DEBUG",
        "STATE_MACHINE_ARN": STATE_MACHINE_ARN,
        "FAILURE_TOPIC_ARN": FAILURE_TOPIC_ARN,
        "DISPATCH_EVERY_MINUTES": "5",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET_ID,
        "INBOUND_REQUESTS_TABLE": REQUESTS_TABLE,
    }


def zoom_model() -> ZoomModel:
    """The Zoom model with this module's fake app: its first meeting is :data:`MEETING_ID`."""
    return ZoomModel(
        ACCOUNT_ID,
        CLIENT_ID,
        CLIENT_SECRET,
        access_token=ACCESS_TOKEN,
        first_meeting_id=MEETING_ID,
        join_password=JOIN_PASSWORD,
        start_token=START_TOKEN,
    )


def slack_model() -> SlackModel:
    """The webhook of :data:`WEBHOOK_URL`."""
    return SlackModel(path=WEBHOOK_PATH)


def zoom_meeting(
    meeting_id: int = MEETING_ID, topic: str = "Daily stand-up 2026-11-27", **extra: Any
) -> dict[str, Any]:
    """The meeting Zoom creates from :data:`TEMPLATE` for 2026-11-27 (fields in ``extra`` win)."""
    request = {
        **TEMPLATE,
        "topic": topic,
        "start_time": "2026-11-27T09:30:00",
        "agenda": "Stand-up of 2026-11-27",
    }
    body = meeting_body(
        meeting_id,
        ZOOM_USER,
        request,
        created_at=datetime(2026, 11, 26, 18, tzinfo=UTC),
        join_password=JOIN_PASSWORD,
        start_token=START_TOKEN,
    )
    return {**body, **extra}


def slack_text(payload: dict[str, Any]) -> str:
    """All the text of a Slack message's blocks, one block per line."""
    texts = []
    for block in payload.get("blocks", []):
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(element["url"] for element in block.get("elements", []) if "url" in element)
    return "\n".join(texts)


def join_button_url(payload: dict[str, Any]) -> str:
    """The URL of an announcement's "Join meeting" button."""
    for block in payload["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                return str(element["url"])
    raise AssertionError("not an announcement")


def calls(http: aioresponses, method: str, url: str | re.Pattern[str]) -> list[Any]:
    """The requests sent to ``url`` (exact, or a pattern over the full URL)."""
    found = []
    for (sent_method, sent_url), requests in http.requests.items():
        if sent_method != method:
            continue
        if isinstance(url, re.Pattern):
            if url.match(str(sent_url)):
                found.extend(requests)
        elif sent_url == URL(url):
            found.extend(requests)
    return found


def recorded(handler: Callable[[Any, Any], dict[str, Any]], event: Any) -> dict[str, Any]:
    """The handler's result, or ``{"outcome": "failed", "error", "cause"}`` for the permanent
    error it raised (what the execution's history keeps of a failed task)."""
    try:
        return handler(event, FakeContext())
    except PermanentError as exc:
        return {"outcome": "failed", "error": exc.name, "cause": str(exc)}


@dataclass
class FakeContext:
    """The attributes of Lambda's context object the handlers read."""

    function_name: str = "zoom-notifier-test"
    aws_request_id: str = "11111111-2222-3333-4444-555555555555"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:zoom-notifier-test"


def put_item(dynamodb: Any, table: str, date: str, **attributes: Any) -> None:
    """Write a meetings-table item of (date, "default") directly, as an operator could."""
    item = {"date": date, "template": "default", **attributes}
    serializer = TypeSerializer()
    dynamodb.put_item(
        TableName=table, Item={name: serializer.serialize(value) for name, value in item.items()}
    )


def put_claim_item(dynamodb: Any, table: str, date: str, *, owner: str, expires_in: int) -> None:
    """A `creating` item whose lease belongs to ``owner`` and ends in ``expires_in`` seconds."""
    now = int(time.time())
    put_item(dynamodb, table, date, status="creating", claim_owner=owner,
             claim_expires_at=now + expires_in, expires_at=now + 86400)  # fmt: skip


def put_hand_edited_item(dynamodb: Any, table: str, date: str) -> None:
    """A `created` item someone edited by hand: its meeting id is not a number."""
    put_item(dynamodb, table, date, status="created", meeting_id="not a number", expires_at=1)


SLACK_APP_CHANNEL = "C0FAKE00001"
SLACK_BOT_TOKEN = "xoxb-FAKE-local-bot-token"  # SlackApiModel's default


def deploy_stack(
    local_aws: LocalAws,
    transform: Callable[[dict[str, Any]], dict[str, Any]] = shorten_retries,
    *,
    slack_app: bool = False,
    function_urls: Mapping[str, str] | None = None,
) -> LocalStack:
    """The stack of infrastructure/template.yaml in the local moto server, retries shortened;
    with ``slack_app``, in Slack app mode (channel :data:`SLACK_APP_CHANNEL`); with
    ``function_urls``, its Function URLs served there (see :func:`deploy`)."""
    stack = deploy(
        local_aws,
        parameters={
            "ZoomUserId": ZOOM_USER,
            "MeetingTimezone": "Europe/Paris",
            "ArtifactBucket": "unused-locally",
            "CodeKey": "unused",
            "DefinitionKey": "unused",
            "SlackChannel": SLACK_APP_CHANNEL if slack_app else "",
        },
        secrets={
            "ZoomCredentialsSecret": json.dumps(
                {"account_id": ACCOUNT_ID, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
            ),
            "SlackWebhookSecret": WEBHOOK_URL,
            "SlackBotTokenSecret": SLACK_BOT_TOKEN,
            "SlackSigningSecret": SLACK_SIGNING_SECRET,
            "ZoomWebhookSecret": ZOOM_SECRET_TOKEN,
        },
        transform=transform,
        function_urls=function_urls,
    )
    put_stack_template(stack, TEMPLATE)
    return stack


def put_stack_template(stack: LocalStack, body: Any, name: str = "default") -> None:
    stack.client("s3").put_object(
        Bucket=stack.physical_ids["TemplateBucket"],
        Key=f"templates/{name}.json",
        Body=body if isinstance(body, bytes) else json.dumps(body).encode(),
    )


def stack_item(stack: LocalStack, day: str, template: str = "default") -> dict[str, Any] | None:
    """The meetings-table item of (day, template), as plain values."""
    response = stack.client("dynamodb").get_item(
        TableName=stack.physical_ids["MeetingsTable"],
        Key={"date": {"S": day}, "template": {"S": template}},
        ConsistentRead=True,
    )
    found = response.get("Item")
    return None if found is None else {key: next(iter(v.values())) for key, v in found.items()}
