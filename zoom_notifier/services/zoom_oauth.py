"""Zoom's Server-to-Server OAuth: the account's access token, fetched with the app's
credentials and kept until shortly before it expires.

The token lives in the container's state through :class:`TokenCache`, since a token is plain
data with an expiry and fetching one costs a round trip to Zoom on every warm invocation
otherwise.
"""

from __future__ import annotations

import time

import aiohttp

from zoom_notifier.errors import ZoomAuthFailed, ZoomRateLimited, ZoomUnavailable
from zoom_notifier.runtime.container import STATE, CachedValue
from zoom_notifier.runtime.logs import register_secret
from zoom_notifier.services.http import retry_after_seconds
from zoom_notifier.services.secrets import ZoomCredentials
from zoom_notifier.services.zoom_http import send, zoom_detail

__all__ = ["TOKEN_RENEWAL_MARGIN_SECONDS", "TokenCache", "ZoomTokens"]

# Renew this long before Zoom's expiry, so a token never expires mid-invocation.
TOKEN_RENEWAL_MARGIN_SECONDS = 300.0


class TokenCache:
    """Access tokens by (token URL, account, client), valid until shortly before expiry.

    By default the tokens live in the container's state (:mod:`zoom_notifier.runtime.container`), so
    a warm invocation reuses the token of the previous one.
    """

    def __init__(self, tokens: dict[tuple[str, str, str], CachedValue] | None = None) -> None:
        self._own = tokens

    @property
    def _tokens(self) -> dict[tuple[str, str, str], CachedValue]:
        return STATE.zoom_tokens if self._own is None else self._own

    def get(self, key: tuple[str, str, str]) -> str | None:
        token = self._tokens.get(key)
        if token is None or time.monotonic() >= token.stale_after:
            return None
        return token.value

    def put(self, key: tuple[str, str, str], value: str, expires_in: float) -> None:
        lifetime = max(expires_in - TOKEN_RENEWAL_MARGIN_SECONDS, expires_in / 2)
        self._tokens[key] = CachedValue(value, time.monotonic() + lifetime)

    def discard(self, key: tuple[str, str, str]) -> None:
        self._tokens.pop(key, None)


class ZoomTokens:
    """The access token of one app (credentials) at one token endpoint."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        credentials: ZoomCredentials,
        oauth_url: str,
        tokens: TokenCache | None = None,
    ) -> None:
        self._session = session
        self._credentials = credentials
        self._oauth_url = oauth_url
        self._tokens = tokens or TokenCache()
        self._key = (oauth_url, credentials.account_id, credentials.client_id)

    async def token(self) -> str:
        """The cached token, or a new one."""
        cached = self._tokens.get(self._key)
        if cached is not None:
            return cached
        token, _ = await self.new_token()
        return token

    def discard(self) -> None:
        """Forget the cached token (Zoom refused it)."""
        self._tokens.discard(self._key)

    async def new_token(self) -> tuple[str, frozenset[str] | None]:
        """A new token from Zoom, and the scopes its answer lists (``None`` when it lists none)."""
        answer = await send(
            self._session,
            "POST",
            self._oauth_url,
            params={
                "grant_type": "account_credentials",
                "account_id": self._credentials.account_id,
            },
            auth=aiohttp.BasicAuth(self._credentials.client_id, self._credentials.client_secret),
        )
        if answer.status == 429:
            raise ZoomRateLimited(
                "Zoom rate-limited the token request (HTTP 429)",
                retry_after_seconds(answer.headers.get("Retry-After")),
            )
        if answer.status >= 500:
            raise ZoomUnavailable(f"Zoom's token endpoint failed (HTTP {answer.status})")
        if answer.status != 200:
            raise ZoomAuthFailed(
                f"Zoom refused the app credentials (HTTP {answer.status}{zoom_detail(answer)}); "
                "check account_id, client_id and client_secret"
            )
        data = answer.json()
        token = data.get("access_token") if isinstance(data, dict) else None
        expires_in = data.get("expires_in", 3600) if isinstance(data, dict) else None
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise ZoomAuthFailed("Zoom's token endpoint answered 200 without a usable token")
        register_secret(token)
        self._tokens.put(self._key, token, float(expires_in))
        scope = data.get("scope")
        return token, frozenset(scope.split()) if isinstance(scope, str) else None
