"""The Zoom app and the Slack app a change of an existing meeting needs (cancel, move), from
their secrets: for the inbound function's jobs and for the operator's command line alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zoom_notifier.services.secrets import parse_bot_token, parse_zoom_credentials
from zoom_notifier.services.slack_app import SlackApp
from zoom_notifier.services.zoom import ZoomClient

if TYPE_CHECKING:
    import aiohttp

    from zoom_notifier.services.secrets import SecretSource

__all__ = ["ChangeClients", "change_clients"]


@dataclass(frozen=True)
class ChangeClients:
    zoom: ZoomClient
    app: SlackApp


async def change_clients(
    http: aiohttp.ClientSession,
    secrets: SecretSource,
    *,
    zoom_secret: str,
    bot_token_secret: str,
    zoom_api_url: str,
    zoom_oauth_url: str,
    slack_api_url: str,
) -> ChangeClients:
    """The two clients; a secret that is missing or malformed is a ConfigurationError naming
    it (never its value)."""
    raw = await secrets.get(zoom_secret, setting="ZOOM_CREDENTIALS_SECRET")
    credentials = parse_zoom_credentials(raw, f"secret ZOOM_CREDENTIALS_SECRET={zoom_secret!r}")
    zoom = ZoomClient(http, credentials, api_url=zoom_api_url, oauth_url=zoom_oauth_url)
    token_raw = await secrets.get(bot_token_secret, setting="SLACK_BOT_TOKEN_SECRET")
    token = parse_bot_token(token_raw, f"secret SLACK_BOT_TOKEN_SECRET={bot_token_secret!r}")
    return ChangeClients(zoom, SlackApp(http, token, base_url=slack_api_url))
