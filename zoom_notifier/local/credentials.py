"""The settings of ``zoom-notifier run`` and ``check`` (local configuration), from the environment
or ``.env``: all validated before anything starts, each error naming the variable."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, model_validator

from zoom_notifier.errors import ConfigurationError
from zoom_notifier.runtime.config import SLACK_WEBHOOK_HOST, ServiceSettings, check_url
from zoom_notifier.services.secrets import ZoomCredentials

__all__ = ["RealCredentials", "load_real_credentials"]


class RealCredentials(ServiceSettings):
    """What ``run`` needs to talk to the real services (storage stays embedded); the log level,
    meeting time zone and loopback switch are the service's own settings."""

    zoom_account_id: str = Field(min_length=1)
    zoom_client_id: str = Field(min_length=1)
    zoom_client_secret: SecretStr = Field(min_length=1)
    zoom_user_id: str = Field(min_length=1)
    slack_webhook_url: SecretStr
    # For Zoom's regional API hosts; and, with ALLOW_LOOPBACK_URLS, for trying it on stand-ins.
    zoom_api_url: str = "https://api.zoom.us/v2"
    zoom_oauth_url: str = "https://zoom.us/oauth/token"

    @model_validator(mode="after")
    def _urls(self) -> RealCredentials:
        loopback = self.allow_loopback_urls
        check_url(self.zoom_api_url, name="ZOOM_API_URL", allow_loopback=loopback)
        check_url(self.zoom_oauth_url, name="ZOOM_OAUTH_URL", allow_loopback=loopback)
        check_url(
            self.slack_webhook_url.get_secret_value(),
            name="SLACK_WEBHOOK_URL",
            allow_loopback=loopback,
            host=SLACK_WEBHOOK_HOST,
        )
        return self

    def zoom_credentials(self) -> ZoomCredentials:
        return ZoomCredentials(
            account_id=self.zoom_account_id,
            client_id=self.zoom_client_id,
            client_secret=self.zoom_client_secret.get_secret_value(),
        )


_READABLE = {
    "bool_parsing": "is not true or false",
    "literal_error": "is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "string_too_short": "is empty",
    "too_short": "is empty",
}


def load_real_credentials(env_file: Path, command: str = "run") -> RealCredentials:
    """Read and validate the settings; name every missing or invalid variable at once."""
    try:
        return RealCredentials(_env_file=env_file if env_file.exists() else None)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        missing = [str(error["loc"][0]).upper() for error in errors if error["type"] == "missing"]
        if missing:
            where = (
                f"in the environment or in {env_file}"
                if env_file.exists()
                else f"in the environment, or in {env_file}, which does not exist"
            )
            raise ConfigurationError(f"{command} needs {', '.join(missing)} ({where})") from None
        problems = [
            f"{str(error['loc'][0]).upper()} "
            + _READABLE.get(
                error["type"], f"is invalid: {error['msg'].removeprefix('Value error, ')}"
            )
            for error in errors
        ]
        raise ConfigurationError("; ".join(problems)) from None
