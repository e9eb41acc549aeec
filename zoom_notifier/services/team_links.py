"""Each team's link: the key that makes its page's address unguessable, kept in one secret.

The secret (``TEAM_LINK_SECRET``) holds a JSON object, a team's (template's) name to its key:
``{"team-a": "Zq3…"}``. A team with no key has no page (its address answers ``404``, as a
wrong key does); ``zoom-notifier team-link TEAM`` issues one, ``--rotate`` replaces it. The
stack creates the secret holding a placeholder: no team has a page until a key is issued. The
keys are read through :class:`~zoom_notifier.services.secrets.SecretSource` (cached for five
minutes, so a rotated key stops working within five minutes) and registered for redaction.
"""

from __future__ import annotations

import json
import re
import secrets as random
from typing import TYPE_CHECKING
from urllib.parse import quote

from zoom_notifier.errors import ConfigurationError
from zoom_notifier.runtime.logs import register_secret

if TYPE_CHECKING:
    from zoom_notifier.services.secrets import SecretSource

__all__ = ["KEY_PATTERN", "new_key", "parse_team_keys", "team_address", "team_keys"]

# What new_key makes (24 random bytes, URL-safe base64): 32 characters.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,128}")
_PLACEHOLDER = "REPLACE_ME"


def new_key() -> str:
    """A new random key (192 bits)."""
    return random.token_urlsafe(24)


def parse_team_keys(raw: str, name: str) -> dict[str, str]:
    """The teams' keys of the secret's value (the placeholder: none); never echoed."""
    if _PLACEHOLDER in raw:
        return {}
    try:
        keys = json.loads(raw)
    except (ValueError, RecursionError):
        keys = None
    if not isinstance(keys, dict) or not all(
        isinstance(team, str) and isinstance(key, str) and KEY_PATTERN.fullmatch(key)
        for team, key in keys.items()
    ):
        raise ConfigurationError(
            f"{name} must hold a JSON object of team names and their keys, as "
            "`zoom-notifier team-link TEAM` writes it"
        )
    for key in keys.values():
        register_secret(key)
    return dict(keys)


async def team_keys(secret_id: str, secrets: SecretSource) -> dict[str, str]:
    """The teams' keys from the secret ``secret_id`` (``TEAM_LINK_SECRET``)."""
    raw = await secrets.get(secret_id, setting="TEAM_LINK_SECRET")
    return parse_team_keys(raw, f"secret TEAM_LINK_SECRET={secret_id!r}")


def team_address(pages_url: str, team: str, key: str, suffix: str = "") -> str:
    """The address of ``team``'s page (``suffix``: ``/join`` or ``.ics``) under ``pages_url``
    (the inbound function's URL and ``t/``)."""
    return f"{pages_url.rstrip('/')}/{quote(team, safe='')}{suffix}?k={quote(key, safe='')}"
