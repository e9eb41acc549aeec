"""``zoom-notifier check``: is a deployment, or the local configuration, ready for its first
morning? Each check gives one line, and when it fails, the command that fixes it.

It reads what the service reads (the stack's outputs and parameters, both secrets, every template
in the bucket, the schedule) and asks Zoom for a token, exactly as ``create_meeting`` would, to
see the scopes Zoom granted. It posts to Slack only when asked to: a test message is visible.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from zoom_notifier.domain.template import parse_template
from zoom_notifier.domain.upcoming import (
    ZOOM_DAILY_CREATIONS_PER_HOST,
    crowded_hosts,
    next_meeting,
)
from zoom_notifier.errors import ConfigurationError, ZoomNotifierError
from zoom_notifier.operator.schedule_expression import ScheduleExpressionError, next_runs
from zoom_notifier.runtime import config
from zoom_notifier.runtime.config import SLACK_WEBHOOK_HOST, check_url
from zoom_notifier.services.secrets import (
    ZoomCredentials,
    parse_bot_token,
    parse_secret_token,
    parse_signing_secret,
    parse_webhook_url,
    parse_zoom_credentials,
)
from zoom_notifier.services.template_source import (
    TEMPLATE_PLACEHOLDER,
    stray_keys,
    suggested_key,
    template_name,
)

if TYPE_CHECKING:
    import boto3

__all__ = [
    "PLACEHOLDER",
    "REQUIRED_SCOPES",
    "Check",
    "CheckFailed",
    "ZoomEndpoints",
    "check_local",
    "check_stack",
    "passed",
    "render",
    "stack_templates",
]

Status = Literal["ok", "warn", "FAIL"]
T = TypeVar("T")

# The template's secrets are created holding this word, so that nothing runs on them by accident.
PLACEHOLDER = "REPLACE_ME"
# The examples the docs and the fixes show ("https://hooks.slack.com/services/T.../B.../...",
# '{"account_id": "..."}', "xoxb-..."): pasted as they are, they are placeholders too. No
# webhook URL, Zoom credential or bot token holds an ellipsis.
_ELLIPSES = ("...", "\u2026")
# The webhook's secret as JSON: the AWS CLI v1 reads a parameter that starts with https:// as
# a URL to download (its cli_follow_urlparam), so a bare URL cannot be passed as it is.
WEBHOOK_SECRET_EXAMPLE = '{"url": "https://hooks.slack.com/services/T.../B.../..."}'  # noqa: S105


def _is_placeholder(raw: str) -> bool:
    """Whether a secret still holds the stack's placeholder, or an example from the docs."""
    return PLACEHOLDER in raw or any(mark in raw for mark in _ELLIPSES)


# What the service calls, and the scopes that allow each call (classic or granular, account-wide
# or the host's own), from Zoom's API reference for Create a meeting, List meetings and Get a
# meeting: https://developers.zoom.us/docs/api/meetings/#tag/meetings
REQUIRED_SCOPES: dict[str, tuple[str, ...]] = {
    "create meetings": (
        "meeting:write:meeting:admin",
        "meeting:write:admin",
        "meeting:write:meeting",
        "meeting:write",
    ),
    "list meetings": (
        "meeting:read:list_meetings:admin",
        "meeting:read:admin",
        "meeting:read:list_meetings",
        "meeting:read",
    ),
    "read a meeting": (
        "meeting:read:meeting:admin",
        "meeting:read:admin",
        "meeting:read:meeting",
        "meeting:read",
    ),
}
_SCHEDULED_RUNS_SHOWN = 3


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, how it went, and what to do if it failed."""

    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class ZoomEndpoints:
    """Zoom's URLs (regional hosts, or local stand-ins with ``allow_loopback``)."""

    api_url: str = "https://api.zoom.us/v2"
    oauth_url: str = "https://zoom.us/oauth/token"
    allow_loopback: bool = False
    # Slack's Web API (app mode's test message).
    slack_api_url: str = "https://slack.com/api/"


