"""Zoom's meetings API: create, get, list, update and delete meetings, with every answer mapped to
our errors.

The aiohttp session is injected (one per invocation); the access token comes from
:mod:`~zoom_notifier.services.zoom_oauth`, each request goes through
:mod:`~zoom_notifier.services.zoom_http`.
"""

from __future__ import annotations

import re
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
from zoom_notifier.runtime.logs import get_logger, register_invocation_secret
from zoom_notifier.services.http import retry_after_moment, retry_after_seconds
from zoom_notifier.services.secrets import ZoomCredentials
from zoom_notifier.services.zoom_http import (
    MAX_QUOTED,
    ZoomAnswer,
    send,
    zoom_detail,
)
from zoom_notifier.services.zoom_oauth import TokenCache, ZoomTokens

__all__ = [
    "MEETING_NOT_FOUND_CODE",
    "ZoomClient",
    "error_for",
    "meeting_from",
    "meeting_list_from",
]

# Zoom's code for "Meeting does not exist" (also answered with HTTP 404).
MEETING_NOT_FOUND_CODE = 3001
# Pages of 300 meetings read when looking for an earlier attempt's meeting.
LIST_PAGE_LIMIT = 10

log = get_logger(__name__)


class ZoomClient:
    """The Zoom calls the service makes, with every failure mapped to our errors."""

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
        self._api_url = api_url.rstrip("/")
        self._tokens = ZoomTokens(session, credentials, oauth_url, tokens)

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
        if _not_found(answer):
            return None
        raise error_for(answer, "get meeting")

    async def delete_meeting(self, meeting_id: int) -> bool:
        """``DELETE /meetings/{id}``: True when this call deleted it, False when Zoom says it
        no longer exists (deleted before: a retry's proof that the delete is done).

        Zoom answers 204 "Meeting deleted", or 404 with code 3001 "Meeting does not exist"
        (developers.zoom.us/docs/api/meetings/#tag/meetings/DELETE/meetings/{meetingId}).
        ``schedule_for_reminder=false``: the host gets no e-mail, the channel is told instead.
        """
        answer = await self._api("DELETE", f"/meetings/{meeting_id}?schedule_for_reminder=false")
        if answer.status == 204:
            return True
        if _not_found(answer):
            return False
        raise error_for(answer, "delete meeting")

    async def update_start(self, meeting_id: int, start_time: str, timezone: str) -> bool:
        """``PATCH /meetings/{id}`` with a new start (local ``YYYY-MM-DDTHH:MM:SS`` in
        ``timezone``): True when updated, False when the meeting no longer exists.

        Zoom answers 204 "Meeting updated", or 404/3001; an update counts against the daily
        limit of 100 creates/updates (developers.zoom.us/docs/api/meetings/#tag/meetings/
        PATCH/meetings/{meetingId}). Setting the same start twice is harmless, so a retry
        simply repeats it.
        """
        body = {"start_time": start_time, "timezone": timezone}
        answer = await self._api("PATCH", f"/meetings/{meeting_id}", body)
        if answer.status == 204:
            return True
        if _not_found(answer):
            return False
        raise error_for(answer, "update meeting")

    async def _api(self, method: str, path: str, body: dict[str, Any] | None = None) -> ZoomAnswer:
        url = self._api_url + path
        answer = await send(self._session, method, url, token=await self._tokens.token(), body=body)
        if answer.status == 401:
            # A revoked or rotated token: fetch one fresh token and try exactly once more.
            log.info("zoom token rejected, renewing", path=path.split("/")[1])
            self._tokens.discard()
            token = await self._tokens.token()
            answer = await send(self._session, method, url, token=token, body=body)
            if answer.status == 401:
                if (missing := missing_scope_error(answer)) is not None:
                    raise missing
                raise ZoomAuthFailed(
                    f"Zoom rejected a fresh access token (HTTP 401{zoom_detail(answer)}); "
                    "check the app's scopes and that it is activated"
                )
        return answer

    async def granted_scopes(self) -> frozenset[str] | None:
        """The scopes of a new token, as Zoom's token answer lists them (``scope``, space
        separated), or ``None`` when the answer lists none."""
        _, scopes = await self._tokens.new_token()
        return scopes


