"""Loopback stand-ins for Zoom and Slack: small HTTP servers that answer as the documented APIs
do, record what they received, and can be told to fail like the real ones sometimes do."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self
from zoneinfo import ZoneInfo

from aiohttp import web

__all__ = ["LoopbackServer", "SlackStandIn", "ZoomStandIn"]


class LoopbackServer:
    """An aiohttp application served on 127.0.0.1 (a free port) from a thread of its own.

    The handlers under test run their own event loops (one per invocation), so the stand-ins
    need a loop that outlives them.
    """

    def __init__(self, build: Callable[[], web.Application]) -> None:
        self._build = build
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    def start(self) -> Self:
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            loop.close()

        self._thread = threading.Thread(target=serve, name="loopback-stand-in", daemon=True)
        self._thread.start()
        ready.wait(timeout=10)
        if failure:
            raise RuntimeError(f"stand-in server did not start: {failure[0]}")
        return self

    async def _open(self) -> None:
        self._runner = web.AppRunner(self._build(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None  # noqa: S101
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}"

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class _StandIn:
    """Lifecycle shared by the stand-ins: serve ``_app()`` on loopback while in use."""

    server: LoopbackServer | None

    def _app(self) -> web.Application:
        raise NotImplementedError

    def _url(self) -> str:
        assert self.server is not None, "start() first"  # noqa: S101
        return self.server.url

    def start(self) -> Self:
        self.server = LoopbackServer(self._app).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


@dataclass
class ZoomStandIn(_StandIn):
    """Zoom's Server-to-Server OAuth token endpoint and the meeting endpoints we call.

    ``outage`` makes Create Meeting answer 503 (as during a Zoom incident).
    """

    account_id: str
    client_id: str
    client_secret: str
    outage: bool = False
    meetings: dict[int, dict[str, Any]] = field(default_factory=dict)
    create_requests: list[dict[str, Any]] = field(default_factory=list)
    create_attempts: int = 0
    tokens: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(84_123_456_789))
    server: LoopbackServer | None = None

    @property
    def api_url(self) -> str:
        return f"{self._url()}/v2"

    @property
    def oauth_url(self) -> str:
        return f"{self._url()}/oauth/token"

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/oauth/token", self._token)
        app.router.add_post("/v2/users/{user_id}/meetings", self._create)
        app.router.add_get("/v2/users/{user_id}/meetings", self._list)
        app.router.add_get("/v2/meetings/{meeting_id}", self._get)
        return app

    async def _token(self, request: web.Request) -> web.Response:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.query.get("grant_type") != "account_credentials":
            return web.json_response(
                {"reason": "Unsupported grant type", "error": "unsupported_grant_type"},
                status=400,
            )
        if (
            request.headers.get("Authorization") != f"Basic {expected}"
            or request.query.get("account_id") != self.account_id
        ):
            return web.json_response(
                {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
                status=400,
            )
        token = f"local-access-token-{uuid.uuid4().hex[:12]}"
        self.tokens.add(token)
        return web.json_response(
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 3599,
                "scope": "meeting:write:meeting:admin meeting:read:meeting:admin",
                "api_url": "https://api.zoom.us",
            }
        )

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization", "").removeprefix("Bearer ") in self.tokens

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": 124, "message": "Invalid access token."}, status=401)
        self.create_attempts += 1
        if self.outage:
            return web.Response(status=503, text="Service Temporarily Unavailable")
        body = await request.json()
        self.create_requests.append(body)
        meeting_id = next(self._ids)
        meeting = _meeting_body(meeting_id, request.match_info["user_id"], body)
        self.meetings[meeting_id] = meeting
        return web.json_response(meeting, status=201)

    async def _list(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": 124, "message": "Invalid access token."}, status=401)
        summaries = [
            {key: meeting[key] for key in _SUMMARY_FIELDS} for meeting in self.meetings.values()
        ]
        return web.json_response(
            {
                "page_size": 300,
                "total_records": len(summaries),
                "next_page_token": "",
                "meetings": summaries,
            }
        )

    async def _get(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": 124, "message": "Invalid access token."}, status=401)
        meeting_id = int(request.match_info["meeting_id"])
        if meeting_id not in self.meetings:
            return web.json_response(
                {"code": 3001, "message": f"Meeting does not exist: {meeting_id}."}, status=404
            )
        return web.json_response(self.meetings[meeting_id])


_SUMMARY_FIELDS = (
    "uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone",
    "created_at", "join_url",
)  # fmt: skip


def _meeting_body(meeting_id: int, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """What Zoom answers to Create Meeting: the request echoed, plus ids, URLs and UTC time."""
    timezone = body.get("timezone", "UTC")
    start_time = body.get("start_time")
    if start_time and not start_time.endswith("Z"):
        local = datetime.fromisoformat(start_time).replace(tzinfo=ZoneInfo(timezone))
        start_time = local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    password = body.get("password", "")
    return {
        "uuid": base64.b64encode(uuid.uuid4().bytes).decode(),
        "id": meeting_id,
        "host_id": "localHostId01",
        "host_email": user_id if "@" in user_id else "host@example.com",
        "topic": body.get("topic", "Zoom meeting"),
        "type": body.get("type", 2),
        "status": "waiting",
        "start_time": start_time,
        "duration": body.get("duration", 60),
        "timezone": timezone,
        "agenda": body.get("agenda", ""),
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_url": f"https://zoom.us/s/{meeting_id}?zak=local-host-start-token",
        "join_url": f"https://zoom.us/j/{meeting_id}?pwd=localJoinPwd",
        "password": password,
        "h323_password": "123456",
        "pstn_password": "123456",
        "encrypted_password": "localEncryptedPwd",
        "settings": {"host_video": False, "participant_video": False, **body.get("settings", {})},
        "pre_schedule": False,
    }


@dataclass
class SlackStandIn(_StandIn):
    """A Slack Incoming Webhook. ``archived`` makes it answer 410 channel_is_archived."""

    archived: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    server: LoopbackServer | None = None
    path: str = "/services/T0LOCAL00/B0LOCAL00/localWebhookToken"

    @property
    def webhook_url(self) -> str:
        return self._url() + self.path

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(self.path, self._post)
        return app

    async def _post(self, request: web.Request) -> web.Response:
        if self.archived:
            self.refused += 1
            return web.Response(status=410, text="channel_is_archived")
        try:
            payload = json.loads(await request.text())
        except json.JSONDecodeError:
            self.refused += 1
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
            self.refused += 1
            return web.Response(status=400, text="no_text")
        self.posts.append(payload)
        return web.Response(status=200, text="ok")