class CheckFailed(Exception):
    """A check that could not pass: what is wrong, and the command that fixes it."""

    def __init__(self, detail: str, fix: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix


def _run(checks: list[Check], name: str, step: Callable[[], tuple[T, str]]) -> T | None:
    """Run one check; record its line; its value when it passed (``None`` when it failed)."""
    try:
        value, detail = step()
    except CheckFailed as failed:
        checks.append(Check(name, "FAIL", failed.detail, failed.fix))
        return None
    checks.append(Check(name, "ok", detail))
    return value


# --- AWS ------------------------------------------------------------------------------------


def _aws_failure(exc: Exception, doing: str) -> CheckFailed:
    from botocore.exceptions import (  # noqa: PLC0415 - only the stack check talks to AWS
        BotoCoreError,
        ClientError,
        NoCredentialsError,
    )

    if isinstance(exc, NoCredentialsError):
        return CheckFailed(
            f"no AWS credentials while {doing}",
            "aws configure (or set AWS_PROFILE to a profile that exists)",
        )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return CheckFailed(f"{doing}: {error.get('Code')}: {error.get('Message', '')}".rstrip(": "))
    if isinstance(exc, BotoCoreError):
        return CheckFailed(f"{doing}: {exc}")
    raise exc


def _call(doing: str, call: Callable[[], T]) -> T:
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    try:
        return call()
    except (BotoCoreError, ClientError) as exc:
        raise _aws_failure(exc, doing) from None


@dataclass(frozen=True)
class Deployment:
    name: str
    region: str
    outputs: dict[str, str]
    parameters: dict[str, str]

    def output(self, key: str) -> str:
        value = self.outputs.get(key)
        if not value:
            raise CheckFailed(
                f"stack {self.name} has no output {key}",
                "make deploy (the stack predates this version of the template)",
            )
        return value


def _deployment(session: boto3.session.Session, stack: str) -> tuple[Deployment, str]:
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    region = session.region_name or "(no region)"
    client = session.client("cloudformation")
    try:
        described = client.describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" in str(exc):
            raise CheckFailed(
                f"no stack {stack} in {region}",
                "make deploy ARTIFACT_BUCKET=... ZOOM_USER_ID=... (or pass --stack/--region)",
            ) from None
        raise _aws_failure(exc, f"reading stack {stack}") from None
    except BotoCoreError as exc:
        raise _aws_failure(exc, f"reading stack {stack}") from None
    deployment = Deployment(
        name=stack,
        region=region,
        outputs={item["OutputKey"]: item["OutputValue"] for item in described.get("Outputs", [])},
        parameters={
            item["ParameterKey"]: item["ParameterValue"] for item in described.get("Parameters", [])
        },
    )
    status = described.get("StackStatus", "")
    if not status.endswith("_COMPLETE") or "ROLLBACK" in status or "DELETE" in status:
        raise CheckFailed(
            f"stack {stack} is {status}",
            f"aws cloudformation describe-stack-events --stack-name {stack} (then make deploy)",
        )
    return deployment, f"{stack} in {region} ({status})"


def _secret(session: boto3.session.Session, arn: str) -> str:
    client = session.client("secretsmanager")
    value = _call(f"reading secret {arn}", lambda: client.get_secret_value(SecretId=arn))
    text = value.get("SecretString")
    if not text:
        raise CheckFailed(f"secret {arn} has no string value")
    return str(text)


def _team_channel(
    session: boto3.session.Session, secret_id: str, prefix: str, allow_loopback: bool
) -> Check:
    """A template's own webhook secret: under the prefix NotifyMeeting may read, and a URL."""
    name = secret_id.split(":secret:", 1)[-1]
    create = (
        f"aws secretsmanager create-secret --name "
        f"{name if name.startswith(prefix) else prefix + '<team>/webhook'} --secret-string "
        f"'{WEBHOOK_SECRET_EXAMPLE}', and name it in the template"
    )
    if not secret_id.split(":secret:", 1)[-1].startswith(prefix):
        detail = (
            f"{secret_id} is not named under TeamSecretsPrefix {prefix!r}: "
            "NotifyMeeting may not read it"
        )
        return Check("team channel", "FAIL", detail, create)
    try:
        _webhook_secret(session, secret_id, allow_loopback)
    except CheckFailed as failed:
        return Check("team channel", "FAIL", f"{secret_id}: {failed.detail}", failed.fix or create)
    return Check("team channel", "ok", f"{secret_id}: an Incoming Webhook URL")


def _bot_token(
    session: boto3.session.Session, arn: str, channel: str
) -> tuple[tuple[str, str], str]:
    """App mode: the bot token's secret holds a bot token (never printed); the token and the
    channel, for the test message."""
    fix = _put_secret_fix(arn, "xoxb-...") + " (the app's Bot User OAuth Token)"
    raw = _secret(session, arn)
    if _is_placeholder(raw):
        raise CheckFailed("still holds a placeholder, not the app's bot token", fix)
    try:
        token = parse_bot_token(raw, "the secret")
    except ZoomNotifierError as exc:
        raise CheckFailed(str(exc), fix) from None
    return (token, channel), f"a bot token; posts to channel {channel} (invite the app there)"


def _slash_command(
    session: boto3.session.Session, deployment: Deployment, channel: str, allow_loopback: bool
) -> tuple[None, str]:
    """App mode: the signing secret is set, and the stack's SlashCommandUrl answers a command
    signed with it (``/standup help``, which changes nothing) with 200."""
    arn = deployment.output("SlackSigningSecretArn")
    fix = (
        _put_secret_fix(arn, "<the Signing Secret>")
        + " (api.slack.com/apps -> your app -> Basic Information -> App Credentials)"
    )
    raw = _secret(session, arn)
    if _is_placeholder(raw):
        raise CheckFailed("still holds a placeholder, not the app's signing secret", fix)
    try:
        secret = parse_signing_secret(raw, "the secret")
    except ZoomNotifierError as exc:
        raise CheckFailed(str(exc), fix) from None
    url = deployment.output("SlashCommandUrl")
    try:
        check_url(url, name="SlashCommandUrl", allow_loopback=allow_loopback)
    except ConfigurationError as exc:
        raise CheckFailed(str(exc), "make deploy") from None
    status = _signed_help(url, secret, channel)
    logs = f"aws logs tail /aws/lambda/{deployment.name}-inbound --since 10m"
    if status == 401:
        raise CheckFailed(
            f"{url} refused a command signed with the stored secret (401): the function read "
            "another secret",
            f"{logs}; each container keeps the secret for 5 minutes: run the check again then",
        )
    if status != 200:
        raise CheckFailed(f"{url} answered a signed /standup help with {status}", logs)
    return None, (
        f"{url} answers signed commands (the Request URL of /standup in the app's manifest)"
    )


def _zoom_events(
    session: boto3.session.Session, deployment: Deployment, allow_loopback: bool
) -> Check:
    """App mode: whether Zoom's events can reach the stack. Optional (a warning when the secret
    token is not set); when set, the stack's ZoomEventsUrl must answer a URL validation signed
    with it as Zoom does: the token hashed with the same secret."""
    import hashlib  # noqa: PLC0415
    import hmac  # noqa: PLC0415
    import json  # noqa: PLC0415
    import time  # noqa: PLC0415

    from zoom_notifier.inbound.request_signature import sign  # noqa: PLC0415

    arn = deployment.outputs.get("ZoomWebhookSecretArn")
    url = deployment.outputs.get("ZoomEventsUrl")
    if not arn or not url:
        return Check("zoom events", "warn", "the stack predates Zoom's events", "make deploy")
    fix = _put_secret_fix(arn, "<the Secret Token>") + (
        " (marketplace.zoom.us -> your app -> Features -> Access -> Secret Token)"
    )
    try:
        raw = _secret(session, arn)
        if _is_placeholder(raw):
            return Check(
                "zoom events",
                "warn",
                "not set up: announcements do not follow their meetings (optional)",
                fix,
            )
        token = parse_secret_token(raw, "the secret")
        check_url(url, name="ZoomEventsUrl", allow_loopback=allow_loopback)
    except CheckFailed as failed:
        return Check("zoom events", "FAIL", failed.detail, failed.fix)
    except ZoomNotifierError as exc:
        return Check("zoom events", "FAIL", str(exc), fix)
    plain = "zoom-notifier-check"
    body = json.dumps({"event": "endpoint.url_validation", "payload": {"plainToken": plain}})
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "x-zm-request-timestamp": timestamp,
        "x-zm-signature": sign(token, timestamp, body.encode()),
    }
    status, answered = _post(url, body.encode(), headers)
    expected = hmac.new(token.encode(), plain.encode(), hashlib.sha256).hexdigest()
    if status != 200 or answered.get("encryptedToken") != expected:
        return Check(
            "zoom events",
            "FAIL",
            f"{url} answered a signed URL validation with {status}",
            f"aws logs tail /aws/lambda/{deployment.name}-inbound --since 10m",
        )
    return Check(
        "zoom events",
        "ok",
        f"{url} answers Zoom's URL validation (the app's event notification endpoint URL)",
    )


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """POST ``body``; the status and the JSON object answered ({} if none)."""
    import json  # noqa: PLC0415
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            try:
                answered = json.loads(response.read() or b"{}")
            except ValueError:
                answered = {}
            return int(response.status), answered if isinstance(answered, dict) else {}
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    except (urllib.error.URLError, OSError) as exc:
        return 0, {"error": str(exc)}


