"""A Lambda Function URL's request and response (payload format 2.0, as an HTTP API's are).

docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html ("Request and response payloads"):
the headers arrive lower-cased, several values of one header joined by commas; ``body`` is a
string, base64-encoded when ``isBase64Encoded`` is true (Lambda encodes what it does not take
for text). The response is ``statusCode``, ``headers`` and ``body``.

A request is read into :class:`HttpRequest` without trusting any of it: whatever the event
holds, the result is a request or :class:`Refused` with the status to answer, never another
exception.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["MAX_BODY_BYTES", "HttpRequest", "HttpResponse", "Refused", "read_request"]

# A slash command's form is a few hundred bytes (its text is what the user typed on one line);
# Zoom's event notifications are a few kilobytes. Anything larger is refused unread.
MAX_BODY_BYTES = 16 * 1024
# Lambda itself refuses requests over 6 MB; this bounds what a flood makes us decode.
_MAX_EVENT_BODY_CHARACTERS = (MAX_BODY_BYTES * 4) // 3 + 4
# A team page's key and little more.
_MAX_QUERY_CHARACTERS = 1024


class Refused(Exception):
    """The request is answered with ``status`` and nothing said about why (the reason is
    for the log line, which never holds the body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class HttpRequest:
    """What the Function URL received: its method, path, headers (lower-cased) and body bytes."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    # The query string's parameters (the first value of each name), as sent.
    query: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def content_type(self) -> str:
        """The media type alone, lower-cased (``application/x-www-form-urlencoded``)."""
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class HttpResponse:
    """What the function answers."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: dict[str, Any], status: int = 200) -> HttpResponse:
        return cls(status, json.dumps(payload), {"content-type": "application/json"})

    @classmethod
    def text(
        cls, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> HttpResponse:
        """A ``200`` with ``body`` of ``content_type`` and ``headers``."""
        return cls(200, body, {"content-type": content_type, **(headers or {})})

    @classmethod
    def bare(cls, status: int) -> HttpResponse:
        """A refusal: the status and nothing else."""
        return cls(status)

    def to_event(self) -> dict[str, Any]:
        """The Function URL's response object."""
        headers = {"cache-control": "no-store", **self.headers}  # unless the answer says
        if not self.body:
            headers.setdefault("content-type", "text/plain")
        return {
            "statusCode": self.status,
            "headers": headers,
            "body": self.body,
            "isBase64Encoded": False,
        }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def read_request(event: object) -> HttpRequest:
    """The request of a Function URL ``event``, or :class:`Refused`."""
    if not isinstance(event, dict) or event.get("version") != "2.0":
        raise Refused(400, "not a Function URL event (payload format 2.0)")
    context = event.get("requestContext")
    http = context.get("http") if isinstance(context, dict) else None
    method = _text(http.get("method")) if isinstance(http, dict) else None
    path = _text(event.get("rawPath"))
    if method is None or path is None:
        raise Refused(400, "the event has no method or path")
    raw_headers = event.get("headers") or {}
    if not isinstance(raw_headers, dict) or not all(
        isinstance(name, str) and isinstance(value, str) for name, value in raw_headers.items()
    ):
        raise Refused(400, "the event's headers are not text")
    headers = {name.lower(): value for name, value in raw_headers.items()}
    return HttpRequest(method.upper(), path, headers, _body(event), _query(event))


def _query(event: dict[str, Any]) -> dict[str, str]:
    raw = event.get("rawQueryString") or ""
    if not isinstance(raw, str) or len(raw) > _MAX_QUERY_CHARACTERS:
        raise Refused(400, "the query string is not text or is over the limit")
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        query.setdefault(name, value)
    return query


def _body(event: dict[str, Any]) -> bytes:
    body = event.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise Refused(400, "the event's body is not text")
    if len(body) > _MAX_EVENT_BODY_CHARACTERS:
        raise Refused(413, "the body is over the limit")
    if event.get("isBase64Encoded") is True:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise Refused(400, "the body is not valid base64") from None
    else:
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            raise Refused(400, "the body is not valid text") from None
    if len(raw) > MAX_BODY_BYTES:
        raise Refused(413, "the body is over the limit")
    return raw
