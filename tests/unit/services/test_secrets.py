"""Secrets from Secrets Manager: formats, caching and redaction."""

from __future__ import annotations

import time

import pytest

from tests.support import fakes
from zoom_notifier.errors import ConfigurationError
from zoom_notifier.runtime.config import (
    CreateSettings,
    FailureSettings,
    NotifySettings,
    load_settings,
)
from zoom_notifier.services import secrets
from zoom_notifier.services.aws import AwsClients
from zoom_notifier.services.secrets import (
    SecretSource,
    parse_bot_token,
    slack_webhook_url,
    template_webhook_url,
    zoom_credentials,
)


@pytest.mark.usefixtures("create_env")
@pytest.mark.usefixtures("create_env")
async def test_secrets_are_fetched_once_and_cached_until_their_ttl(
    aws_resources: fakes.AwsResources,
) -> None:
    settings = load_settings(CreateSettings)
    async with AwsClients() as aws:
        first = await zoom_credentials(settings, SecretSource(aws))
    aws_resources.secretsmanager.put_secret_value(
        SecretId=fakes.ZOOM_SECRET_ID,
        SecretString='{"account_id": "a2", "client_id": "c2", "client_secret": "FAKE-rotated"}',
    )
    async with AwsClients() as aws:
        cached = await zoom_credentials(settings, SecretSource(aws))
    later = time.monotonic() + secrets.SECRET_TTL_SECONDS + 1
    async with AwsClients() as aws:
        refreshed = await zoom_credentials(settings, SecretSource(aws, clock=lambda: later))

    assert first.client_secret == cached.client_secret == fakes.CLIENT_SECRET
    assert refreshed.client_secret == "FAKE-rotated"
    assert fakes.CLIENT_SECRET not in repr(first)


@pytest.mark.usefixtures("create_env")
@pytest.mark.parametrize("secret", [fakes.WEBHOOK_URL, f'{{"url": "{fakes.WEBHOOK_URL}"}}'])
async def test_the_webhook_secret_may_be_plain_or_json(
    aws_resources: fakes.AwsResources, secret: str
) -> None:
    aws_resources.secretsmanager.put_secret_value(
        SecretId=fakes.SLACK_SECRET_ID, SecretString=secret
    )
    settings = load_settings(FailureSettings)

    async with AwsClients() as aws:
        assert await slack_webhook_url(settings, SecretSource(aws)) == fakes.WEBHOOK_URL


@pytest.mark.usefixtures("create_env")
async def test_a_template_s_own_webhook_is_read_only_under_the_team_prefix(
    aws_resources: fakes.AwsResources,
) -> None:
    aws_resources.secretsmanager.create_secret(
        Name="zoom-notifier/team-a/webhook", SecretString=fakes.WEBHOOK_URL
    )
    aws_resources.secretsmanager.create_secret(Name="payroll/webhook", SecretString="x")
    settings = load_settings(NotifySettings)

    async with AwsClients() as aws:
        source = SecretSource(aws)
        assert (
            await template_webhook_url("zoom-notifier/team-a/webhook", settings, source)
            == fakes.WEBHOOK_URL
        )
        with pytest.raises(ConfigurationError) as refused:
            await template_webhook_url("payroll/webhook", settings, source)

    assert "TEAM_SECRETS_PREFIX='zoom-notifier/'" in str(refused.value)
    assert "create it as zoom-notifier/<team>/webhook" in str(refused.value)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("xoxb-FAKE-1", None),
        ('{"token": "xoxb-FAKE-1"}', None),
        ('{"token": ', 'is neither a token nor JSON {"token": ...}'),
        ("xoxp-FAKE-user-token", "must hold the app's bot token (xoxb-...)"),
        ('{"url": "xoxb-FAKE-1"}', "must hold the app's bot token (xoxb-...)"),
    ],
)
def test_the_bot_token_may_be_plain_or_json_and_is_never_echoed(
    raw: str, problem: str | None
) -> None:
    if problem is None:
        assert parse_bot_token(raw, "the secret") == "xoxb-FAKE-1"
        return
    with pytest.raises(ConfigurationError) as refused:
        parse_bot_token(raw, "the secret")
    assert problem in str(refused.value)
    assert "FAKE" not in str(refused.value)