def _signed_help(url: str, secret: str, channel: str) -> int:
    """The status the URL answers to ``/standup help`` typed in ``channel``, signed as Slack
    signs (docs.slack.dev/authentication/verifying-requests-from-slack); 0 if unreachable."""
    import time  # noqa: PLC0415
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415
    from urllib.parse import urlencode  # noqa: PLC0415

    from zoom_notifier.inbound.request_signature import sign  # noqa: PLC0415

    body = urlencode(
        {
            "command": "/standup",
            "text": "help",
            "channel_id": channel,
            "user_id": "U0CHECK00",
            "team_id": "T0CHECK00",
            # Slack's own host: the check's request answers inline, never through it.
            "response_url": "https://hooks.slack.com/commands/T0CHECK00/0/check",
            # Unique: two checks within one second must not be one signed request (a replay).
            "trigger_id": f"0.{time.time_ns()}.check",
        }
    ).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - https, or loopback when allowed
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError) as exc:
        raise CheckFailed(
            f"{url} could not be reached: {exc}",
            "check this machine's network or proxy; aws lambda get-function-url-config "
            f"--function-name {url.split('//', 1)[-1].split('.', 1)[0]} shows the function's URL",
        ) from None


def _put_secret_fix(arn: str, example: str) -> str:
    return f"aws secretsmanager put-secret-value --secret-id {arn} --secret-string '{example}'"


