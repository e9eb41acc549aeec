"""Zoom's Server-to-Server OAuth on its own: the token cache, and each answer of the token
endpoint (the Zoom model, mounted in aioresponses) mapped to our errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support import fakes
from zoom_notifier.errors import ZoomAuthFailed, ZoomRateLimited, ZoomUnavailable
from zoom_notifier.local.faults import Fault, answer
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.container import CachedValue
from zoom_notifier.services.secrets import ZoomCredentials
from zoom_notifier.services.zoom_oauth import TOKEN_RENEWAL_MARGIN_SECONDS, TokenCache, ZoomTokens

KEY = ("https://zoom.us/oauth/token", "account", "client")


def test_a_token_is_kept_until_its_renewal_margin_then_forgotten() -> None:
    own: dict[tuple[str, str, str], CachedValue] = {}
    cache = TokenCache(own)

    cache.put(KEY, "fake-token", expires_in=3600)

    assert cache.get(KEY) == "fake-token"
    assert own[KEY].stale_after > 0
    cache.put(KEY, "short-lived", expires_in=TOKEN_RENEWAL_MARGIN_SECONDS / 2)
    assert cache.get(KEY) == "short-lived"  # half its life, never less than nothing
    cache.discard(KEY)
    assert cache.get(KEY) is None


@pytest.fixture
async def tokens(zoom: ZoomModel) -> AsyncIterator[ZoomTokens]:
    del zoom
    credentials = ZoomCredentials(fakes.ACCOUNT_ID, fakes.CLIENT_ID, fakes.CLIENT_SECRET)
    async with aiohttp.ClientSession() as session:
        yield ZoomTokens(session, credentials, fakes.OAUTH_URL, TokenCache({}))


async def test_a_new_token_is_cached_with_the_scopes_zoom_lists(
    zoom: ZoomModel, tokens: ZoomTokens
) -> None:
    token, scopes = await tokens.new_token()

    assert token in zoom.tokens
    assert scopes == frozenset(zoom.scope.split())
    zoom.access_token = "FAKE-second-access-token"
    assert await tokens.token() == token  # the cached one: no second request
    tokens.discard()
    assert await tokens.token() == "FAKE-second-access-token"


@pytest.mark.parametrize(
    ("fault", "error", "says"),
    [
        (answer(400, {"reason": "Invalid client", "error": "invalid_client"}), ZoomAuthFailed,
         "check account_id, client_id and client_secret"),
        (answer(200, {"token_type": "bearer"}), ZoomAuthFailed, "without a usable token"),
        (answer(429, {}, {"Retry-After": "3"}), ZoomRateLimited, "rate-limited"),
        (answer(503, ""), ZoomUnavailable, "HTTP 503"),
    ],
)  # fmt: skip
async def test_each_refusal_of_the_token_endpoint_is_our_error(
    zoom: ZoomModel, tokens: ZoomTokens, fault: Fault, error: type[Exception], says: str
) -> None:
    zoom.token.set(fault)

    with pytest.raises(error, match=says):
        await tokens.token()