def _not_found(answer: ZoomAnswer) -> bool:
    """Zoom's "Meeting does not exist": HTTP 404, or its code 3001."""
    data = answer.json()
    code = data.get("code") if isinstance(data, dict) else None
    return answer.status == 404 or code == MEETING_NOT_FOUND_CODE


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
        register_invocation_secret(meeting.start_url.get_secret_value())
    register_invocation_secret(meeting.password)
    return meeting


def meeting_list_from(answer: ZoomAnswer) -> ZoomMeetingList:
    """The page of meetings in a 200 answer to List Meetings, or ZoomResponseInvalid."""
    return _parse(ZoomMeetingList, answer, "list meetings", "a meeting list")


# Zoom's answer to a token without a scope the call needs: code 4700 or 4711, "Invalid access
# token, does not contain scopes:[meeting:write:meeting:admin, ...]" (devforum.zoom.us/t/
# 4711-invalid-access-token-does-not-contain-scopes/86596, developers.zoom.us/docs/api/
# using-zoom-apis/#error-codes), with HTTP 400 or 401.
_MISSING_SCOPE_CODES = frozenset({4700, 4711})
_SCOPES = re.compile(r"does not contain scopes?\s*:?\s*\[?([^\]]*)\]?", re.IGNORECASE)


def missing_scope_error(answer: ZoomAnswer) -> ZoomAuthFailed | None:
    """ZoomAuthFailed naming the scopes to add, when Zoom says the token lacks some."""
    data = answer.json()
    code = data.get("code") if isinstance(data, dict) else None
    message = str(data.get("message", "")) if isinstance(data, dict) else ""
    match = _SCOPES.search(message)
    # Any JSON may come back: only an integer code is one of Zoom's.
    scope_code = isinstance(code, int) and code in _MISSING_SCOPE_CODES
    if not scope_code and match is None:
        return None
    scopes = (
        ", ".join(part.strip() for part in match[1].split(",") if part.strip()) if match else ""
    )
    needed = f"the scope(s) {scopes}" if scopes else "a scope this call needs"
    return ZoomAuthFailed(
        f"Zoom refused the call: the app's token lacks {needed} (code {code}). Add "
        f"{'them' if scopes else 'it'} on the app's page (marketplace.zoom.us, Manage, your "
        "Server-to-Server OAuth app, Scopes), then redrive"
    )


def _is_daily_limit(answer: ZoomAnswer, action: str) -> bool:
    """Whether a 429 is Zoom's daily limit of meeting creates/updates: only for a create or an
    update, and only when Zoom says so.

    Zoom's daily-limit 429: "You have exceeded the daily rate limit (100) of Meeting
    Create/Update API requests ... You may resume these requests at GMT 00:00:00." and, per
    the rate-limit guide, X-RateLimit-Type: Daily-limit with an ISO 8601 Retry-After
    (devforum.zoom.us/t/18928, developers.zoom.us/docs/api/rate-limits/). Any other 429 (a
    lookup's, or a per-second limit) is retried.
    """
    if not ("create" in action or "update" in action):
        return False
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
        f"create/update requests (HTTP 429{zoom_detail(answer)}); it resets at {resets}. "
        "Rerun after that; if it recurs, spread the templates over more hosts"
    )


def error_for(answer: ZoomAnswer, action: str) -> ZoomNotifierError:
    """Our error for a non-success answer of Zoom to ``action``."""
    status = answer.status
    if status == 429 and _is_daily_limit(answer, action):
        return _daily_limit(answer, action)
    if status == 429:
        retry_after = retry_after_seconds(answer.headers.get("Retry-After"))
        hint = f"; retry after {retry_after:g}s" if retry_after is not None else ""
        return ZoomRateLimited(f"Zoom rate-limited {action} (HTTP 429{hint})", retry_after)
    if status >= 500:
        return ZoomUnavailable(f"Zoom failed to {action} (HTTP {status})")
    if status in {400, 401, 403} and (missing := missing_scope_error(answer)) is not None:
        return missing
    if 400 <= status < 500:
        data = answer.json()
        code = data.get("code") if isinstance(data, dict) else None
        message = data.get("message") if isinstance(data, dict) else None
        return ZoomRequestRejected(
            f"Zoom rejected {action} (HTTP {status}{zoom_detail(answer)})",
            status=status,
            code=code if isinstance(code, int) else None,
            zoom_message=str(message)[:MAX_QUOTED] if message is not None else None,
        )
    return ZoomResponseInvalid(f"Zoom answered {action} with unexpected HTTP {status}")
