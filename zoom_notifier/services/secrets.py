"""The secrets the settings point at: Secrets Manager values and their formats.

Values are fetched at most once per :data:`SECRET_TTL_SECONDS` per container (kept in
:mod:`zoom_notifier.runtime.container`) and registered for redaction as soon as they are read;
a step that fails permanently (an auth failure, a rejected webhook, a refused token) drops the
cache on its way out, so that "fix the secret, then redrive" reads the new value at once. A
missing or malformed secret raises :class:`ConfigurationError` naming the setting and the id.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zoom_notifier.errors import ConfigurationError
from zoom_notifier.runtime.config import (
    SLACK_WEBHOOK_HOST,
    CreateSettings,
    FailureSettings,
    check_url,
    register_webhook_url,
)
from zoom_notifier.runtime.container import STATE, CachedValue
from zoom_notifier.runtime.logs import register_secret
from zoom_notifier.services.aws import aws_errors

if TYPE_CHECKING:
    from zoom_notifier.runtime.config import InboundSettings, NotifySettings
    from zoom_notifier.services.aws import AwsClients

__all__ = [
    "SECRET_TTL_SECONDS",
    "SecretSource",
    "ZoomCredentials",
    "parse_bot_token",
    "parse_secret_token",
    "parse_signing_secret",
    "parse_webhook_url",
    "parse_zoom_credentials",
    "slack_bot_token",
    "slack_signing_secret",
    "slack_webhook_url",
    "template_webhook_url",
    "zoom_credentials",
    "zoom_secret_token",
]

SECRET_TTL_SECONDS = 300.0
_SIGNING_SECRET = re.compile(r"[A-Za-z0-9]{16,128}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")


@dataclass(frozen=True)
class ZoomCredentials:
    """Server-to-Server OAuth app credentials."""

    account_id: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"ZoomCredentials(account_id={self.account_id!r}, client_id={self.client_id!r})"


class SecretSource:
    """Reads Secrets Manager secrets, caching each value for :data:`SECRET_TTL_SECONDS`.

    The cache is the container's (a secret is plain data, not bound to an event loop); the
    client is the invocation's.
    """

    def __init__(self, aws: AwsClients, clock: Callable[[], float] = time.monotonic) -> None:
        self._aws = aws
        self._clock = clock

    async def get(self, secret_id: str, *, setting: str) -> str:
        cached = STATE.secrets.get(secret_id)
        now = self._clock()
        if cached is not None and now < cached.stale_after:
            return cached.value
        client = await self._aws.secretsmanager()
        with aws_errors(
            f"reading secret {setting}={secret_id!r}",
            permanent={
                "ResourceNotFoundException": ConfigurationError,
                "DecryptionFailure": ConfigurationError,
                "InvalidRequestException": ConfigurationError,
            },
        ):
            response = await client.get_secret_value(SecretId=secret_id)
        value = response.get("SecretString")
        if not value:
            raise ConfigurationError(f"secret {setting}={secret_id!r} has no string value")
        register_secret(value)
        STATE.secrets[secret_id] = CachedValue(value, now + SECRET_TTL_SECONDS)
        return value


async def zoom_credentials(settings: CreateSettings, secrets: SecretSource) -> ZoomCredentials:
    """The Zoom app credentials, from Secrets Manager or from the plain variables."""
    if settings.zoom_credentials_secret is None:
        # The model validator guarantees the three plain variables are set.
        assert settings.zoom_client_secret is not None  # noqa: S101
        return ZoomCredentials(
            account_id=str(settings.zoom_account_id),
            client_id=str(settings.zoom_client_id),
            client_secret=settings.zoom_client_secret.get_secret_value(),
        )
    name = f"secret ZOOM_CREDENTIALS_SECRET={settings.zoom_credentials_secret!r}"
    raw = await secrets.get(settings.zoom_credentials_secret, setting="ZOOM_CREDENTIALS_SECRET")
    return parse_zoom_credentials(raw, name)


def parse_zoom_credentials(raw: str, name: str) -> ZoomCredentials:
    """The Zoom credentials secret's JSON; ``name`` is what errors call the secret."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ConfigurationError(
            f'{name} is not JSON; expected {{"account_id", "client_id", "client_secret"}}'
        ) from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{name} must be a JSON object")
    missing = [
        key
        for key in ("account_id", "client_id", "client_secret")
        if not isinstance(data.get(key), str) or not data[key]
    ]
    if missing:
        raise ConfigurationError(f"{name} lacks string field(s): {', '.join(missing)}")
    register_secret(data["client_secret"])
    return ZoomCredentials(
        account_id=data["account_id"],
        client_id=data["client_id"],
        client_secret=data["client_secret"],
    )


async def slack_webhook_url(settings: FailureSettings, secrets: SecretSource) -> str:
    """The Slack Incoming Webhook URL, checked against the allow-list."""
    if settings.slack_webhook_secret is None:
        assert settings.slack_webhook_url is not None  # noqa: S101
        return settings.slack_webhook_url.get_secret_value()
    name = f"secret SLACK_WEBHOOK_SECRET={settings.slack_webhook_secret!r}"
    raw = await secrets.get(settings.slack_webhook_secret, setting="SLACK_WEBHOOK_SECRET")
    return parse_webhook_url(raw, name, allow_loopback=settings.allow_loopback_urls)


