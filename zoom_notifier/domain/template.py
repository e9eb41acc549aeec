"""The meeting template: the body of Zoom's Create Meeting request, with two extensions.

* ``start_time`` may be a local time of day (``"09:30"`` or ``"09:30:00"``); it becomes
  ``YYYY-MM-DDTHH:MM:SS`` on the meeting date, in the template's ``timezone`` (default
  ``MEETING_TIMEZONE``). A full Zoom timestamp passes through unchanged.
* ``{date}`` in ``topic`` and ``agenda`` is replaced by the meeting date (``YYYY-MM-DD``).

One top-level key is ours and never sent to Zoom: ``notifier``, the meeting's days, holidays
and host (:mod:`zoom_notifier.domain.meeting_days`).

Unknown Zoom fields pass through untouched, so new Zoom options need no code change.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from zoom_notifier.domain.meeting_days import MeetingDefinition
from zoom_notifier.domain.validation import describe_validation_error, json_kind
from zoom_notifier.domain.zoom_time import is_iana_zone
from zoom_notifier.errors import InvalidMeetingTemplate
from zoom_notifier.runtime.logs import register_invocation_secret

__all__ = [
    "CREATE_MEETING_FIELDS",
    "MAX_TEMPLATE_BYTES",
    "MeetingTemplate",
    "TemplateListing",
    "TemplateRead",
    "day_off_topic",
    "parse_template",
    "template_warnings",
]

MAX_TEMPLATE_BYTES = 64 * 1024


@dataclass(frozen=True)
class TemplateListing:
    """A bucket's templates by name, and the keys in their place that name none (a space, a
    sub-folder): those are never started, so they are reported. ``versions`` holds what the
    listing says of each template's content (S3's ETag): the same version is the same
    content, so a template read before need not be read again."""

    names: list[str]
    strays: list[str]
    versions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateRead:
    """A template as read at ``version``: valid (``template``), or invalid (``error``, which
    its content alone decides, so it stays true until the content changes)."""

    version: str
    template: MeetingTemplate | None = None
    error: InvalidMeetingTemplate | None = None

    @property
    def outcome(self) -> MeetingTemplate | InvalidMeetingTemplate:
        if self.template is not None:
            return self.template
        assert self.error is not None  # noqa: S101 - one of the two is always given
        return self.error


DATE_PLACEHOLDER = "{date}"


def day_off_topic(topic: str) -> str:
    """The topic a day off's post names: "Daily stand-up {date}" reads "No Daily stand-up
    today", as the post goes out that day."""
    return topic.replace(DATE_PLACEHOLDER, "").strip(" -:") or topic


_TIME_OF_DAY = re.compile(r"^(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?$")
# Zoom accepts "yyyy-MM-ddTHH:mm:ssZ" (UTC) or "yyyy-MM-ddTHH:mm:ss" (in `timezone`).
_ZOOM_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?$")
INSTANT_MEETING, SCHEDULED_MEETING = 1, 2
# Zoom's documented passcode alphabet.
_PASSCODE_PATTERN = r"^[A-Za-z0-9@*_-]+$"


