"""Real Zoom and Slack credentials for ``zoom-notifier run``, from the environment or ``.env``."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from zoom_notifier.errors import ConfigurationError

__all__ = ["RealCredentials", "load_real_credentials"]


class RealCredentials(BaseSettings):
    """What ``run`` needs to talk to the real services (storage stays embedded)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    zoom_account_id: str
    zoom_client_id: str
    zoom_client_secret: SecretStr
    zoom_user_id: str
    slack_webhook_url: SecretStr
    meeting_timezone: str = "UTC"
    # For Zoom's regional API hosts; and, with ALLOW_LOOPBACK_URLS, for trying it on stand-ins.
    zoom_api_url: str = "https://api.zoom.us/v2"
    zoom_oauth_url: str = "https://zoom.us/oauth/token"
    allow_loopback_urls: bool = False


def load_real_credentials(env_file: Path) -> RealCredentials:
    """Read the credentials; name every missing variable at once."""
    try:
        return RealCredentials(_env_file=env_file if env_file.exists() else None)
    except ValidationError as exc:
        missing = [
            str(error["loc"][0]).upper()
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise ConfigurationError(
            f"run needs {', '.join(missing)} (in the environment or in {env_file})"
        ) from None