_ZOOM_SECRET_EXAMPLE = '{"account_id": "...", "client_id": "...", "client_secret": "..."}'  # noqa: S105


def _zoom_secret(session: boto3.session.Session, arn: str) -> tuple[ZoomCredentials, str]:
    fix = _put_secret_fix(arn, _ZOOM_SECRET_EXAMPLE) + " (the Marketplace app's App credentials)"
    raw = _secret(session, arn)
    if _is_placeholder(raw):
        raise CheckFailed("still holds a placeholder, not the Zoom app's credentials", fix)
    try:
        return parse_zoom_credentials(raw, "the secret"), "set (account_id, client_id, secret)"
    except ZoomNotifierError as exc:
        raise CheckFailed(str(exc), fix) from None


def _webhook_secret(
    session: boto3.session.Session, arn: str, allow_loopback: bool
) -> tuple[str, str]:
    fix = _put_secret_fix(arn, WEBHOOK_SECRET_EXAMPLE)
    raw = _secret(session, arn)
    if _is_placeholder(raw):
        raise CheckFailed("still holds a placeholder, not the Incoming Webhook URL", fix)
    try:
        url = parse_webhook_url(raw, "the secret", allow_loopback=allow_loopback)
    except ZoomNotifierError as exc:
        raise CheckFailed(str(exc), fix) from None
    return url, f"an Incoming Webhook URL on {SLACK_WEBHOOK_HOST}"


# --- Zoom and Slack -------------------------------------------------------------------------


async def _scopes(credentials: ZoomCredentials, zoom: ZoomEndpoints) -> frozenset[str] | None:
    import aiohttp  # noqa: PLC0415

    from zoom_notifier.services.zoom import ZoomClient  # noqa: PLC0415

    async with aiohttp.ClientSession() as session:
        client = ZoomClient(session, credentials, api_url=zoom.api_url, oauth_url=zoom.oauth_url)
        return await client.granted_scopes()


