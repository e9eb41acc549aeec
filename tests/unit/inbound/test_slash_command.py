"""A slash command's form, read strictly (after its signature was checked)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from zoom_notifier.inbound.function_url import Refused
from zoom_notifier.inbound.slash_command import FORM_CONTENT_TYPE, read_slash_command

FIELDS = {
    "token": "ignored",
    "team_id": "T0FAKE001",
    "channel_id": "C0FAKE00001",
    "user_id": "U0FAKE001",
    "command": "/standup",
    "text": "next 3",
    "response_url": "https://hooks.slack.com/commands/T0FAKE001/1/fake",
    "trigger_id": "1.2.3",
}


def form(**changes: str | None) -> bytes:
    fields = {name: value for name, value in (FIELDS | changes).items() if value is not None}
    return urlencode(fields).encode()


def test_the_command_is_read_from_slacks_form() -> None:
    command = read_slash_command(FORM_CONTENT_TYPE, form())

    assert (command.channel_id, command.user_id, command.command, command.text) == (
        "C0FAKE00001",
        "U0FAKE001",
        "/standup",
        "next 3",
    )


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/json", form(), 415),
        ("", form(), 415),
        (FORM_CONTENT_TYPE, b"team_id", 400),
        (FORM_CONTENT_TYPE, b"a=%ff", 400),
        (FORM_CONTENT_TYPE, form() + b"&channel_id=C0OTHER0001", 400),
        (FORM_CONTENT_TYPE, b"&".join([b"x=1"] * 100), 400),
        (FORM_CONTENT_TYPE, form(channel_id=None), 400),
        (FORM_CONTENT_TYPE, form(channel_id="general"), 400),
        (FORM_CONTENT_TYPE, form(response_url="https://evil.example/commands/1"), 400),
        (FORM_CONTENT_TYPE, form(response_url="http://hooks.slack.com/commands/1"), 400),
        (FORM_CONTENT_TYPE, form(text="x" * 5000), 400),
    ],
    ids=[
        "json",
        "no-content-type",
        "field-without-value",
        "not-utf8",
        "repeated-field",
        "too-many-fields",
        "no-channel",
        "channel-name-not-id",
        "response-url-elsewhere",
        "response-url-plain-http",
        "text-too-long",
    ],
)
def test_a_form_that_is_not_a_slash_commands_is_refused(
    content_type: str, body: bytes, status: int
) -> None:
    with pytest.raises(Refused) as refused:
        read_slash_command(content_type, body)

    assert refused.value.status == status
