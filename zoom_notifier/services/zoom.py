"""Zoom REST client: Server-to-Server OAuth, create and get meeting, and error mapping.

The aiohttp session is injected (one per invocation); the access token lives in the container's
state through :class:`TokenCache`, since a token is plain data with an expiry and fetching one
costs a round trip to Zoom on every warm invocation otherwise.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, ValidationError

from zoom_notifier.domain.models import ZoomMeeting, ZoomMeetingList, ZoomMeetingSummary
from zoom_notifier.domain.validation import describe_validation_error
from zoom_notifier.errors import (
    ZoomAuthFailed,
    ZoomDailyLimitReached,
    ZoomNotifierError,
    ZoomRateLimited,
    ZoomRequestRejected,
    ZoomResponseInvalid,
    ZoomUnavailable,
)
from zoom_notifier.runtime.container import STATE, CachedValue
from zoom_notifier.runtime.deadline import call_timeout
from zoom_notifier.runtime.logs import get_logger, register_secret
from zoom_notifier.services.http import retry_after_moment, retry_after_seconds
from zoom_notifier.services.secrets import ZoomCredentials

__all__ = [
    "MEETING_NOT_FOUND_CODE",
    "REQUEST_TIMEOUT",
    "TokenCache",
    "ZoomAnswer",
    "ZoomClient",
    "error_for",
    "meeting_from",
    "meeting_list_from",
]

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
# Zoom's code for "Meeting does not exist" (also answered with HTTP 404).
MEETING_NOT_FOUND_CODE = 3001
# Pages of 300 meetings read when looking for an earlier attempt's meeting.
LIST_PAGE_LIMIT = 10
# Renew this long before Zoom's expiry, so a token never expires mid-invocation.
TOKEN_RENEWAL_MARGIN_SECONDS = 300.0
_MAX_QUOTED = 300

log = get_logger(__name__)


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


@dataclass(frozen=True)
class ZoomAnswer:
    """What Zoom answered: status, body text and headers."""

    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except json.JSONDecodeError:
            return None


class ZoomClient:
    """The three Zoom calls the service makes, with every failure mapped to our errors."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        credentials: ZoomCredentials,
        *,
        api_url: str,
        oauth_url: str,
        tokens: TokenCache | None = None,
    ) -> None:
        self._session = session
        self._credentials = credentials
        self._api_url = api_url.rstrip("/")
        self._oauth_url = oauth_url
        self._tokens = tokens or TokenCache()
        self._token_key = (oauth_url, credentials.account_id, credentials.client_id)

    async def create_meeting(self, user_id: str, body: dict[str, Any]) -> ZoomMeeting:
        """``POST /users/{userId}/meetings``; Zoom answers 201 with the meeting."""
        answer = await self._api("POST", f"/users/{_path_segment(user_id)}/meetings", body)
        if answer.status != 201:
            raise error_for(answer, "create meeting")
        return meeting_from(answer, "create meeting")

    async def list_scheduled_meetings(self, user_id: str) -> list[ZoomMeetingSummary]:
        """The host's scheduled (unexpired) meetings: ``GET /users/{userId}/meetings``."""
        found: list[ZoomMeetingSummary] = []
        page_token = ""
        for _ in range(LIST_PAGE_LIMIT):
            query = f"?type=scheduled&page_size=300&next_page_token={quote(page_token)}"
            answer = await self._api("GET", f"/users/{_path_segment(user_id)}/meetings{query}")
            if answer.status != 200:
                raise error_for(answer, "list meetings")
            page = meeting_list_from(answer)
            found.extend(page.meetings)
            if not page.next_page_token:
                break
            page_token = page.next_page_token
        return found

    async def get_meeting(self, meeting_id: int) -> ZoomMeeting | None:
        """``GET /meetings/{id}``, or ``None`` when Zoom says the meeting no longer exists."""
        answer = await self._api("GET", f"/meetings/{meeting_id}")
        if answer.status == 200:
            return meeting_from(answer, "get meeting")
        data = answer.json()
        code = data.get("code") if isinstance(data, dict) else None
        if answer.status == 404 or code == MEETING_NOT_FOUND_CODE:
            return None
        raise error_for(answer, "get meeting")

    async def _api(self, method: str, path: str, body: dict[str, Any] | None = None) -> ZoomAnswer:
        token = await self._token()
        answer = await self._send(method, self._api_url + path, token=token, body=body)
        if answer.status == 401:
            # A revoked or rotated token: fetch one fresh token and try exactly once more.
            log.info("zoom token rejected, renewing", path=path.split("/")[1])
            self._tokens.discard(self._token_key)
            token = await self._token()
            answer = await self._send(method, self._api_url + path, token=token, body=body)
            if answer.status == 401:
                raise ZoomAuthFailed(
                    f"Zoom rejected a fresh access token (HTTP 401{_zoom_detail(answer)}); "
                    "check the app's scopes and that it is activated"
                )
        return answer

    async def granted_scopes(self) -> frozenset[str] | None:
        """The scopes of a new token, as Zoom's token answer lists them (``scope``, space
        separated), or ``None`` when the answer lists none."""
        _, scopes = await self._new_token()
        return scopes

    async def _token(self) -> str:
        cached = self._tokens.get(self._token_key)
        if cached is not None:
            return cached
        token, _ = await self._new_token()
        return token

    async def _new_token(self) -> tuple[str, frozenset[str] | None]:
        answer = await self._send(
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
                f"Zoom refused the app credentials (HTTP {answer.status}{_zoom_detail(answer)}); "
                "check account_id, client_id and client_secret"
            )
        data = answer.json()
        token = data.get("access_token") if isinstance(data, dict) else None
        expires_in = data.get("expires_in", 3600) if isinstance(data, dict) else None
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise ZoomAuthFailed("Zoom's token endpoint answered 200 without a usable token")
        register_secret(token)
        self._tokens.put(self._token_key, token, float(expires_in))
        scope = data.get("scope")
        return token, frozenset(scope.split()) if isinstance(scope, str) else None

    async def _send(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        auth: aiohttp.BasicAuth | None = None,
    ) -> ZoomAnswer:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        timeout = call_timeout(REQUEST_TIMEOUT)
        if timeout is None:
            # Not started, so nothing is ambiguous: the retry has a whole invocation.
            raise ZoomUnavailable(f"too little time left in this invocation to call Zoom {method}")
        try:
            async with self._session.request(
                method,
                url,
                json=body,
                params=params,
                auth=auth,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                text = await response.text(errors="replace")
                return ZoomAnswer(response.status, text, dict(response.headers))
        except TimeoutError:
            raise ZoomUnavailable(f"Zoom did not answer {method} in time") from None
        except aiohttp.ClientError as exc:
            # The exception text can hold the URL and its query (account id): name the type only.
            raise ZoomUnavailable(
                f"could not reach Zoom for {method}: {type(exc).__name__}"
            ) from None


def _path_segment(value: str) -> str:
    return quote(value, safe="@")


ParsedT = TypeVar("ParsedT", bound=BaseModel)


def _parse(
    model: type[ParsedT], answer: ZoomAnswer, action: str, what: str, consequence: str = ""
) -> ParsedT:
    try:
        return model.model_validate_json(answer.body)
    except ValidationError as exc:
        raise ZoomResponseInvalid(
            f"Zoom answered HTTP {answer.status} to {action} with a body that is not {what} "
            f"({describe_validation_error(exc)}){consequence}"
        ) from None


def meeting_from(answer: ZoomAnswer, action: str) -> ZoomMeeting:
    """The meeting in a 2xx answer, or ZoomResponseInvalid: never a validation traceback."""
    meeting = _parse(
        ZoomMeeting,
        answer,
        action,
        "a meeting",
        consequence="; the meeting may exist: check Zoom before rerunning",
    )
    if meeting.start_url is not None:
        register_secret(meeting.start_url.get_secret_value())
    register_secret(meeting.password)
    return meeting


def meeting_list_from(answer: ZoomAnswer) -> ZoomMeetingList:
    """The page of meetings in a 200 answer to List Meetings, or ZoomResponseInvalid."""
    return _parse(ZoomMeetingList, answer, "list meetings", "a meeting list")


def _zoom_detail(answer: ZoomAnswer) -> str:
    """``, code 300: <message>`` from Zoom's error body, when it has one."""
    data = answer.json()
    if not isinstance(data, dict):
        return ""
    code = data.get("code") or data.get("error")
    message = data.get("message") or data.get("reason")
    parts = [str(part)[:_MAX_QUOTED] for part in (code, message) if part]
    return (", " + ": ".join(parts)) if parts else ""


def _is_daily_limit(answer: ZoomAnswer) -> bool:
    # Zoom's daily-limit 429: "You have exceeded the daily rate limit (100) of Meeting
    # Create/Update API requests ... You may resume these requests at GMT 00:00:00." and,
    # per the rate-limit guide, X-RateLimit-Type: Daily-limit with an ISO 8601 Retry-After
    # (devforum.zoom.us/t/18928, developers.zoom.us/docs/api/rate-limits/).
    headers = {name.lower(): value for name, value in answer.headers.items()}
    if headers.get("x-ratelimit-type", "").lower() == "daily-limit":
        return True
    data = answer.json()
    message = data.get("message") if isinstance(data, dict) else None
    return isinstance(message, str) and "daily rate limit" in message.lower()


def _daily_limit(answer: ZoomAnswer, action: str) -> ZoomDailyLimitReached:
    retry_after = {name.lower(): value for name, value in answer.headers.items()}.get("retry-after")
    when = retry_after_moment(retry_after)
    resets = (
        when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "00:00 UTC (Zoom's reset)"
    )
    return ZoomDailyLimitReached(
        f"Zoom refused to {action}: the host reached Zoom's daily limit of meeting "
        f"create/update requests (HTTP 429{_zoom_detail(answer)}); it resets at {resets}. "
        "Rerun after that; if it recurs, spread the templates over more hosts"
    )


def error_for(answer: ZoomAnswer, action: str) -> ZoomNotifierError:
    """Our error for a non-success answer of Zoom to ``action``."""
    status = answer.status
    if status == 429 and _is_daily_limit(answer):
        return _daily_limit(answer, action)
    if status == 429:
        retry_after = retry_after_seconds(answer.headers.get("Retry-After"))
        hint = f"; retry after {retry_after:g}s" if retry_after is not None else ""
        return ZoomRateLimited(f"Zoom rate-limited {action} (HTTP 429{hint})", retry_after)
    if status >= 500:
        return ZoomUnavailable(f"Zoom failed to {action} (HTTP {status})")
    if 400 <= status < 500:
        data = answer.json()
        code = data.get("code") if isinstance(data, dict) else None
        message = data.get("message") if isinstance(data, dict) else None
        return ZoomRequestRejected(
            f"Zoom rejected {action} (HTTP {status}{_zoom_detail(answer)})",
            status=status,
            code=code if isinstance(code, int) else None,
            zoom_message=str(message)[:_MAX_QUOTED] if message is not None else None,
        )
    return ZoomResponseInvalid(f"Zoom answered {action} with unexpected HTTP {status}")
