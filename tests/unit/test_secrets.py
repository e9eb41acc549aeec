"""Secrets from Secrets Manager: formats, caching and redaction."""

from __future__ import annotations

import time

import pytest

from tests.support import fakes
from zoom_notifier import secrets
from zoom_notifier.aws import AwsClients
from zoom_notifier.config import CreateSettings, FailureSettings, load_settings
from zoom_notifier.secrets import SecretSource, slack_webhook_url, zoom_credentials


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
