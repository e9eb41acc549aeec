"""The models of Zoom and Slack served over HTTP on 127.0.0.1, for the demo and the local run.

Each server runs its own event loop in a thread: the handlers under test run their own loops
(one per invocation), so the servers need one that outlives them.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from typing import Any, Generic, Self, TypeVar

from aiohttp import web

from zoom_notifier.local.faults import NetworkFault, Outcome
from zoom_notifier.local.slack_api_model import METHODS, SlackApiModel
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.zoom_model import ZoomModel

__all__ = ["LoopbackServer", "SlackApiServer", "SlackServer", "ZoomServer"]

ModelT = TypeVar("ModelT")
# A scripted timeout: the server answers after the clients' deadlines (15 s for Zoom, 10 s
# for Slack), so they give up, as they would with a real service that stalled.
STALL_SECONDS = 20.0


class LoopbackServer(Generic[ModelT]):
    """A model's aiohttp application served on 127.0.0.1 (a free port) from a thread of its own.

    The handlers under test run their own event loops (one per invocation), so the servers
    need a loop that outlives them. Subclasses route requests to the model in ``_app``.
    """

    def __init__(self, model: ModelT, ssl_context: ssl.SSLContext | None = None) -> None:
        """With ``ssl_context``, the server speaks TLS (``https://``), as the real services do."""
        self.model = model
        self._ssl_context = ssl_context
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
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl_context)
        await site.start()
        server = site._server
        assert server is not None  # noqa: S101
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        scheme = "http" if self._ssl_context is None else "https"
        self.url = f"{scheme}://127.0.0.1:{port}"

    def _app(self) -> web.Application:
        raise NotImplementedError

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


async def _respond(request: web.Request, outcome: Outcome) -> web.StreamResponse:
    if isinstance(outcome, NetworkFault):
        if outcome.kind in {"timeout", "connect_timeout"}:
            await asyncio.sleep(STALL_SECONDS)
        elif request.transport is not None:  # refused or reset: the client sees it closed
            request.transport.close()
        return web.Response(status=504)
    body: Any = outcome.body
    if isinstance(body, dict | list):
        return web.Response(
            status=outcome.status,
            text=json.dumps(body),
            content_type="application/json",
            headers=outcome.headers,
        )
    return web.Response(status=outcome.status, text=str(body), headers=outcome.headers)


class ZoomServer(LoopbackServer[ZoomModel]):
    """:class:`ZoomModel` at ``{url}/oauth/token`` and ``{url}/v2``."""

    @property
    def api_url(self) -> str:
        return f"{self.url}/v2"

    @property
    def oauth_url(self) -> str:
        return f"{self.url}/oauth/token"

    def _app(self) -> web.Application:
        model = self.model

        async def token(request: web.Request) -> web.StreamResponse:
            auth = request.headers.get("Authorization")
            return await _respond(request, model.answer_token(request.query, auth))

        async def create(request: web.Request) -> web.StreamResponse:
            outcome = model.answer_create(
                request.match_info["user_id"],
                await request.read(),
                request.headers.get("Authorization"),
            )
            return await _respond(request, outcome)

        async def listing(request: web.Request) -> web.StreamResponse:
            outcome = model.answer_list(
                request.match_info["user_id"], request.query, request.headers.get("Authorization")
            )
            return await _respond(request, outcome)

        async def lookup(request: web.Request) -> web.StreamResponse:
            outcome = model.answer_get(
                request.match_info["meeting_id"], request.headers.get("Authorization")
            )
            return await _respond(request, outcome)

        async def removal(request: web.Request) -> web.StreamResponse:
            outcome = model.answer_delete(
                request.match_info["meeting_id"], request.headers.get("Authorization")
            )
            return await _respond(request, outcome)

        async def update(request: web.Request) -> web.StreamResponse:
            outcome = model.answer_patch(
                request.match_info["meeting_id"],
                await request.read(),
                request.headers.get("Authorization"),
            )
            return await _respond(request, outcome)

        app = web.Application()
        app.router.add_post("/oauth/token", token)
        app.router.add_post("/v2/users/{user_id}/meetings", create)
        app.router.add_get("/v2/users/{user_id}/meetings", listing)
        app.router.add_get("/v2/meetings/{meeting_id}", lookup)
        app.router.add_delete("/v2/meetings/{meeting_id}", removal)
        app.router.add_patch("/v2/meetings/{meeting_id}", update)
        return app


class SlackServer(LoopbackServer[SlackModel]):
    """:class:`SlackModel` at ``{url}{model.path}``."""

    @property
    def webhook_url(self) -> str:
        return self.url + self.model.path

    def _app(self) -> web.Application:
        model = self.model

        async def post(request: web.Request) -> web.StreamResponse:
            return await _respond(request, model.answer_post(await request.read()))

        app = web.Application()
        app.router.add_post(model.path, post)
        return app


class SlackApiServer(LoopbackServer[SlackApiModel]):
    """:class:`SlackApiModel`'s Web API methods at ``{url}/api/{method}``."""

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def _app(self) -> web.Application:
        model = self.model

        def handler(method: str) -> Any:
            async def answer(request: web.Request) -> web.StreamResponse:
                arguments: dict[str, Any] = dict(request.query)
                if request.content_type == "application/json":
                    arguments.update(await request.json())
                elif request.can_read_body:
                    arguments.update(await request.post())
                authorization = request.headers.get("Authorization")
                return await _respond(request, model.answer(method, arguments, authorization))

            return answer

        async def response(request: web.Request) -> web.StreamResponse:
            # A command's response_url (SlackApiModel.issue_response_url gave it out).
            body = await request.json() if request.content_type == "application/json" else {}
            return await _respond(request, model.answer_response(str(request.url), body))

        app = web.Application()
        for method in METHODS:
            app.router.add_route("*", f"/api/{method}", handler(method))
        app.router.add_post("/commands/{tail:.*}", response)
        return app

    def response_url(self, number: int) -> str:
        """A command's response_url on this server, issued (its thirty minutes start now)."""
        url = f"{self.url}/commands/T0LOCAL01/{number}/local"
        self.model.issue_response_url(url)
        return url
