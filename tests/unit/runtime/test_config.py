"""Settings from the environment."""

from __future__ import annotations

import pytest

from tests.support import fakes
from zoom_notifier.errors import ConfigurationError
from zoom_notifier.runtime.config import (
    CreateSettings,
    FailureSettings,
    NotifySettings,
    check_url,
    load_settings,
)


@pytest.mark.usefixtures("create_env")
def test_defaults_match_the_documented_table() -> None:
    settings = load_settings(CreateSettings)

    assert settings.meeting_timezone == "UTC"
    assert settings.zoom_api_url == "https://api.zoom.us/v2"
    assert settings.zoom_oauth_url == "https://zoom.us/oauth/token"
    assert settings.log_level == "INFO"
    assert settings.allow_loopback_urls is False


@pytest.mark.usefixtures("create_env")
@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MEETING_TIMEZONE", "Europe/Atlantis", "MEETING_TIMEZONE: unknown IANA"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL: must be one of 'DEBUG'"),
        ("ALLOW_LOOPBACK_URLS", "perhaps", "ALLOW_LOOPBACK_URLS: must be true or false"),
        ("ZOOM_API_URL", "http://api.zoom.us/v2", "ZOOM_API_URL must be an https:// URL"),
        ("ZOOM_OAUTH_URL", "ftp://zoom.us", "ZOOM_OAUTH_URL must be an https:// URL"),
        ("MEETINGS_TABLE", "", "MEETINGS_TABLE: must have at least 3 character(s)"),
    ],
)
def test_a_malformed_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError) as raised:
        load_settings(CreateSettings)

    assert expected in str(raised.value)


@pytest.mark.usefixtures("create_env")
def test_plain_zoom_credentials_need_all_three_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZOOM_CREDENTIALS_SECRET")
    monkeypatch.setenv("ZOOM_ACCOUNT_ID", "a")

    with pytest.raises(ConfigurationError, match="missing: ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET"):
        load_settings(CreateSettings)


def test_slack_needs_a_secret_or_a_url() -> None:
    with pytest.raises(ConfigurationError, match="set SLACK_WEBHOOK_SECRET or SLACK_WEBHOOK_URL"):
        load_settings(FailureSettings)


@pytest.mark.parametrize(
    ("channel", "reason"),
    [("D0123456789", "is a direct message, not a channel"), ("general", "is not a channel id")],
)
def test_app_mode_s_channel_must_be_a_channel_s_id(
    monkeypatch: pytest.MonkeyPatch, channel: str, reason: str
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN_SECRET", "zoom-notifier/slack-bot-token")
    monkeypatch.setenv("SLACK_CHANNEL", channel)

    with pytest.raises(ConfigurationError) as raised:
        load_settings(FailureSettings)

    assert f"SLACK_CHANNEL: {channel!r} {reason}" in str(raised.value)


@pytest.mark.parametrize(
    ("url", "allow_loopback", "accepted"),
    [
        (fakes.WEBHOOK_URL, False, True),
        ("https://hooks.slack.com.evil.example/services/x", False, False),
        ("https://evil.example/?https://hooks.slack.com/", False, False),
        ("http://hooks.slack.com/services/x", False, False),
        ("http://127.0.0.1:9000/hook", False, False),
        ("http://127.0.0.1:9000/hook", True, True),
        ("http://localhost:9000/hook", True, True),
        ("http://[::1]:9000/hook", True, True),
        ("http://10.0.0.5/hook", True, False),
        ("hooks.slack.com/services/x", False, False),
    ],
)
def test_the_webhook_allow_list(url: str, allow_loopback: bool, accepted: bool) -> None:
    def check() -> str:
        return check_url(url, name="W", allow_loopback=allow_loopback, host="hooks.slack.com")

    if accepted:
        assert check() == url
    else:
        with pytest.raises(ConfigurationError) as raised:
            check()
        assert url not in str(raised.value)


@pytest.mark.usefixtures("create_env")
def test_create_settings_need_no_slack_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_WEBHOOK_SECRET")

    assert load_settings(CreateSettings).zoom_user_id == fakes.ZOOM_USER


def test_loopback_urls_cannot_be_enabled_inside_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "zoom-notifier-notify")
    monkeypatch.setenv("ALLOW_LOOPBACK_URLS", "true")
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "http://127.0.0.1:9/hook")

    with pytest.raises(ConfigurationError, match="must not be true in AWS Lambda"):
        load_settings(FailureSettings)


def test_notify_settings_need_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", fakes.WEBHOOK_URL)

    with pytest.raises(ConfigurationError, match="MEETINGS_TABLE: is required"):
        load_settings(NotifySettings)
