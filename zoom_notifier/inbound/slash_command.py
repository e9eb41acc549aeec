"""A Slack slash command's request: its form, read strictly.

docs.slack.dev/interactivity/implementing-slash-commands ("Preparing your app to receive
commands"): Slack POSTs ``application/x-www-form-urlencoded`` with ``team_id``,
``channel_id``, ``user_id``, ``command``, ``text``, ``response_url`` (a URL on
hooks.slack.com that takes up to five answers within thirty minutes), ``trigger_id``,
``api_app_id`` and more. Only a signed body is read here (:mod:`.request_signature` first).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zoom_notifier.inbound.function_url import Refused

__all__ = ["FORM_CONTENT_TYPE", "SlashCommand", "read_slash_command"]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# A command's form has about fifteen fields; a form of hundreds is not Slack's.
_MAX_FIELDS = 40
_SLACK_ID = r"^[A-Z0-9][A-Z0-9._-]{1,31}$"
_RESPONSE_HOST = "hooks.slack.com"


class SlashCommand(BaseModel):
    """The fields of a command that the service uses (the others are ignored)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    team_id: str = Field(pattern=_SLACK_ID)
    channel_id: str = Field(pattern=_SLACK_ID)
    user_id: str = Field(pattern=_SLACK_ID)
    command: str = Field(pattern=r"^/[^\s/]{1,32}$")
    text: str = Field(default="", max_length=4000)
    # A credential for thirty minutes (anyone holding it may post in the channel): never
    # logged, and kept out of every answer.
    response_url: str = Field(max_length=2048)

    @field_validator("response_url")
    @classmethod
    def _slack_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname == _RESPONSE_HOST:
            return value
        # The local stand-in of Slack answers on loopback (checked again where it is used).
        if parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost"}:
            return value
        raise ValueError(f"must be an https://{_RESPONSE_HOST}/ URL")


def read_slash_command(content_type: str, body: bytes) -> SlashCommand:
    """The command of a signed request's body, or :class:`Refused` (400/415)."""
    if content_type != FORM_CONTENT_TYPE:
        raise Refused(415, "a slash command is a form (application/x-www-form-urlencoded)")
    try:
        fields = parse_qs(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=True,
            max_num_fields=_MAX_FIELDS,
        )
    except ValueError:  # UnicodeDecodeError is one; so are a bad field and too many fields
        raise Refused(400, "the form is malformed") from None
    if any(len(values) != 1 for values in fields.values()):
        raise Refused(400, "a form field is repeated")
    try:
        return SlashCommand.model_validate({name: values[0] for name, values in fields.items()})
    except ValidationError as exc:
        names = sorted({str(error["loc"][0]) for error in exc.errors() if error["loc"]})
        raise Refused(
            400, f"the form's fields are not a slash command's ({', '.join(names)})"
        ) from None
