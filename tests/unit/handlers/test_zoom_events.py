"""Zoom's event notifications through the inbound function's entry point: the deployed stack's
settings in moto, Zoom's requests as the Function URL passes them, the edit job as Lambda's
asynchronous invoke hands it back. Signed before anything is read; a refusal a bare status that
logs neither body nor secret; never a 500, never a change without a valid signature."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
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
from zoom_notifier.handlers import inbound
from zoom_notifier.local.function_url import request_event
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_events import zoom_signature
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.container import reset_container
from zoom_notifier.services.deferred_changes import REFRESH_KEY, DeferredChanges, RefreshJob
from zoom_notifier.services.slack_app import SLACK_API_URL

CHANNEL = fakes.SLACK_APP_CHANNEL
ANNOUNCEMENT_TS = "1800000000.000100"
PATH = "/zoom/events"


@pytest.fixture
def app_stack(app_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    """The app-mode stack (conftest), each edit due at once."""
    monkeypatch.setenv("ANNOUNCEMENT_EDIT_SECONDS", "0")
    return app_stack


@pytest.fixture
def zoom(http: aioresponses) -> ZoomModel:
    del http
    return fakes.zoom_model()


@pytest.fixture
def meeting(app_stack: LocalStack, zoom: ZoomModel) -> int:
    """Today's meeting at Zoom, announced in the channel."""
    created = asyncio.run(
        ModelZoom(zoom).create_meeting(fakes.ZOOM_USER, {"topic": "Daily stand-up", "type": 2})
    )
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/Paris")).date().isoformat()
    start = (now + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    item = fakes.announced_item(
        today, start, "Europe/Paris", meeting_id=created.id, slack_ts=ANNOUNCEMENT_TS
    )
    app_stack.client("dynamodb").put_item(
        TableName=app_stack.physical_ids["MeetingsTable"], Item=item
    )
    return created.id


@pytest.fixture
def workspace(http: aioresponses) -> SlackApiModel:
    announcement = {"type": "message", "ts": ANNOUNCEMENT_TS, "text": "Daily stand-up"}
    model = SlackApiModel(channels={CHANNEL: [announcement]})
    mount_slack_api(model, http, base_url=SLACK_API_URL)
    return model


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The edit jobs the function queued for itself, as the events Lambda hands back."""
    events: list[dict[str, Any]] = []

    async def refresh(self: DeferredChanges, key: Any, pages_url: str | None = None) -> None:
        job = RefreshJob(key=key, pages_url=pages_url)
        events.append({REFRESH_KEY: job.model_dump(mode="json")})

    monkeypatch.setattr(DeferredChanges, "refresh", refresh)
    return events


def envelope(event: str, item: dict[str, Any], **payload: Any) -> bytes:
    inner: dict[str, Any] = {"object": item, **payload}
    return json.dumps(
        {"event": event, "event_ts": int(time.time() * 1000), "payload": inner}
    ).encode()


def zoom_headers(
    body: bytes, *, secret: str = fakes.ZOOM_SECRET_TOKEN, at: float | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        "content-type": "application/json",
        "x-zm-request-timestamp": timestamp,
        "x-zm-signature": zoom_signature(secret, timestamp, body),
    }


def call(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    answer: dict[str, Any] = inbound.handler(
        request_event("POST", PATH, headers, body), fakes.FakeContext()
    )
    return answer


def item(stack: LocalStack) -> dict[str, Any]:
    (found,) = stack.client("dynamodb").scan(TableName=stack.physical_ids["MeetingsTable"])["Items"]
    return dict(found)


def test_zoom_s_url_validation_is_answered_with_the_token_hashed(app_stack: LocalStack) -> None:
    body = json.dumps(
        {"event": "endpoint.url_validation", "payload": {"plainToken": "qgg8vlvZRS6U"}}
    ).encode()

    answer = call(body, zoom_headers(body))

    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {
        "plainToken": "qgg8vlvZRS6U",
        "encryptedToken": hmac.new(
            fakes.ZOOM_SECRET_TOKEN.encode(), b"qgg8vlvZRS6U", hashlib.sha256
        ).hexdigest(),
    }


def test_a_started_meeting_is_answered_at_once_then_its_announcement_edited_by_the_job(
    app_stack: LocalStack, meeting: int, workspace: SlackApiModel, queued: list[dict[str, Any]]
) -> None:
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = envelope("meeting.started", {"id": str(meeting), "start_time": started_at})

    answer = call(body, zoom_headers(body))

    assert (answer["statusCode"], answer["body"]) == (200, "")
    assert workspace.messages(CHANNEL)[0]["text"] == "Daily stand-up"  # not within Zoom's 3 s
    (job,) = queued
    assert inbound.handler(job, fakes.FakeContext()) == {"outcome": "edited"}
    (message,) = workspace.messages(CHANNEL)
    assert message["text"] == "Live: Daily stand-up"
    assert "*Live* since" in json.dumps(message["blocks"])
    assert item(app_stack)["life"] == {"S": "live"}


def test_an_event_of_a_meeting_the_service_did_not_create_is_answered_and_ignored(
    app_stack: LocalStack, meeting: int, workspace: SlackApiModel, queued: list[dict[str, Any]]
) -> None:
    body = envelope("meeting.started", {"id": "99999999999"})

    assert call(body, zoom_headers(body))["statusCode"] == 200
    assert queued == []
    assert "life" not in item(app_stack)
    del meeting, workspace


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: zoom_headers(body, secret="FAKE-another-apps-token-01"),
        lambda body: zoom_headers(body, at=time.time() - 301),
        lambda body: {"content-type": "application/json"},
    ],
    ids=["another-token", "stale", "unsigned"],
)
def test_a_forged_or_stale_event_is_a_bare_401_that_changes_and_logs_nothing(
    app_stack: LocalStack,
    meeting: int,
    queued: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    headers: Any,
) -> None:
    body = envelope("meeting.ended", {"id": str(meeting), "topic": "secret-topic-text"})

    answer = call(body, headers(body))

    assert (answer["statusCode"], answer["body"]) == (401, "")
    assert queued == []
    assert "life" not in item(app_stack)
    logged = capsys.readouterr().out
    assert "request refused" in logged
    assert "secret-topic-text" not in logged
    assert fakes.ZOOM_SECRET_TOKEN not in logged


def test_without_the_secret_token_setting_the_path_is_not_served(
    app_stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZOOM_WEBHOOK_SECRET")
    reset_container()
    body = envelope("meeting.started", {"id": "1"})

    assert call(body, zoom_headers(body))["statusCode"] == 404
    del app_stack


def test_a_placeholder_secret_token_is_a_503_naming_the_setting(
    app_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    app_stack.client("secretsmanager").put_secret_value(
        SecretId=app_stack.physical_ids["ZoomWebhookSecret"],
        SecretString="REPLACE_ME with the Zoom app's secret token",
    )
    body = envelope("meeting.started", {"id": "1"})

    assert call(body, zoom_headers(body))["statusCode"] == 503
    assert "ZOOM_WEBHOOK_SECRET" in capsys.readouterr().out


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=300),
    headers=st.dictionaries(
        st.sampled_from(["x-zm-signature", "x-zm-request-timestamp", "content-type", "x-other"]),
        st.text(max_size=80),
    ),
)
def test_arbitrary_bodies_and_headers_are_never_a_500_and_never_a_change(
    app_stack: LocalStack, meeting: int, body: bytes, headers: dict[str, str]
) -> None:
    answer = call(body, headers)

    assert answer["statusCode"] in {400, 401}
    assert "life" not in item(app_stack)
    del meeting


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_signed_bodies_are_answered_or_refused_never_a_500(
    app_stack: LocalStack, body: bytes
) -> None:
    assert call(body, zoom_headers(body))["statusCode"] in {200, 400}