def _zoom_token(credentials: ZoomCredentials, zoom: ZoomEndpoints) -> Check:
    from zoom_notifier.errors import TransientError  # noqa: PLC0415

    try:
        scopes = asyncio.run(_scopes(credentials, zoom))
    except TransientError as exc:
        # DNS, a refused connection, a timeout, Zoom's 5xx or 429: nothing about credentials.
        return Check(
            "zoom token",
            "FAIL",
            f"Zoom could not be reached or failed: {exc}",
            "check this machine's network or proxy (status.zoom.us), then run the check again",
        )
    except ZoomNotifierError as exc:
        return Check(
            "zoom token",
            "FAIL",
            str(exc),
            "compare account_id, client_id and client_secret with the app's App credentials "
            "page on marketplace.zoom.us, and check that the app is activated",
        )
    if scopes is None:
        return Check("zoom token", "warn", "a token, but Zoom's answer listed no scopes")
    missing = [need for need, allowed in REQUIRED_SCOPES.items() if scopes.isdisjoint(allowed)]
    if missing:
        return Check(
            "zoom token",
            "FAIL",
            f"a token, but no scope to {', '.join(missing)}",
            "add the scopes "
            + ", ".join(REQUIRED_SCOPES[need][0] for need in missing)
            + " to the app (marketplace.zoom.us > the app > Scopes)",
        )
    return Check("zoom token", "ok", "a token with the scopes to create, list and read meetings")


_TEST_MESSAGE = {"text": "zoom-notifier check: this channel will get the daily meeting."}


def _post_test_message(url: str) -> Check:
    import aiohttp  # noqa: PLC0415

    from zoom_notifier.services.slack_webhook import SlackWebhook  # noqa: PLC0415

    async def post() -> None:
        async with aiohttp.ClientSession() as session:
            await SlackWebhook(session, url).post(_TEST_MESSAGE)

    return _posted(post, "create a new Incoming Webhook for the channel, store it in the secret")


def _post_app_test_message(token: str, channel: str, api_url: str) -> Check:
    """App mode: the test message goes through the app, as the announcements do."""
    import aiohttp  # noqa: PLC0415

    from zoom_notifier.services.slack_app import AppChannel, SlackApp  # noqa: PLC0415

    async def post() -> None:
        async with aiohttp.ClientSession() as session:
            await AppChannel(SlackApp(session, token, base_url=api_url), channel).post(
                _TEST_MESSAGE
            )

    return _posted(post, "put a valid bot token (xoxb-...) in the secret")


def _posted(post: Callable[[], Any], refused_fix: str) -> Check:
    """The test message's line: a Slack that could not be reached is told from one that
    refused, and each gets its own fix."""
    from zoom_notifier.errors import SlackChannelUnavailable, SlackUnavailable  # noqa: PLC0415

    try:
        asyncio.run(post())
    except SlackUnavailable as exc:
        return Check(
            "slack post",
            "FAIL",
            f"Slack could not be reached or failed: {exc}",
            "check this machine's network or proxy (status.slack.com), then run the check again",
        )
    except SlackChannelUnavailable as exc:
        return Check("slack post", "FAIL", str(exc), "do what the line above says, then check")
    except ZoomNotifierError as exc:
        return Check("slack post", "FAIL", str(exc), refused_fix)
    return Check("slack post", "ok", "a test message was posted")


# --- templates and the schedule -------------------------------------------------------------


def _template_checks(
    sources: Iterable[tuple[str, Callable[[], bytes]]],
    now: datetime,
    timezone: str,
    fix: Callable[[str], str],
    default_host: str | None = None,
    channel: Callable[[str], Check] | None = None,
) -> list[Check]:
    """A line per template (its next meeting, or what is wrong with it; with ``channel``, its
    own Slack channel too), then a warning per Zoom host carrying more templates than Zoom's
    daily creation limit leaves room for."""
    checks = []
    hosts = []
    for name, read in sources:
        try:
            template = parse_template(read(), name)
            template.resolve(now.date(), timezone)
            coming = next_meeting(name, template, now, timezone)
        except ZoomNotifierError as exc:
            # The fix names this template's own key: another key is another team's template.
            checks.append(Check("template", "FAIL", str(exc), fix(name)))
            continue
        except CheckFailed as failed:
            checks.append(Check("template", "FAIL", failed.detail, failed.fix))
            continue
        notifier = template.notifier
        hosts.append((notifier.zoom_user_id if notifier else None) or default_host or "")
        slack = notifier.slack if notifier else None
        if channel is not None and slack is not None and slack.webhook_secret is not None:
            checks.append(channel(slack.webhook_secret))
        if coming is None or coming.start is None or coming.announce_at is None:
            checks.append(
                Check(
                    "template",
                    "warn",
                    f"{name}: {template.topic!r} has no meeting in the coming year",
                    'give it a daily start_time ("09:30") and check its notifier.days',
                )
            )
            continue
        checks.append(
            Check(
                "template",
                "ok",
                f"{name}: {template.topic!r} next {coming.start:%a %Y-%m-%d %H:%M %Z}, "
                f"announced {coming.announce_at:%H:%M}",
            )
        )
    for host, count in crowded_hosts(host for host in hosts if host).items():
        checks.append(
            Check(
                "zoom host",
                "warn",
                f"{host} hosts {count} templates: Zoom allows {ZOOM_DAILY_CREATIONS_PER_HOST} "
                "meeting creations per host per day (reset at 00:00 UTC), shared with retries "
                "and any other app; past it, the day's creates fail with ZoomDailyLimitReached",
                "give some templates their own host (notifier.zoom_user_id in the template)",
            )
        )
    return checks


