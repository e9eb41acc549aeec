"""A Function URL's event read without trusting it: a request, or a refusal with its status."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zoom_notifier.inbound.function_url import (
    MAX_BODY_BYTES,
    HttpResponse,
    Refused,
    read_request,
)


def event(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "version": "2.0",
        "rawPath": "/slack/commands",
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "requestContext": {"http": {"method": "post"}},
        "body": "a=1",
        "isBase64Encoded": False,
    }
    return base | changes


def test_a_request_is_its_method_path_lower_cased_headers_and_body_bytes() -> None:
    request = read_request(event())

    assert (request.method, request.path, request.body) == ("POST", "/slack/commands", b"a=1")
    assert request.header("CONTENT-TYPE") == "application/x-www-form-urlencoded"
    assert request.content_type == "application/x-www-form-urlencoded"


def test_a_base64_body_is_decoded_and_a_missing_one_is_empty() -> None:
    encoded = base64.b64encode(b"\xff\x00binary").decode()

    assert read_request(event(body=encoded, isBase64Encoded=True)).body == b"\xff\x00binary"
    assert read_request(event(body=None)).body == b""


@pytest.mark.parametrize(
    ("the_event", "status"),
    [
        ("not a dict", 400),
        (event(version="1.0"), 400),
        (event(requestContext={}), 400),
        (event(rawPath=None), 400),
        (event(headers={"x": 1}), 400),
        (event(body=12), 400),
        (event(body="not base64!", isBase64Encoded=True), 400),
        (event(body="\ud800"), 400),
        (event(body="a" * (MAX_BODY_BYTES + 1)), 413),
        (
            event(
                body=base64.b64encode(b"a" * (MAX_BODY_BYTES + 1)).decode(), isBase64Encoded=True
            ),
            413,
        ),
        (event(body="a" * 10_000_000), 413),
    ],
    ids=[
        "not-an-object",
        "payload-1.0",
        "no-method",
        "no-path",
        "header-not-text",
        "body-not-text",
        "bad-base64",
        "lone-surrogate",
        "over-the-limit",
        "over-the-limit-in-base64",
        "a-flood",
    ],
)
def test_an_event_that_is_not_a_readable_request_is_refused_with_its_status(
    the_event: object, status: int
) -> None:
    with pytest.raises(Refused) as refused:
        read_request(the_event)

    assert refused.value.status == status


@given(
    st.recursive(
        st.none() | st.booleans() | st.text() | st.integers(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    )
)
def test_any_event_is_a_request_or_a_refusal(anything: object) -> None:
    try:
        read_request(anything)
    except Refused as refused:
        status = refused.status
    else:
        status = 200
    assert status == 200 or 400 <= status < 500


def test_a_refusal_says_nothing_but_its_status() -> None:
    answer = HttpResponse.bare(401).to_event()

    assert answer == {
        "statusCode": 401,
        "headers": {"cache-control": "no-store", "content-type": "text/plain"},
        "body": "",
        "isBase64Encoded": False,
    }