class MeetingTemplate(BaseModel):
    """Zoom's Create Meeting body, as validated before anything is sent."""

    model_config = ConfigDict(extra="allow", frozen=True)

    topic: str = Field(min_length=1, max_length=200)
    # 1 instant, 2 scheduled, 3 recurring without fixed time, 8 recurring, 10 screen share only.
    type: Literal[1, 2, 3, 8, 10] = 2
    start_time: str | None = None
    duration: int | None = Field(default=None, gt=0)
    timezone: str | None = None
    password: str | None = Field(
        default=None, min_length=1, max_length=10, pattern=_PASSCODE_PATTERN
    )
    agenda: str | None = Field(default=None, max_length=2000)
    settings: dict[str, Any] | None = None
    # Ours, not Zoom's: when and for whom the meeting happens (never sent to Zoom).
    notifier: MeetingDefinition | None = Field(default=None, exclude=True)

    @field_validator("start_time")
    @classmethod
    def _start_time_format(cls, value: str | None) -> str | None:
        if value is None or _TIME_OF_DAY.match(value):
            return value
        if _ZOOM_TIMESTAMP.match(value):
            try:
                datetime.fromisoformat(value.removesuffix("Z"))
            except ValueError:
                raise ValueError(f"{value!r} is not a real date and time") from None
            return value
        raise ValueError(
            'must be a time of day ("09:30" or "09:30:00") or a Zoom timestamp '
            '("2026-01-31T09:30:00" or "2026-01-31T09:30:00Z")'
        )

    @model_validator(mode="after")
    def _adoptable(self) -> MeetingTemplate:
        # An interrupted create is resolved by finding its meeting in List Meetings, which
        # never returns instant meetings (developers.zoom.us/docs/api/meetings/#tag/meetings/
        # GET/users/{userId}/meetings); Zoom makes a scheduled meeting without start_time an
        # instant one. Such a meeting could be created twice, so it is refused up front.
        if self.type == INSTANT_MEETING:
            raise ValueError(
                "type 1 (instant) meetings are not supported: after an interrupted create "
                "they cannot be found again, so a retry could make a second one; use type 2 "
                "with a start_time"
            )
        if self.type == SCHEDULED_MEETING and self.start_time is None:
            raise ValueError(
                "a scheduled meeting (type 2) needs a start_time: without one Zoom creates an "
                "instant meeting, which cannot be found again after an interrupted create"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not is_iana_zone(value):
            raise ValueError(f"{value!r} is not an IANA time zone")
        return value

    def resolve(self, meeting_date: date, default_timezone: str) -> MeetingTemplate:
        """The template made concrete for ``meeting_date``: the request Zoom will receive."""
        day = meeting_date.isoformat()
        timezone = self.timezone or default_timezone
        changes: dict[str, Any] = {"timezone": timezone, "notifier": self.notifier}
        if self.start_time is not None and (match := _TIME_OF_DAY.match(self.start_time)):
            second = match["second"] or "00"
            changes["start_time"] = f"{day}T{match['hour']}:{match['minute']}:{second}"
        for text_field in ("topic", "agenda"):
            text = getattr(self, text_field)
            if text is not None and DATE_PLACEHOLDER in text:
                changes[text_field] = text.replace(DATE_PLACEHOLDER, day)
        resolved = self.model_dump(exclude_none=True) | changes
        # Validate again: "{date}" grows the text, which may now break a length rule.
        return _validate(resolved, f"resolved for {day}: ")

    def request_body(self) -> dict[str, Any]:
        """The JSON body for ``POST /users/{userId}/meetings``."""
        return self.model_dump(mode="json", exclude_none=True)


def _validate(data: Any, prefix: str = "") -> MeetingTemplate:
    try:
        return MeetingTemplate.model_validate(data)
    except ValidationError as exc:
        raise InvalidMeetingTemplate(
            f"meeting template {prefix}{describe_validation_error(exc)}"
        ) from None


def parse_template(raw: bytes, source: str) -> MeetingTemplate:
    """Parse and validate a template's bytes; ``source`` names it in error messages."""
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise InvalidMeetingTemplate(
            f"meeting template {source} is {len(raw)} bytes; the limit is {MAX_TEMPLATE_BYTES}"
        )
    try:
        # utf-8-sig: an editor's byte-order mark is not part of the JSON.
        data = json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise InvalidMeetingTemplate(
            f"meeting template {source} is nested too deeply to be a meeting template"
        ) from None
    except UnicodeDecodeError as exc:
        raise InvalidMeetingTemplate(
            f"meeting template {source} is not UTF-8 text (byte {exc.start})"
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidMeetingTemplate(
            f"meeting template {source} is not valid JSON: {exc.msg} "
            f"at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise InvalidMeetingTemplate(
            f"meeting template {source} must be a JSON object, not {json_kind(data)}"
        )
    template = _validate(data, f"{source}: ")
    # The passcode belongs in the announcement only: never in a log line or error text.
    register_invocation_secret(template.password)
    return template


# The fields of Zoom's Create Meeting request body (developers.zoom.us/docs/api/meetings/
# #tag/meetings/POST/users/{userId}/meetings). Zoom ignores a field it does not know, so a
# typo (`durration`) would go unnoticed: validate-template warns about it.
CREATE_MEETING_FIELDS = frozenset(
    {
        "agenda",
        "default_password",
        "duration",
        "password",
        "pre_schedule",
        "recurrence",
        "schedule_for",
        "settings",
        "start_time",
        "template_id",
        "timezone",
        "topic",
        "tracking_fields",
        "type",
    }
)


def template_warnings(raw: bytes) -> list[str]:
    """What is valid but probably wrong in a template: keys Zoom's Create Meeting request does
    not have, and keys given twice (JSON keeps only the last). Call after :func:`parse_template`."""
    warnings: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                warnings.append(f"key {key!r} appears twice; only its last value is used")
            seen.add(key)
        return dict(items)

    data = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=pairs)
    notifier = data.get("notifier") if isinstance(data, dict) else None
    if isinstance(notifier, dict) and notifier.get("reminder_minutes") is not None:
        warnings.append(
            "notifier.reminder_minutes needs Slack app mode (SLACK_BOT_TOKEN_SECRET): a "
            "reminder is a reply in the announcement's thread, which a webhook cannot make"
        )
    if isinstance(notifier, dict) and notifier.get("recording") is True:
        warnings.append(
            "notifier.recording needs Slack app mode and the Zoom app's event subscription "
            "(recording.completed, README 'The announcement follows the meeting'): without "
            "them no recording link is posted"
        )
    unknown = (
        sorted(set(data) - CREATE_MEETING_FIELDS - {"notifier"}) if isinstance(data, dict) else []
    )
    warnings.extend(
        f"field {key!r} is not in Zoom's Create Meeting request; Zoom ignores it"
        + (f" (did you mean {close[0]!r}?)" if (close := _close(key)) else "")
        for key in unknown
    )
    return warnings


def _close(key: str) -> list[str]:
    import difflib  # noqa: PLC0415 - only validate-template asks

    return difflib.get_close_matches(key, sorted(CREATE_MEETING_FIELDS), n=1)