def _bucket_templates(
    session: boto3.session.Session, bucket: str, key_pattern: str
) -> tuple[list[tuple[str, Callable[[], bytes]]], list[str]]:
    """The bucket's templates (their s3:// URL and a reader), by the dispatcher's own rule
    (:func:`template_names`), and the keys in their place that name none."""
    client = session.client("s3")
    prefix, _, _ = key_pattern.partition(TEMPLATE_PLACEHOLDER)
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    listed = _call(
        f"listing s3://{bucket}/{prefix}",
        lambda: [item["Key"] for page in pages for item in page.get("Contents", [])],
    )
    keys = [key for key in listed if template_name(key_pattern, key) is not None]

    def reader(key: str) -> Callable[[], bytes]:
        def read() -> bytes:
            answer = _call(f"reading s3://{bucket}/{key}", lambda: client.get_object(**where))
            body: bytes = answer["Body"].read()
            return body

        where = {"Bucket": bucket, "Key": key}
        return read

    sources = [(f"s3://{bucket}/{key}", reader(key)) for key in sorted(keys)]
    return sources, stray_keys(key_pattern, listed)


def _stray_checks(bucket: str, key_pattern: str, strays: list[str]) -> list[Check]:
    """A FAIL per object where templates live whose name is no template's: never started."""
    return [
        Check(
            "template",
            "FAIL",
            f"s3://{bucket}/{key} is never started: a template's name is letters, digits, "
            "'.', '_' and '-' (no space, no folder)",
            f"aws s3 mv 's3://{bucket}/{key}' s3://{bucket}/{suggested_key(key_pattern, key)}",
        )
        for key in strays
    ]


# Each function of the stack (its FunctionName in the template) and the settings it loads.
_FUNCTIONS = {
    "dispatch": "DispatchSettings",
    "create-meeting": "CreateSettings",
    "notify-meeting": "NotifySettings",
    "notify-failure": "FailureSettings",
}


def _function_settings(session: boto3.session.Session, deployment: Deployment) -> Check:
    """Each deployed function's own environment, loaded as the function loads it: a value
    that would fail every invocation (a MeetingTimezone that does not exist, say) fails here
    first, with the fix."""
    client = session.client("lambda")
    problems = []
    for suffix, settings_name in _FUNCTIONS.items():
        name = f"{deployment.name}-{suffix}"
        try:
            configuration = _call(
                f"reading function {name}",
                partial(client.get_function_configuration, FunctionName=name),
            )
        except CheckFailed as failed:
            return Check("functions", "FAIL", failed.detail, failed.fix)
        # Strings, as Lambda gives them to the function (moto may answer a Number as is).
        variables = {
            key: str(value)
            for key, value in configuration.get("Environment", {}).get("Variables", {}).items()
        }
        try:
            with _environment(variables | {"AWS_LAMBDA_FUNCTION_NAME": name}):
                config.load_settings(getattr(config, settings_name))
        except ConfigurationError as exc:
            problems.append(f"{name} cannot start: {exc}")
    if problems:
        return Check(
            "functions",
            "FAIL",
            "; ".join(problems),
            'fix the stack parameter it comes from: make deploy PARAMETERS=\'{"Name": "value"}\'',
        )
    return Check("functions", "ok", f"the settings of {len(_FUNCTIONS)} functions load")


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Only ``variables`` in the environment (as a function sees its own), then as before."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _schedule(session: boto3.session.Session, deployment: Deployment, now: datetime) -> Check:
    name = deployment.output("ScheduleName")
    client = session.client("scheduler")
    schedule = _call(f"reading schedule {name}", lambda: client.get_schedule(Name=name))
    expression = schedule["ScheduleExpression"]
    timezone = schedule.get("ScheduleExpressionTimezone") or "UTC"
    # Someone may have edited the schedule in the console: its expression is read again.
    fix = "make deploy (it sets the dispatcher's schedule from DispatchEveryMinutes)"
    try:
        runs = next_runs(expression, timezone, now, _SCHEDULED_RUNS_SHOWN)
    except ScheduleExpressionError as exc:
        return Check("schedule", "FAIL", f"{expression}: {exc}", fix)
    shown = ", ".join(run.strftime("%H:%M") for run in runs) or "none computed"
    detail = f"the dispatcher runs {expression} in {timezone}; next: {shown}"
    if schedule.get("State") != "ENABLED":
        return Check(
            "schedule",
            "warn",
            f"DISABLED ({detail})",
            "make deploy turns it on once every other check passes",
        )
    if not runs and not expression.startswith("rate("):
        return Check("schedule", "warn", f"{detail}: it will not run again", fix)
    return Check("schedule", "ok", detail)


