"""Settings: the environment variables of each function, validated with pydantic-settings.

Settings are read once per container (see :mod:`zoom_notifier.runtime.lambda_runtime`). Any missing
or malformed value raises :class:`ConfigurationError` naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from zoom_notifier.domain.validation import slack_channel_problem, validation_sentence
from zoom_notifier.domain.zoom_time import is_iana_zone
from zoom_notifier.errors import ConfigurationError
from zoom_notifier.runtime.logs import register_secret

__all__ = [
    "SLACK_WEBHOOK_HOST",
    "CreateSettings",
    "DispatchSettings",
    "FailureSettings",
    "InboundSettings",
    "NotifySettings",
    "ServiceSettings",
    "check_url",
    "load_settings",
    "register_webhook_url",
]

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
    # The CloudWatch namespace of the metrics in the log lines (runtime/metrics.py).
    metrics_namespace: str = Field(
        default="zoom-notifier", min_length=1, max_length=255, pattern=r"^[A-Za-z0-9 ._/#:-]+$"
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("meeting_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not is_iana_zone(value):
            raise ValueError(f"unknown IANA time zone {value!r}")
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
    # Slack app mode: the bot token's secret and the default channel (both, or neither).
    slack_bot_token_secret: str | None = None
    slack_channel: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    # Only named in failure reports (the repost command), never read.
    meetings_table: str | None = None

    @property
    def app_mode(self) -> bool:
        return self.slack_bot_token_secret is not None

    @field_validator("slack_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value is not None and (problem := slack_channel_problem(value)) is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _slack_configured(self) -> FailureSettings:
        if self.app_mode:
            if self.slack_channel is None:
                raise ConfigurationError(
                    "set SLACK_CHANNEL (a channel id such as C0123456789) with "
                    "SLACK_BOT_TOKEN_SECRET: app mode posts failure reports there"
                )
            check_url(
                self.slack_api_url,
                name="SLACK_API_URL",
                allow_loopback=self.allow_loopback_urls,
                host="slack.com",
            )
            return self
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
    # Templates' own webhooks (notifier.slack.webhook_secret) are secrets named under this.
    team_secrets_prefix: str = Field(default="zoom-notifier/", min_length=1, max_length=256)
    # Each team's page (app mode): the secret of the teams' keys and where the pages are
    # served (the inbound function's URL and "t/"); the announcement names its team's page.
    team_link_secret: str | None = Field(default=None, min_length=1, max_length=2048)
    team_pages_url: str | None = Field(default=None, min_length=1, max_length=2048)


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
            f"{'.'.join(str(part) for part in error['loc']).upper() or 'settings'}: "
            + validation_sentence(dict(error))
            for error in exc.errors(include_url=False, include_input=False)
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from None
    if isinstance(settings, FailureSettings) and settings.slack_webhook_url is not None:
        register_webhook_url(settings.slack_webhook_url.get_secret_value())
    if isinstance(settings, CreateSettings) and settings.zoom_client_secret is not None:
        register_secret(settings.zoom_client_secret.get_secret_value())
    return settings


class DispatchSettings(ServiceSettings):
    """Settings of ``dispatch``: where the templates are, which state machine runs them, how
    often the schedule ticks, where a late dispatch is reported, and the meetings table (read
    to check that the days due were announced)."""

    meetings_table: str = Field(min_length=3, max_length=255)
    template_bucket: str = Field(min_length=3, max_length=63)
    template_key: str = Field(min_length=1, max_length=1024)
    state_machine_arn: str
    failure_topic_arn: str
    dispatch_every_minutes: int = Field(default=5, ge=1, le=60)

    @field_validator("state_machine_arn")
    @classmethod
    def _state_machine(cls, value: str) -> str:
        if not _STATE_MACHINE_ARN.match(value):
            raise ValueError(
                "must be a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)"
            )
        return value

    @field_validator("failure_topic_arn")
    @classmethod
    def _topic(cls, value: str) -> str:
        if not _TOPIC_ARN.match(value):
            raise ValueError("must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
        return value


_STATE_MACHINE_ARN = re.compile(
    r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w.-]{1,80}$"
)
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]{1,256}$")


class InboundSettings(ServiceSettings):
    """Settings of ``inbound``, the Function URL's function: Slack's signing secret, where the
    templates and meetings are, the table of requests already answered (the replay guard),
    and the deployment's Slack channel (that of templates without their own)."""

    slack_signing_secret: str = Field(min_length=1, max_length=2048)
    template_bucket: str = Field(min_length=3, max_length=63)
    template_key: str = Field(min_length=1, max_length=1024)
    meetings_table: str = Field(min_length=3, max_length=255)
    inbound_requests_table: str = Field(min_length=3, max_length=255)
    slack_channel: str | None = None
    # A change of a meeting that exists (cancel, move) calls Zoom and the Slack app, after the
    # answer: without these two, such a change is refused with the reason.
    zoom_credentials_secret: str | None = None
    slack_bot_token_secret: str | None = None
    # The Zoom app's event notifications (/zoom/events): the secret token they are signed
    # with. Unset: that path is not served (404).
    zoom_webhook_secret: str | None = Field(default=None, min_length=1, max_length=2048)
    # Each team's page and calendar feed (/t/<team>): the secret of the teams' keys. Unset:
    # those paths answer 404.
    team_link_secret: str | None = Field(default=None, min_length=1, max_length=2048)
    # The fewest seconds between two edits of one announcement as its meeting's life goes on
    # (Slack's chat.update limits): the events between are shown by the next edit.
    announcement_edit_seconds: int = Field(default=10, ge=0, le=60)
    # The function's own name (the stack's "<stack>-inbound"): its jobs are invoked by it.
    inbound_function_name: str | None = Field(default=None, min_length=1, max_length=140)
    zoom_api_url: str = "https://api.zoom.us/v2"
    zoom_oauth_url: str = "https://zoom.us/oauth/token"
    slack_api_url: str = "https://slack.com/api/"

    @field_validator("slack_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value is not None and (problem := slack_channel_problem(value)) is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _outbound_urls(self) -> InboundSettings:
        for name, url, host in (
            ("ZOOM_API_URL", self.zoom_api_url, None),
            ("ZOOM_OAUTH_URL", self.zoom_oauth_url, None),
            ("SLACK_API_URL", self.slack_api_url, "slack.com"),
        ):
            check_url(url, name=name, allow_loopback=self.allow_loopback_urls, host=host)
        return self
