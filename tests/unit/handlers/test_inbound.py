"""The inbound function through its entry point: the deployed stack's settings in moto, Slack's
requests as the Function URL passes them. Authenticated before anything else is read; every
refusal a bare status; never a 500, never a write without a valid signature."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aioresponses import aioresponses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import fakes
from tests.support.memory import ModelZoom
from tests.support.mounted import mount_slack_api
from zoom_notifier.errors import AwsUnavailable, SlackUnavailable
from zoom_notifier.handlers import inbound
from zoom_notifier.inbound.request_signature import sign
from zoom_notifier.local.function_url import request_event
from zoom_notifier.local.slack_api_model import SlackApiModel, slack_error
from zoom_notifier.local.slack_commands import command_form
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.container import reset_container
from zoom_notifier.services.deferred_changes import DEFERRED_KEY, ChangeJob, DeferredChanges
from zoom_notifier.services.slack_app import SLACK_API_URL

CHANNEL = fakes.SLACK_APP_CHANNEL
FORM = "application/x-www-form-urlencoded"


def signed(
    body: bytes, *, at: float | None = None, secret: str = fakes.SLACK_SIGNING_SECRET
) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        "content-type": FORM,
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": sign(secret, timestamp, body),
    }


def call(
    body: bytes, headers: dict[str, str], *, path: str = "/slack/commands", method: str = "POST"
) -> dict[str, Any]:
    answer: dict[str, Any] = inbound.handler(
        request_event(method, path, headers, body), fakes.FakeContext()
    )
    return answer


def seen_requests(stack: LocalStack) -> int:
    table = stack.physical_ids["InboundRequestsTable"]
    return int(stack.client("dynamodb").scan(TableName=table)["Count"])


def test_a_signed_command_is_answered_with_the_channels_meetings(app_stack: LocalStack) -> None:
    body = command_form("next 2", channel=CHANNEL, user="U0FAKE001")

    answer = call(body, signed(body))

    assert answer["statusCode"] == 200
    message = json.loads(answer["body"])
    assert message["response_type"] == "ephemeral"
    assert message["text"].startswith("*default* (Europe/Paris)\n• ")
    assert seen_requests(app_stack) == 1


def test_a_command_from_a_channel_with_no_template_is_told_so(app_stack: LocalStack) -> None:
    body = command_form("", channel="C0ELSEWHERE", user="U0FAKE001")

    message = json.loads(call(body, signed(body))["body"])

    assert message["text"].startswith("No team's meeting is announced in this channel")


BODY = command_form("next", channel=CHANNEL, user="U0FAKE001")


def _without(headers: dict[str, str], word: str) -> dict[str, str]:
    return {name: value for name, value in headers.items() if word not in name}


# Each refusal's request, made when the test runs (a timestamp must be measured from then).
REFUSALS: dict[str, Any] = {
    "wrong-secret": lambda: (BODY, signed(BODY, secret="another0fake0signing0secret00000")),
    "stale": lambda: (BODY, signed(BODY, at=time.time() - 301)),
    "future": lambda: (BODY, signed(BODY, at=time.time() + 301)),
    "no-signature": lambda: (BODY, _without(signed(BODY), "signature")),
    "no-timestamp": lambda: (BODY, _without(signed(BODY), "timestamp")),
    "body-changed-after-signing": lambda: (BODY.replace(b"next", b"help"), signed(BODY)),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_a_request_not_signed_by_slack_just_now_is_a_bare_401_and_changes_nothing(
    app_stack: LocalStack, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    body, headers = REFUSALS[name]()

    answer = call(body, headers)

    assert (answer["statusCode"], answer["body"]) == (401, "")
    assert seen_requests(app_stack) == 0
    logged = capsys.readouterr().out
    assert "request refused" in logged
    # Neither the body nor a secret nor the signature is in the log.
    assert "U0FAKE001" not in logged
    assert fakes.SLACK_SIGNING_SECRET not in logged
    assert headers.get("x-slack-signature", "v0=absent") not in logged


def test_a_replay_of_a_signed_request_is_refused(app_stack: LocalStack) -> None:
    body = command_form("next", channel=CHANNEL, user="U0FAKE001")
    headers = signed(body)

    first, again = call(body, headers), call(body, headers)

    assert (first["statusCode"], again["statusCode"], again["body"]) == (200, 401, "")


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"team_id=T1&x", FORM, 400),
        (command_form("next", channel=CHANNEL, user="U0FAKE001"), "application/json", 415),
        (b"team_id=T1", FORM, 400),
    ],
    ids=["malformed-form", "wrong-content-type", "not-a-command"],
)
def test_a_signed_body_that_is_not_a_command_is_refused_with_its_status(
    app_stack: LocalStack, body: bytes, content_type: str, status: int
) -> None:
    headers = signed(body) | {"content-type": content_type}

    answer = call(body, headers)

    assert (answer["statusCode"], answer["body"]) == (status, "")


def test_other_paths_and_methods_are_refused_before_the_signature_is_read(
    app_stack: LocalStack,
) -> None:
    assert call(b"", {}, path="/")["statusCode"] == 404
    assert call(b"", {}, path="/slack/commands", method="GET")["statusCode"] == 405


def test_a_signing_secret_still_the_placeholder_is_a_503_naming_the_setting(
    app_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    app_stack.client("secretsmanager").put_secret_value(
        SecretId=app_stack.environments["InboundFunction"]["SLACK_SIGNING_SECRET"],
        SecretString="REPLACE_ME with the Slack app's signing secret",
    )
    body = command_form("next", channel=CHANNEL, user="U0FAKE001")

    answer = call(body, signed(body))

    assert (answer["statusCode"], answer["body"]) == (503, "")
    logged = capsys.readouterr().out
    assert "SLACK_SIGNING_SECRET" in logged
    assert "REPLACE_ME" not in logged


_headers = st.dictionaries(
    st.sampled_from(
        ["content-type", "x-slack-request-timestamp", "x-slack-signature", "host", "x-other"]
    )
    | st.text(max_size=20),
    st.text(max_size=80),
    max_size=6,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode), headers=_headers)
def test_arbitrary_bodies_and_headers_are_never_a_500_nor_a_change(
    app_stack: LocalStack, body: bytes, headers: dict[str, str]
) -> None:
    reset_container()

    answer = call(body, headers)

    assert answer["statusCode"] in {400, 401, 413, 415}
    assert answer["body"] == ""
    assert seen_requests(app_stack) == 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_signed_bodies_are_answered_or_refused_never_a_500(
    app_stack: LocalStack, body: bytes
) -> None:
    answer = call(body, signed(body))

    assert answer["statusCode"] in {200, 400, 401, 415}


# --- a change of an announced meeting: answered at once, finished by the function's own job ---


@pytest.fixture
def announced(app_stack: LocalStack, zoom: ZoomModel) -> int:
    """Today's meeting at Zoom, announced in the channel, three hours from now."""
    meeting = asyncio.run(
        ModelZoom(zoom).create_meeting(fakes.ZOOM_USER, {"topic": "Daily stand-up", "type": 2})
    )
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/Paris")).date().isoformat()
    start = (now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    app_stack.client("dynamodb").put_item(
        TableName=app_stack.physical_ids["MeetingsTable"],
        Item=fakes.announced_item(today, start, meeting_id=meeting.id, slack_ts=ANNOUNCEMENT_TS),
    )
    return meeting.id


ANNOUNCEMENT_TS = "1800000000.000100"
RESPONSE_URL = "https://hooks.slack.com/commands/T0LOCAL01/1/fake"


@pytest.fixture
def workspace(http: aioresponses) -> SlackApiModel:
    """The channel, its announcement, and the command's response_url."""
    announcement = {"type": "message", "ts": ANNOUNCEMENT_TS, "text": "Daily stand-up"}
    model = SlackApiModel(channels={CHANNEL: [announcement | {"metadata": {}}]})
    mount_slack_api(model, http, base_url=SLACK_API_URL)
    model.issue_response_url(RESPONSE_URL)
    return model


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The jobs the function queued for itself (Lambda's asynchronous invoke), as events."""
    events: list[dict[str, Any]] = []

    async def defer(self: DeferredChanges, job: ChangeJob) -> None:
        events.append({DEFERRED_KEY: job.model_dump(mode="json")})

    monkeypatch.setattr(DeferredChanges, "defer", defer)
    return events


async def queue(self: DeferredChanges, job: ChangeJob) -> None:
    """Lambda's asynchronous invoke accepting the job (and running it later)."""


def type_command(text: str) -> dict[str, Any]:
    body = command_form(text, channel=CHANNEL, user="U0FAKE001", response_url=RESPONSE_URL)
    answer = call(body, signed(body))
    assert answer["statusCode"] == 200
    return dict(json.loads(answer["body"]))


@pytest.mark.usefixtures("app_stack")
def test_a_skip_after_the_announcement_is_answered_then_done_by_the_job_and_told(
    announced: int,
    zoom: ZoomModel,
    workspace: SlackApiModel,
    queued: list[dict[str, Any]],
) -> None:
    answer = type_command("skip today offsite")

    assert answer["text"].startswith("Cancelling *default* on ")
    assert announced in zoom.meetings  # nothing done within Slack's 3 seconds
    (event,) = queued
    assert inbound.handler(event, fakes.FakeContext()) == {"outcome": "changed"}

    assert announced not in zoom.meetings
    (message,) = workspace.messages(CHANNEL)
    assert message["text"].startswith("Cancelled: ")
    (told,) = workspace.responses[RESPONSE_URL]
    assert told["response_type"] == "in_channel"
    assert told["text"].startswith("<@U0FAKE001> cancelled *default* on ")
    assert told["text"].endswith(": offsite")
    # Lambda's retry of the same event changes nothing more and says so to the typist.
    assert inbound.handler(event, fakes.FakeContext()) == {"outcome": "nothing to do"}
    assert len(workspace.messages(CHANNEL)) == 1


@pytest.mark.usefixtures("app_stack")
def test_a_job_whose_response_url_is_used_up_tells_the_channel_instead(
    announced: int, zoom: ZoomModel, workspace: SlackApiModel, queued: list[dict[str, Any]]
) -> None:
    type_command("skip today")
    workspace.responses[RESPONSE_URL].extend([{}] * 5)  # Slack's five uses, spent

    inbound.handler(queued[0], fakes.FakeContext())

    announcement, told = workspace.messages(CHANNEL)
    assert announcement["text"].startswith("Cancelled: ")
    assert "cancelled *default*" in told["text"]
    assert announced not in zoom.meetings


@pytest.mark.usefixtures("app_stack")
def test_a_job_that_fails_tells_the_typist_and_is_retried_by_lambda(
    announced: int, zoom: ZoomModel, workspace: SlackApiModel, queued: list[dict[str, Any]]
) -> None:
    type_command("skip today")
    workspace.scripts["chat.update"].set(slack_error("internal_error"))

    with pytest.raises(SlackUnavailable):
        inbound.handler(queued[0], fakes.FakeContext())

    (told,) = workspace.responses[RESPONSE_URL]
    assert told["response_type"] == "ephemeral"
    assert "is not changed yet" in told["text"]
    assert "zoom-notifier skip --stack" in told["text"]
    inbound.handler(queued[0], fakes.FakeContext())  # the retry
    assert workspace.messages(CHANNEL)[0]["text"].startswith("Cancelled: ")


@pytest.mark.usefixtures("app_stack")
def test_a_job_that_cannot_be_queued_takes_the_change_back(
    announced: int, zoom: ZoomModel, workspace: SlackApiModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(self: DeferredChanges, job: ChangeJob) -> None:
        raise AwsUnavailable("Lambda: TooManyRequestsException")

    monkeypatch.setattr(DeferredChanges, "defer", refused)

    answer = type_command("skip today")

    assert answer["text"] == (
        "I could not start the change just now (AWS is failing); nothing is changed. Try "
        "again in a minute."
    )
    assert announced in zoom.meetings
    monkeypatch.setattr(DeferredChanges, "defer", queue)
    # Nothing was left marked: the command, typed again, begins the change.
    assert type_command("skip today offsite")["text"].startswith("Cancelling")
