"""NotifyMeeting and notify_failure through their entry points in Slack app mode: real moto,
the Slack Web API model mounted at slack.com/api."""

from __future__ import annotations

from typing import Any

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.mounted import mount_slack_api
from zoom_notifier.errors import SlackUnavailable
from zoom_notifier.handlers import create_meeting, notify_failure, notify_meeting
from zoom_notifier.local.faults import TIMEOUT_AFTER
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.local.sns import lambda_event, notification
from zoom_notifier.services.slack_app import SLACK_API_URL

DAY = "2026-11-27"
CHANNEL = "C0FAKE00001"
TOKEN_SECRET = "zoom-notifier/slack-bot-token"

pytestmark = pytest.mark.usefixtures("zoom")


@pytest.fixture
def workspace(
    env: dict[str, str],
    http: aioresponses,
    aws_resources: fakes.AwsResources,
    monkeypatch: pytest.MonkeyPatch,
) -> SlackApiModel:
    model = SlackApiModel(channels={CHANNEL: []})
    mount_slack_api(model, http, base_url=SLACK_API_URL)
    aws_resources.secretsmanager.create_secret(Name=TOKEN_SECRET, SecretString=model.token)
    monkeypatch.setenv("SLACK_BOT_TOKEN_SECRET", TOKEN_SECRET)
    monkeypatch.setenv("SLACK_CHANNEL", CHANNEL)
    return model


def created() -> dict[str, Any]:
    result: dict[str, Any] = create_meeting.handler({"date": DAY}, fakes.FakeContext())
    return result


def test_the_announcement_is_posted_with_its_metadata_and_adopted_after_a_lost_answer(
    workspace: SlackApiModel, capsys: pytest.CaptureFixture[str]
) -> None:
    create_result = created()
    workspace.scripts["chat.postMessage"].set(TIMEOUT_AFTER)

    with pytest.raises(SlackUnavailable):  # transient: Step Functions retries it
        notify_meeting.handler(create_result, fakes.FakeContext())
    retried = fakes.recorded(notify_meeting.handler, create_result)

    assert retried["outcome"] == "notified"
    (message,) = workspace.messages(CHANNEL)
    assert message["metadata"]["event_payload"]["date"] == DAY
    assert workspace.token not in capsys.readouterr().out


def test_failure_reports_go_to_the_app_channel(workspace: SlackApiModel) -> None:
    notify_failure.handler(lambda_event(notification("hello")), fakes.FakeContext())

    (message,) = workspace.messages(CHANNEL)
    assert "hello" in message["text"]
