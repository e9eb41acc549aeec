"""Settings (environment variables) and the secrets they point at.

Settings are read once per container by :func:`load_settings` and cached; secrets are fetched
from Secrets Manager at most once per :data:`SECRET_TTL_SECONDS` per container. Any missing or
malformed value raises :class:`ConfigurationError` naming the variable or secret.
"""

from __future__ import annotations

import ipaddress
import json
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from zoom_notifier.aws import aws_errors
from zoom_notifier.errors import ConfigurationError
from zoom_notifier.logs import register_secret

if TYPE_CHECKING:
    from zoom_notifier.aws import AwsClients

__all__ = [
    "SECRET_TTL_SECONDS",
    "CreateSettings",
    "FailureSettings",
    "NotifySettings",
    "SecretSource",
    "ServiceSettings",
    "ZoomCredentials",
    "check_url",
    "load_settings",
    "slack_webhook_url",
    "zoom_credentials",
]

SECRET_TTL_SECONDS = 300.0
SLACK_WEBHOOK_HOST = "hooks.slack.com"
_LOOPBACK_NAMES = frozenset({"localhost"})


def check_url(url: str, *, name: str, allow_loopback: bool, host: str | None = None) -> str:
    """Return ``url`` if it is ``https://`` (on ``host`` when given), else raise.

    With ``allow_loopback``, a plain ``http://`` URL on a loopback address is accepted too (local
    runs and tests). ``name`` is what the error message calls the URL; the URL itself is never
    put in the message, since a webhook URL is a secret.
    """
    parts = urlsplit(url)
    hostname = (parts.hostname or "").lower()
    if allow_loopback and parts.scheme in {"http", "https"} and _is_loopback(hostname):
        return url
    if parts.scheme != "https" or not hostname:
        raise ConfigurationError(f"{name} must be an https:// URL")
    if host is not None and hostname != host:
        raise ConfigurationError(f"{name} must be a URL on {host}")
    return url


def _is_loopback(hostname: str) -> bool:
    if hostname in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


class ServiceSettings(BaseSettings):
    """What every function reads: logging, the meeting time zone, the loopback switch."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    meeting_timezone: str = "UTC"
    allow_loopback_urls: bool = False

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("meeting_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _no_loopback_in_lambda(self) -> ServiceSettings:
        if self.allow_loopback_urls and os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            raise ConfigurationError(
                "ALLOW_LOOPBACK_URLS must not be true in AWS Lambda (it is for local runs only)"
            )
        return self


class FailureSettings(ServiceSettings):
    """Settings of ``notify_failure``: where to post in Slack."""

    slack_webhook_secret: str | None = None
    slack_webhook_url: SecretStr | None = None

    @model_validator(mode="after")
    def _slack_configured(self) -> FailureSettings:
        if self.slack_webhook_secret is None:
            if self.slack_webhook_url is None:
                raise ConfigurationError("set SLACK_WEBHOOK_SECRET or SLACK_WEBHOOK_URL")
            check_url(
                self.slack_webhook_url.get_secret_value(),
                name="SLACK_WEBHOOK_URL",
                allow_loopback=self.allow_loopback_urls,
                host=SLACK_WEBHOOK_HOST,
            )
        return self


class NotifySettings(FailureSettings):
    """Settings of ``notify_meeting``."""

    meetings_table: str = Field(min_length=3, max_length=255)


class CreateSettings(ServiceSettings):
    """Settings of ``create_meeting`` (it never talks to Slack)."""

    meetings_table: str = Field(min_length=3, max_length=255)
    template_bucket: str = Field(min_length=3, max_length=63)
    template_key: str = Field(min_length=1, max_length=1024)
    zoom_user_id: str = Field(min_length=1)
    zoom_credentials_secret: str | None = None
    zoom_account_id: str | None = None
    zoom_client_id: str | None = None
    zoom_client_secret: SecretStr | None = None
    zoom_api_url: str = "https://api.zoom.us/v2"
    zoom_oauth_url: str = "https://zoom.us/oauth/token"

    @model_validator(mode="after")
    def _zoom_configured(self) -> CreateSettings:
        for name, url in (
            ("ZOOM_API_URL", self.zoom_api_url),
            ("ZOOM_OAUTH_URL", self.zoom_oauth_url),
        ):
            check_url(url, name=name, allow_loopback=self.allow_loopback_urls)
        if self.zoom_credentials_secret is None:
            missing = [
                name
                for name, value in (
                    ("ZOOM_ACCOUNT_ID", self.zoom_account_id),
                    ("ZOOM_CLIENT_ID", self.zoom_client_id),
                    ("ZOOM_CLIENT_SECRET", self.zoom_client_secret),
                )
                if not value
            ]
            if missing:
                raise ConfigurationError(
                    "set ZOOM_CREDENTIALS_SECRET, or all of ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and "
                    f"ZOOM_CLIENT_SECRET (missing: {', '.join(missing)})"
                )
        return self


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def register_webhook_url(url: str) -> None:
    """Register a webhook URL as secret, and its path too (the path alone grants posting)."""
    register_secret(url, urlsplit(url).path)


def load_settings(settings_class: type[SettingsT]) -> SettingsT:
    """Read ``settings_class`` from the environment, or raise a ConfigurationError naming why."""
    try:
        settings = settings_class()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']).upper() or 'settings'}: {error['msg']}"
            for error in exc.errors(include_url=False, include_input=False)
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from None
    if isinstance(settings, FailureSettings) and settings.slack_webhook_url is not None:
        register_webhook_url(settings.slack_webhook_url.get_secret_value())
    if isinstance(settings, CreateSettings) and settings.zoom_client_secret is not None:
        register_secret(settings.zoom_client_secret.get_secret_value())
    return settings


# --- secrets -----------------------------------------------------------------------------


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

    The cache is process-wide (a secret is plain data, not bound to an event loop); the client
    is the invocation's.
    """

    _cache: dict[str, tuple[str, float]] = {}  # noqa: RUF012 - deliberately process-wide

    def __init__(self, aws: AwsClients) -> None:
        self._aws = aws

    async def get(self, secret_id: str, *, setting: str) -> str:
        cached = self._cache.get(secret_id)
        now = time.monotonic()
        if cached is not None and now - cached[1] < SECRET_TTL_SECONDS:
            return cached[0]
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
        self._cache[secret_id] = (value, now)
        return value

    @classmethod
    def clear(cls) -> None:
        """Forget every cached secret (for tests)."""
        cls._cache.clear()


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
    raw = (await secrets.get(settings.slack_webhook_secret, setting="SLACK_WEBHOOK_SECRET")).strip()
    url: object = raw
    if raw.startswith("{"):
        try:
            url = json.loads(raw).get("url")
        except (json.JSONDecodeError, AttributeError):
            raise ConfigurationError(f'{name} is neither a URL nor JSON {{"url": ...}}') from None
    if not isinstance(url, str) or not url:
        raise ConfigurationError(f'{name} must hold the webhook URL or JSON {{"url": ...}}')
    register_webhook_url(url)
    return check_url(
        url, name=name, allow_loopback=settings.allow_loopback_urls, host=SLACK_WEBHOOK_HOST
    )
