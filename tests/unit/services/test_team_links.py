"""The teams' keys: random, read from one secret, never echoed in an error."""

from __future__ import annotations

import json

import pytest

from zoom_notifier.errors import ConfigurationError
from zoom_notifier.services.team_links import KEY_PATTERN, new_key, parse_team_keys, team_address


def test_a_new_key_is_random_and_long() -> None:
    keys = {new_key() for _ in range(100)}

    assert len(keys) == 100
    assert all(KEY_PATTERN.fullmatch(key) and len(key) == 32 for key in keys)


def test_the_stack_s_placeholder_means_no_team_has_a_page_yet() -> None:
    assert (
        parse_team_keys("REPLACE_ME (zoom-notifier team-link TEAM issues a team's key)", "s") == {}
    )


@pytest.mark.parametrize("raw", ["not json", "[]", '{"team": 3}', '{"team": "short"}'])
def test_a_secret_edited_by_hand_names_the_setting_never_its_content(raw: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        parse_team_keys(raw, "secret TEAM_LINK_SECRET='x'")

    assert "TEAM_LINK_SECRET" in str(refused.value)
    assert "short" not in str(refused.value)


def test_an_address_carries_the_team_and_its_key_escaped() -> None:
    key = new_key()
    assert parse_team_keys(json.dumps({"a.b": key}), "s") == {"a.b": key}
    assert team_address("https://h/t/", "a.b", key, ".ics") == f"https://h/t/a.b.ics?k={key}"
