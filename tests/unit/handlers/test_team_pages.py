"""Each team's page through the inbound function's entry point: the key first, then the page;
arbitrary paths, queries and methods are a bare 404/405 (or 400), never a 500, never a page
without the team's own key."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import fakes
from zoom_notifier.handlers import inbound
from zoom_notifier.local.function_url import request_event
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.runtime.container import reset_container

KEY = "FAKEteamKEY0000000000000000000000"
HOST = {"host": "abc.lambda-url.eu-west-1.on.aws", "x-forwarded-proto": "https"}


@pytest.fixture
def app_stack(app_stack: LocalStack) -> LocalStack:
    """The app-mode stack (conftest), with the default team's key issued."""
    stack = app_stack
    stack.client("secretsmanager").put_secret_value(
        SecretId=stack.physical_ids["TeamLinkSecret"], SecretString=json.dumps({"default": KEY})
    )
    reset_container()
    return stack


def get(path: str, query: str = "", method: str = "GET") -> dict[str, Any]:
    answer: dict[str, Any] = inbound.handler(
        request_event(method, path, dict(HOST), b"", query), fakes.FakeContext()
    )
    return answer


@pytest.mark.usefixtures("app_stack")
def test_the_team_s_key_serves_its_page_feed_and_join() -> None:
    page, feed, join = (
        get("/t/default", f"k={KEY}"),
        get("/t/default.ics", f"k={KEY}"),
        get("/t/default/join", f"k={KEY}"),
    )

    assert page["statusCode"] == 200
    assert page["headers"]["content-type"] == "text/html; charset=utf-8"
    assert f"https://abc.lambda-url.eu-west-1.on.aws/t/default.ics?k={KEY}" in page["body"]
    assert feed["statusCode"] == 200
    assert feed["body"].startswith("BEGIN:VCALENDAR")
    assert join["statusCode"] == 200  # no meeting yet: the page, not a redirect


@pytest.mark.usefixtures("app_stack")
def test_the_key_is_never_logged(capsys: pytest.CaptureFixture[str]) -> None:
    get("/t/default", f"k={KEY}")
    get("/t/default", "k=FAKEwrongKEY000000000000000000000")

    logged = capsys.readouterr().out
    assert KEY not in logged
    assert "FAKEwrongKEY" not in logged


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.text(max_size=60),
    query=st.text(max_size=80),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE"]),
)
def test_arbitrary_requests_are_refused_bare_never_a_500_nor_a_page_without_the_key(
    app_stack: LocalStack, path: str, query: str, method: str
) -> None:
    answer = get("/t/" + path, query, method)

    assert answer["statusCode"] in {200, 302, 400, 404, 405}
    if answer["statusCode"] in {200, 302}:
        given_keys = [
            value for name, value in parse_qsl(query, keep_blank_values=True) if name == "k"
        ]
        assert given_keys[0] == KEY  # the first k= is the one read
    else:
        assert answer["body"] == ""
