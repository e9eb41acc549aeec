"""The Zoom and Slack models mounted into aioresponses: the real clients, no sockets.

Served this way a model's network faults can be exact and instant (a timeout raises at once
instead of after the client's deadline), which the fault matrix needs; the demo serves the same
models over loopback (:mod:`zoom_notifier.local.loopback`).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import aiohttp
from aiohttp.client_reqrep import ConnectionKey
from aioresponses import CallbackResult, aioresponses
from yarl import URL

from zoom_notifier.local.faults import NetworkFault, Outcome
from zoom_notifier.local.slack_api_model import METHODS, SlackApiModel
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.zoom_model import ZoomModel

__all__ = ["mount_slack", "mount_slack_api", "mount_zoom"]


def _result(url: URL, outcome: Outcome) -> CallbackResult:
    """What aiohttp gives the client; its exceptions name the URL, as aiohttp's own do."""
    if isinstance(outcome, NetworkFault):
        if outcome.kind == "refused":
            key = ConnectionKey(url.host or "", url.port or 443, True, True, None, None, None)
            raise aiohttp.ClientConnectorError(key, OSError(111, "Connection refused"))
        if outcome.kind == "connect_timeout":
            raise aiohttp.ConnectionTimeoutError(f"Connection timeout to host {url}")
        if outcome.kind == "timeout":
            raise TimeoutError
        raise aiohttp.ServerDisconnectedError(f"Server disconnected: {url}")
    body = outcome.body
    if isinstance(body, dict | list):
        body = json.dumps(body)
        headers = {"Content-Type": "application/json", **outcome.headers}
    else:
        headers = dict(outcome.headers)
    return CallbackResult(status=outcome.status, body=body, headers=headers)


def _body(kwargs: dict[str, Any]) -> bytes:
    if kwargs.get("json") is not None:
        return json.dumps(kwargs["json"]).encode()
    data = kwargs.get("data")
    return data.encode() if isinstance(data, str) else bytes(data or b"")


def _authorization(kwargs: dict[str, Any]) -> str | None:
    auth = kwargs.get("auth")
    if isinstance(auth, aiohttp.BasicAuth):
        return auth.encode()
    headers = kwargs.get("headers") or {}
    value = headers.get("Authorization")
    return str(value) if value is not None else None


def mount_zoom(model: ZoomModel, http: aioresponses, *, api_url: str, oauth_url: str) -> None:
    """Answer every request to ``oauth_url`` and ``api_url`` from ``model``."""
    api = re.escape(api_url.rstrip("/"))
    users = re.compile(rf"^{api}/users/([^/?]+)/meetings(\?.*)?$")

    def token(url: URL, **kwargs: Any) -> CallbackResult:
        return _result(url, model.answer_token(url.query, _authorization(kwargs)))

    def create(url: URL, **kwargs: Any) -> CallbackResult:
        user = unquote(users.match(str(url))[1])  # type: ignore[index]
        return _result(url, model.answer_create(user, _body(kwargs), _authorization(kwargs)))

    def listing(url: URL, **kwargs: Any) -> CallbackResult:
        user = unquote(users.match(str(url))[1])  # type: ignore[index]
        return _result(url, model.answer_list(user, url.query, _authorization(kwargs)))

    def lookup(url: URL, **kwargs: Any) -> CallbackResult:
        return _result(url, model.answer_get(url.name, _authorization(kwargs)))

    def removal(url: URL, **kwargs: Any) -> CallbackResult:
        return _result(url, model.answer_delete(url.name, _authorization(kwargs)))

    def update(url: URL, **kwargs: Any) -> CallbackResult:
        return _result(url, model.answer_patch(url.name, _body(kwargs), _authorization(kwargs)))

    meeting = re.compile(rf"^{api}/meetings/[^/?]+(\?.*)?$")
    http.delete(meeting, callback=removal, repeat=True)
    http.patch(meeting, callback=update, repeat=True)
    http.post(re.compile(rf"^{re.escape(oauth_url)}(\?.*)?$"), callback=token, repeat=True)
    http.post(users, callback=create, repeat=True)
    http.get(users, callback=listing, repeat=True)
    http.get(re.compile(rf"^{api}/meetings/[^/?]+$"), callback=lookup, repeat=True)


def mount_slack(model: SlackModel, http: aioresponses, *, base_url: str) -> None:
    """Answer every post to ``base_url + model.path`` from ``model``."""

    def post(url: URL, **kwargs: Any) -> CallbackResult:
        return _result(url, model.answer_post(_body(kwargs)))

    http.post(base_url + model.path, callback=post, repeat=True)


def _arguments(url: URL, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A Web API call's arguments, however slack_sdk sent them (query, form or JSON)."""
    arguments: dict[str, Any] = dict(url.query)
    arguments.update(kwargs.get("params") or {})
    if kwargs.get("json") is not None:
        arguments.update(kwargs["json"])
    data = kwargs.get("data")
    if isinstance(data, dict):
        arguments.update(data)
    elif isinstance(data, aiohttp.FormData):
        arguments.update({field[0]["name"]: field[2] for field in data._fields})
    return arguments


def mount_slack_api(model: SlackApiModel, http: aioresponses, *, base_url: str) -> None:
    """Answer every Web API method of :data:`~zoom_notifier.local.slack_api_model.METHODS`
    under ``base_url`` (``https://slack.com/api/``) from ``model``."""

    def method_callback(method: str) -> Any:
        def answer(url: URL, **kwargs: Any) -> CallbackResult:
            outcome = model.answer(method, _arguments(url, kwargs), _authorization(kwargs))
            return _result(url, outcome)

        return answer

    for method in METHODS:
        pattern = re.compile(rf"^{re.escape(base_url.rstrip('/'))}/{re.escape(method)}(\?.*)?$")
        for verb in (http.get, http.post):
            verb(pattern, callback=method_callback(method), repeat=True)

    def response(url: URL, **kwargs: Any) -> CallbackResult:
        return _result(url, model.answer_response(str(url), kwargs.get("json") or {}))

    # Commands' response_urls (issued with SlackApiModel.issue_response_url).
    responses = re.compile(r"^https://hooks\.slack\.com/commands/.*$")
    http.post(responses, callback=response, repeat=True)