# --- the two entry points -------------------------------------------------------------------


def check_stack(
    stack: str,
    *,
    region: str | None = None,
    zoom: ZoomEndpoints | None = None,
    post_test_message: bool = False,
    now: datetime | None = None,
) -> list[Check]:
    """Every check of a deployed stack, in order; stops early only without the stack."""
    import boto3  # noqa: PLC0415 - the command line's AWS client
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415

    zoom = zoom or ZoomEndpoints()
    now = now or datetime.now(UTC)
    try:
        session = boto3.session.Session(region_name=region)
    except BotoCoreError as exc:  # ProfileNotFound and friends
        return [Check("aws", "FAIL", str(exc), "aws configure list-profiles")]
    checks: list[Check] = []
    deployment = _run(checks, "stack", lambda: _deployment(session, stack))
    if deployment is None:
        return checks
    checks.append(_function_settings(session, deployment))
    credentials = _run(
        checks,
        "zoom secret",
        lambda: _zoom_secret(session, deployment.output("ZoomCredentialsSecretArn")),
    )
    webhook: str | None = None
    app: tuple[str, str] | None = None
    if channel := deployment.parameters.get("SlackChannel"):
        app = _run(
            checks,
            "slack app",
            lambda: _bot_token(session, deployment.output("SlackBotTokenSecretArn"), channel),
        )
        _run(
            checks,
            "slash command",
            lambda: _slash_command(session, deployment, channel, zoom.allow_loopback),
        )
        checks.append(_zoom_events(session, deployment, zoom.allow_loopback))
    else:
        webhook = _run(
            checks,
            "slack secret",
            lambda: _webhook_secret(
                session, deployment.output("SlackWebhookSecretArn"), zoom.allow_loopback
            ),
        )
    if credentials is not None:
        checks.append(_zoom_token(credentials, zoom))
    try:
        schedule = _schedule(session, deployment, now)
    except CheckFailed as failed:
        schedule = Check("schedule", "FAIL", failed.detail, failed.fix)
    meeting_timezone = deployment.parameters.get("MeetingTimezone", "UTC")
    bucket = deployment.outputs.get("TemplateBucketName", "")
    key_pattern = deployment.parameters.get("TemplateKey", "templates/{template}.json")
    upload = (
        f"zoom-notifier validate-template FILE, then aws s3 cp FILE s3://{bucket}/"
        + key_pattern.replace(TEMPLATE_PLACEHOLDER, "default")
    )

    def upload_to(source: str) -> str:
        return f"zoom-notifier validate-template FILE, then aws s3 cp FILE {source}"

    try:
        sources, strays = _bucket_templates(
            session, deployment.output("TemplateBucketName"), key_pattern
        )
    except CheckFailed as failed:
        checks.append(Check("template", "FAIL", failed.detail, failed.fix))
    else:
        checks.extend(_stray_checks(bucket, key_pattern, strays))
        if not sources:
            example = upload.replace("FILE", "examples/templates/default.json")
            checks.append(Check("template", "FAIL", f"no template in s3://{bucket}/", example))
        checks.extend(
            _template_checks(
                sources,
                now,
                meeting_timezone,
                upload_to,
                deployment.parameters.get("ZoomUserId"),
                lambda secret_id: _team_channel(
                    session,
                    secret_id,
                    deployment.parameters.get("TeamSecretsPrefix", "zoom-notifier/"),
                    zoom.allow_loopback,
                ),
            )
        )
    if webhook is not None and post_test_message:
        checks.append(_post_test_message(webhook))
    if app is not None and post_test_message:
        checks.append(_post_app_test_message(*app, zoom.slack_api_url))
    checks.append(schedule)
    return checks


