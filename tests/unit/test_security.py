"""Controls that no setting can turn off in Lambda: TLS verification and the URL allow-lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zoom_notifier.errors import ConfigurationError
from zoom_notifier.runtime.config import (
    CreateSettings,
    FailureSettings,
    NotifySettings,
    load_settings,
)

PACKAGE = Path(__file__).resolve().parents[2] / "zoom_notifier"


def test_no_setting_can_turn_tls_verification_off() -> None:
    for settings in (CreateSettings, NotifySettings, FailureSettings):
        names = " ".join(settings.model_fields)
        assert not re.search(r"ssl|tls|verify|insecure|cert", names), settings.__name__


def test_no_code_disables_certificate_checks() -> None:
    shipped = [path for path in PACKAGE.rglob("*.py") if "local" not in path.parts]
    pattern = re.compile(
        r"ssl\s*=\s*False|verify_ssl|verify\s*=\s*False|CERT_NONE|_create_unverified"
    )
    offenders = [str(path) for path in shipped if pattern.search(path.read_text())]

    assert offenders == []


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"ALLOW_LOOPBACK_URLS": "true", "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook"},
         "ALLOW_LOOPBACK_URLS must not be true in AWS Lambda"),
        ({"SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook"}, "must be an https:// URL"),
        ({"SLACK_WEBHOOK_URL": "https://hooks.slack.com.attacker.example/x"},
         "must be a URL on hooks.slack.com"),
        ({"SLACK_WEBHOOK_URL": "https://attacker.example/services/x"},
         "must be a URL on hooks.slack.com"),
    ],
)  # fmt: skip
def test_in_lambda_the_webhook_must_be_https_on_slack(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "zoom-notifier-notify-failure")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError, match=re.escape(expected)):
        load_settings(FailureSettings)


@pytest.mark.parametrize("url", ["http://api.zoom.us/v2", "http://127.0.0.1:8080/v2"])
def test_in_lambda_zoom_must_be_https(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "zoom-notifier-create-meeting")
    for name, value in {
        "MEETINGS_TABLE": "table",
        "TEMPLATE_BUCKET": "bucket",
        "TEMPLATE_KEY": "k",
        "ZOOM_USER_ID": "me",
        "ZOOM_CREDENTIALS_SECRET": "s",
        "ZOOM_API_URL": url,
    }.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError, match="ZOOM_API_URL must be an https:// URL"):
        load_settings(CreateSettings)