async def template_webhook_url(
    secret_id: str, settings: NotifySettings, secrets: SecretSource
) -> str:
    """The URL of a template's own webhook (its ``notifier.slack.webhook_secret``), which must
    be named under ``TEAM_SECRETS_PREFIX``: the only secrets NotifyMeeting's role may read."""
    name = secret_id.split(":secret:", 1)[-1]  # a name, or the name part of an ARN
    if not name.startswith(settings.team_secrets_prefix):
        raise ConfigurationError(
            f"the template's slack.webhook_secret {secret_id!r} is not named under "
            f"TEAM_SECRETS_PREFIX={settings.team_secrets_prefix!r}, the only secrets this "
            "function may read; create it as "
            f"{settings.team_secrets_prefix}<team>/webhook and name that in the template"
        )
    setting = "notifier.slack.webhook_secret"
    raw = await secrets.get(secret_id, setting=setting)
    return parse_webhook_url(
        raw, f"secret {setting}={secret_id!r}", allow_loopback=settings.allow_loopback_urls
    )


async def slack_bot_token(
    settings: FailureSettings | InboundSettings, secrets: SecretSource
) -> str:
    """The Slack app's bot token (``xoxb-...``) from ``SLACK_BOT_TOKEN_SECRET``."""
    assert settings.slack_bot_token_secret is not None  # noqa: S101 - app mode only
    raw = await secrets.get(settings.slack_bot_token_secret, setting="SLACK_BOT_TOKEN_SECRET")
    return parse_bot_token(
        raw, f"secret SLACK_BOT_TOKEN_SECRET={settings.slack_bot_token_secret!r}"
    )


async def slack_signing_secret(settings: InboundSettings, secrets: SecretSource) -> str:
    """The Slack app's signing secret from ``SLACK_SIGNING_SECRET``."""
    secret_id = settings.slack_signing_secret
    raw = await secrets.get(secret_id, setting="SLACK_SIGNING_SECRET")
    return parse_signing_secret(raw, f"secret SLACK_SIGNING_SECRET={secret_id!r}")


async def zoom_secret_token(settings: InboundSettings, secrets: SecretSource) -> str:
    """The Zoom app's event notifications secret token from ``ZOOM_WEBHOOK_SECRET``."""
    secret_id = settings.zoom_webhook_secret
    assert secret_id is not None  # noqa: S101 - the path is served only when it is set
    raw = await secrets.get(secret_id, setting="ZOOM_WEBHOOK_SECRET")
    return parse_secret_token(raw, f"secret ZOOM_WEBHOOK_SECRET={secret_id!r}")


def parse_secret_token(secret_value: str, name: str) -> str:
    """Zoom's secret token (plain, or JSON ``{"secret_token": ...}``); never echoed.

    Zoom shows it on the app's Features -> Access page (Event Subscriptions); any run of 16 to
    128 letters, digits, ``-`` and ``_`` is taken, and the template's placeholder is refused.
    """
    return _shared_secret(
        secret_value, name, "secret_token", _SECRET_TOKEN, "a secret token",
        "the Zoom app's secret token (Features -> Access -> Secret Token)",
    )  # fmt: skip


def parse_signing_secret(secret_value: str, name: str) -> str:
    """A signing secret (plain, or JSON ``{"signing_secret": ...}``); never echoed in an error.

    Slack shows it as 32 hexadecimal characters (the app's Basic Information page); any run of
    16 to 128 letters and digits is taken, so that a future length still works, and the
    template's placeholder is refused by name.
    """
    return _shared_secret(
        secret_value, name, "signing_secret", _SIGNING_SECRET, "a signing secret",
        "the Slack app's signing secret (Basic Information -> App Credentials -> Signing Secret)",
    )  # fmt: skip


def _shared_secret(
    secret_value: str, name: str, key: str, pattern: re.Pattern[str], kind: str, what: str
) -> str:
    """A key an app signs its requests with, plainly or as JSON ``{key: ...}``, of ``pattern``'s
    shape; registered for redaction. ``kind`` names it, ``what`` says where to find it."""
    value = _plain_or_json(secret_value, key, name, kind)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ConfigurationError(f'{name} must hold {what}, plainly or as JSON {{"{key}": ...}}')
    register_secret(value)
    return value


def _plain_or_json(secret_value: str, key: str, name: str, what: str) -> object:
    """A secret holding a value plainly or as JSON ``{key: value}`` (what the console's
    key/value editor writes); ``what`` names the value in the error, never its content."""
    raw = secret_value.strip()
    if not raw.startswith("{"):
        return raw
    try:
        value: object = json.loads(raw).get(key)
    except (json.JSONDecodeError, AttributeError):
        raise ConfigurationError(f'{name} is neither {what} nor JSON {{"{key}": ...}}') from None
    return value


def parse_bot_token(secret_value: str, name: str) -> str:
    """A bot token (plain, or JSON ``{"token": ...}``); never echoed in an error."""
    token = _plain_or_json(secret_value, "token", name, "a token")
    if not isinstance(token, str) or not token.startswith("xoxb-"):
        raise ConfigurationError(f"{name} must hold the app's bot token (xoxb-...)")
    register_secret(token)
    return token


def parse_webhook_url(secret_value: str, name: str, *, allow_loopback: bool) -> str:
    """The webhook secret's URL (plain or JSON ``{"url": ...}``), checked against the
    allow-list; ``name`` is what errors call the secret."""
    url = _plain_or_json(secret_value, "url", name, "a URL")
    if not isinstance(url, str) or not url:
        raise ConfigurationError(f'{name} must hold the webhook URL or JSON {{"url": ...}}')
    register_webhook_url(url)
    return check_url(url, name=name, allow_loopback=allow_loopback, host=SLACK_WEBHOOK_HOST)
