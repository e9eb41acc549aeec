"""The team pages' door: the team's own key, compared in constant time; anything else one 404."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zoom_notifier.inbound.function_url import HttpRequest, Refused
from zoom_notifier.inbound.team_door import TeamRequest, pages_url, team_request

KEYS = {"team-a": "A" * 32, "team-b": "B" * 32}


def get(path: str, key: str | None = None, method: str = "GET") -> HttpRequest:
    return HttpRequest(method, path, {"host": "abc.lambda-url.eu-west-1.on.aws"}, b"",
                       {} if key is None else {"k": key})  # fmt: skip


@pytest.mark.parametrize(
    ("path", "page"),
    [("/t/team-a", "page"), ("/t/team-a/join", "join"), ("/t/team-a.ics", "feed")],
)
def test_each_page_of_a_team_is_served_with_its_key(path: str, page: str) -> None:
    assert team_request(get(path, "A" * 32), KEYS) == TeamRequest("team-a", page)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "request_",
    [
        get("/t/team-a", "A" * 31 + "x"),  # wrong
        get("/t/team-a"),  # missing
        get("/t/team-a", "B" * 32),  # another team's
        get("/t/nobody", "A" * 32),  # no such team
        get("/t/../etc", "A" * 32),  # no team name at all
        get("/t/team-a.ics", ""),
    ],
)
def test_anything_but_the_team_s_own_key_is_one_and_the_same_404(request_: HttpRequest) -> None:
    with pytest.raises(Refused) as refused:
        team_request(request_, KEYS)

    assert (refused.value.status, refused.value.reason) == (
        404,
        "no such team page (or not its key)",
    )


def test_only_get_is_served() -> None:
    with pytest.raises(Refused) as refused:
        team_request(get("/t/team-a", "A" * 32, method="POST"), KEYS)

    assert refused.value.status == 405


@given(path=st.text(max_size=80), key=st.text(max_size=80))
def test_arbitrary_paths_and_keys_are_served_only_with_a_team_s_key(path: str, key: str) -> None:
    try:
        asked: TeamRequest | int = team_request(get("/t/" + path, key), KEYS)
    except Refused as refused:
        asked = refused.status
    assert asked == 404 if isinstance(asked, int) else KEYS[asked.team] == key


def test_the_pages_address_is_the_function_url_s_host() -> None:
    assert pages_url(get("/t/x")) == "https://abc.lambda-url.eu-west-1.on.aws/t/"
    forged = HttpRequest("GET", "/t/x", {"host": "evil.example/<script>"}, b"")
    assert pages_url(forged) is None
