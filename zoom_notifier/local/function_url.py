"""A Lambda Function URL on 127.0.0.1: HTTP requests become payload-2.0 events for a handler
run in-process, and its answers become HTTP responses (as Lambda's URL front end does:
docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html).

The handler runs in a thread of its own (its event loop is the container's, not the server's),
one request at a time: the deployed function's reserved concurrency is at least one, and the
local run's answers come in the order they were asked.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from zoom_notifier.local.aws import LambdaContext
from zoom_notifier.local.cloudformation import load_template
from zoom_notifier.local.deployment import TEMPLATE_PATH
from zoom_notifier.local.loopback import LoopbackServer
from zoom_notifier.local.stack import handler_at

__all__ = ["FunctionUrlServer", "function_url_server", "request_event"]

# Bodies Lambda passes as text rather than base64 (the URL front end's rule: text media types).
_TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded")


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def request_event(
    method: str, path: str, headers: dict[str, str], body: bytes, query: str = ""
) -> dict[str, Any]:
    """The Function URL event of one request (``query``: its raw query string)."""
    content_type = headers.get("content-type", "")
    as_text = content_type.startswith(_TEXT_TYPES) or not body
    try:
        text = body.decode("utf-8") if as_text else None
    except UnicodeDecodeError:
        text = None
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1"},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": text if text is not None else base64.b64encode(body).decode(),
        "isBase64Encoded": text is None,
    }


class FunctionUrlServer(LoopbackServer[Handler]):
    """``handler`` (a Lambda entry point) behind a URL on loopback.

    Started before the stack is deployed, so that the stack's outputs name its URL (as
    CloudFormation's ``FunctionUrl`` attribute does); :meth:`identify` then gives it the
    deployed function's name and ARN for the invocations' context.
    """

    def __init__(self, handler: Handler, timeout_seconds: float) -> None:
        super().__init__(handler)
        self._name = "local-function"
        self._arn = f"arn:aws:lambda:us-east-1:000000000000:function:{self._name}"
        self._timeout = timeout_seconds
        self._one_at_a_time = threading.Lock()

    @property
    def function_url(self) -> str:
        """The URL as Lambda gives it: ending with ``/``."""
        return self.url + "/"

    def identify(self, function_name: str, function_arn: str) -> None:
        self._name = function_name
        self._arn = function_arn

    def _invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        context = LambdaContext(
            function_name=self._name,
            invoked_function_arn=self._arn,
            timeout_seconds=self._timeout,
        )
        with self._one_at_a_time:
            return self.model(event, context)

    def _app(self) -> web.Application:
        async def invoke(request: web.Request) -> web.StreamResponse:
            headers = {name.lower(): value for name, value in request.headers.items()}
            # Lambda adds X-Forwarded-Proto (https there); this server is plain http.
            headers.setdefault("x-forwarded-proto", "http")
            event = request_event(
                request.method, request.path, headers, await request.read(), request.query_string
            )
            try:
                answer = await asyncio.to_thread(self._invoke, event)
            except Exception:  # what Lambda answers for a function that raised
                return web.Response(status=502, text="Internal Server Error")
            body = answer.get("body", "")
            raw = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
            return web.Response(
                status=int(answer.get("statusCode", 200)),
                body=raw,
                headers=answer.get("headers", {}),
            )

        app = web.Application(client_max_size=6 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", invoke)
        return app


def function_url_server(function_id: str, template_path: Path = TEMPLATE_PATH) -> FunctionUrlServer:
    """The server of the template's ``function_id`` (its handler and timeout), not started."""
    function = load_template(template_path)["Resources"][function_id]["Properties"]
    return FunctionUrlServer(handler_at(function["Handler"]), float(function["Timeout"]))