def check_local(
    *,
    credentials: ZoomCredentials,
    webhook_url: str,
    templates: Sequence[Path],
    meeting_timezone: str,
    zoom: ZoomEndpoints,
    post_test_message: bool = False,
    now: datetime | None = None,
    zoom_user_id: str | None = None,
) -> list[Check]:
    """The checks that apply to ``zoom-notifier run``'s configuration (no stack, no schedule)."""
    checks = [_zoom_token(credentials, zoom)]
    try:
        check_url(
            webhook_url,
            name="SLACK_WEBHOOK_URL",
            allow_loopback=zoom.allow_loopback,
            host=SLACK_WEBHOOK_HOST,
        )
    except ZoomNotifierError as exc:
        checks.append(Check("slack webhook", "FAIL", str(exc), "copy the URL from Slack again"))
    else:
        checks.append(
            Check("slack webhook", "ok", f"an Incoming Webhook URL on {SLACK_WEBHOOK_HOST}")
        )
        if post_test_message:
            checks.append(_post_test_message(webhook_url))

    def reader(path: Path) -> Callable[[], bytes]:
        def read() -> bytes:
            try:
                return path.read_bytes()
            except OSError as exc:
                raise CheckFailed(f"cannot read {path}: {exc.strerror}") from None

        return read

    checks.extend(
        _template_checks(
            [(str(path), reader(path)) for path in templates],
            now or datetime.now(UTC),
            meeting_timezone,
            lambda path: f"zoom-notifier validate-template {path} shows the Zoom request it makes",
            zoom_user_id,
        )
    )
    return checks


@dataclass(frozen=True)
class StackView:
    """What the operator's commands read of a deployed stack."""

    session: boto3.session.Session
    deployment: Deployment
    templates: dict[str, bytes]


def read_stack(stack: str, region: str | None = None) -> StackView:
    """A deployed stack's outputs, parameters and templates; a problem reading them is a
    :class:`CheckFailed` with its fix."""
    import boto3  # noqa: PLC0415 - the command line's AWS client

    session = boto3.session.Session(region_name=region)
    deployment, _ = _deployment(session, stack)
    templates, _ = _templates_of(session, deployment)
    return StackView(session, deployment, templates)


def stack_templates(stack: str, region: str | None = None) -> tuple[dict[str, bytes], str]:
    """The templates of a deployed stack's bucket, by name, and its ``MeetingTimezone``; a
    problem reading them is a :class:`CheckFailed` with its fix."""
    import boto3  # noqa: PLC0415 - the command line's AWS client

    session = boto3.session.Session(region_name=region)
    deployment, _ = _deployment(session, stack)
    return _templates_of(session, deployment)


def _templates_of(
    session: boto3.session.Session, deployment: Deployment
) -> tuple[dict[str, bytes], str]:
    key_pattern = deployment.parameters.get("TemplateKey", "templates/{template}.json")
    sources, _ = _bucket_templates(session, deployment.output("TemplateBucketName"), key_pattern)
    templates = {}
    for source, read in sources:
        name = template_name(key_pattern, source.split("/", 3)[3])  # s3://bucket/key
        if name is not None:
            templates[name] = read()
    return templates, deployment.parameters.get("MeetingTimezone", "UTC")


def render(checks: Sequence[Check]) -> list[str]:
    """The report's lines: status, check, detail; a failure's fix on the line below."""
    lines = []
    for check in checks:
        lines.append(f"{check.status:<5} {check.name:<13} {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"{'':<5} {'':<13} fix: {check.fix}")
    return lines


def passed(checks: Sequence[Check]) -> bool:
    return all(check.status != "FAIL" for check in checks)
