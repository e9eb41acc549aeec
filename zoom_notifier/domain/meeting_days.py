"""Which days a template's meeting happens: its weekdays, its public-holiday calendar, and the
dates listed as closed or as worked anyway (the ``notifier`` key of a template).

The ``holidays`` package (public holidays of some 170 countries) is imported only when a
template has a holiday calendar: importing it and building one country's year costs about half
a second, which a deployment without calendars never pays.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from zoom_notifier.domain.models import Delivery
from zoom_notifier.domain.validation import slack_channel_problem

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "HOLIDAY_LANGUAGE",
    "WEEKDAYS",
    "HolidayCalendar",
    "MeetingDefinition",
    "SlackDestination",
    "day_off",
]

Weekday = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
WEEKDAYS: tuple[Weekday, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
# Holiday names in English where the package has them (the reason reads "Christmas Day (FR)");
# otherwise in the country's own language.
HOLIDAY_LANGUAGE = "en_US"


def _supported() -> Mapping[str, list[str]]:
    import holidays  # noqa: PLC0415 - only templates with a holiday calendar pay for it

    supported: Mapping[str, list[str]] = holidays.list_supported_countries()
    return supported


class HolidayCalendar(BaseModel):
    """A country's public holidays (optionally one subdivision's), plus ``extra`` closed dates,
    minus the ``working`` dates (worked whatever the weekday or the holidays say)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str = Field(min_length=2, max_length=3)
    subdivision: str | None = Field(default=None, min_length=1)
    extra: tuple[date, ...] = ()
    working: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _known_place(self) -> HolidayCalendar:
        supported = _supported()
        if self.country not in supported:
            raise ValueError(
                f"country {self.country!r} has no public-holiday calendar; use an ISO 3166-1 "
                "alpha-2 code such as 'FR', 'DE' or 'US' (see `zoom-notifier calendar --help`)"
            )
        subdivisions = supported[self.country]
        if self.subdivision is not None and self.subdivision not in subdivisions:
            known = ", ".join(subdivisions[:12]) + (", ..." if len(subdivisions) > 12 else "")
            raise ValueError(
                f"subdivision {self.subdivision!r} is not one of {self.country}'s"
                + (f" ({known})" if subdivisions else " (it has none)")
            )
        return self

    @property
    def label(self) -> str:
        """``FR`` or ``FR-75``: how a reason names the calendar."""
        return self.country + (f"-{self.subdivision}" if self.subdivision else "")

    def holiday(self, day: date) -> str | None:
        """The name of the public holiday on ``day``, if it is one."""
        names = _year(self.country, self.subdivision, day.year)
        return names.get(day)


_YEARS: dict[tuple[str, str | None, int], dict[date, str]] = {}


def _year(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """One calendar year of holidays, kept for the container's life (a year does not change)."""
    key = (country, subdivision, year)
    if key not in _YEARS:
        import holidays  # noqa: PLC0415 - see the module's text

        calendar: Any = holidays.country_holidays(country, subdiv=subdivision, years=year)
        if HOLIDAY_LANGUAGE in calendar.supported_languages:
            calendar = holidays.country_holidays(
                country, subdiv=subdivision, years=year, language=HOLIDAY_LANGUAGE
            )
        _YEARS[key] = dict(calendar.items())
    return _YEARS[key]


# A Slack user id (U..., or W... in Enterprise Grid).
MANAGER_ID = r"^[UWS][A-Z0-9]{2,20}$"


class SlackDestination(BaseModel):
    """Where a template's posts go instead of the deployment's webhook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Webhook mode: the Secrets Manager id (name or ARN) of a secret holding the channel's
    # webhook URL, in the forms SLACK_WEBHOOK_SECRET accepts (a plain URL or {"url": ...}).
    webhook_secret: str | None = Field(default=None, min_length=1, max_length=2048)
    # App mode: the channel's id (C..., G...; never a direct message), where the app is a member.
    channel: str | None = None
    # App mode: who may change the schedule from Slack (/standup skip, move, pause): Slack user
    # ids (U..., W...) and user-group ids (S..., read with usergroups:read). Absent: anyone in
    # the channel.
    managers: tuple[Annotated[str, StringConstraints(pattern=MANAGER_ID)], ...] | None = Field(
        default=None, min_length=1, max_length=100
    )

    @field_validator("channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value is not None and (problem := slack_channel_problem(value)) is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _one_destination(self) -> SlackDestination:
        both = self.webhook_secret is not None and self.channel is not None
        # Managers alone: the deployment's own channel, with its managers named.
        neither = self.webhook_secret is None and self.channel is None and self.managers is None
        if both or neither:
            raise ValueError("give either webhook_secret (webhook mode) or channel (app mode)")
        return self


class MeetingDefinition(BaseModel):
    """A template's ``notifier`` key: when and for whom the meeting happens. Never sent to Zoom."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: tuple[Weekday, ...] | None = Field(default=None, min_length=1)
    holidays: HolidayCalendar | None = None
    zoom_user_id: str | None = Field(default=None, min_length=1, max_length=128)
    # When the day's execution starts (and so the announcement goes out): this long before
    # the meeting's start_time, in its own time zone. Default: 15 minutes.
    announce_minutes_before: int | None = Field(default=None, ge=0, le=720)
    slack: SlackDestination | None = None
    # Post "No <topic> today: <reason>" on a day off (once, like an announcement).
    announce_skipped: bool = False
    # A reminder this long before the start, in the announcement's thread: Slack app mode only
    # (an Incoming Webhook cannot reply in a thread; with one, it is ignored).
    reminder_minutes: int | None = Field(default=None, ge=1, le=1440)
    # Stop the team's meetings for a while (a holiday fortnight, a re-org) without deleting the
    # template: through this date (inclusive), or until the key is removed (true).
    paused_until: date | Literal[True] | None = None
    # Post the cloud recording's link in the announcement's thread once Zoom says it is ready
    # (Slack app mode and Zoom's event notifications; the account needs cloud recording).
    recording: bool = False

    def delivery(self) -> Delivery:
        """What the item records of this definition for NotifyMeeting."""
        return Delivery(
            slack_webhook_secret=self.slack.webhook_secret if self.slack else None,
            slack_channel=self.slack.channel if self.slack else None,
            reminder_minutes=self.reminder_minutes,
            recording=self.recording or None,
        )

    @field_validator("paused_until", mode="before")
    @classmethod
    def _pause(cls, value: object) -> object:
        # One message for the two forms, instead of one per member of the union.
        if value is None or value is True:
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError("must be a date (YYYY-MM-DD) or true")

    @field_validator("days")
    @classmethod
    def _distinct(cls, value: tuple[Weekday, ...] | None) -> tuple[Weekday, ...] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("lists a weekday twice")
        return value


def day_off(definition: MeetingDefinition | None, day: date) -> str | None:  # noqa: PLR0911
    """Why ``day`` is not a meeting day for ``definition``, or None if it is one.

    A paused team (``paused_until``: true, or a date not yet passed) has none; a date in
    ``holidays.working`` is always a meeting day; otherwise a weekday not in ``days``
    (``"not a meeting day (SAT)"``), a date in ``holidays.extra`` (``"closed (FR)"``) and a
    public holiday (``"Christmas Day (FR)"``) are not.
    """
    if definition is None:
        return None
    paused = definition.paused_until
    if paused is True:
        return "paused (notifier.paused_until)"
    if paused is not None and day <= paused:
        return f"paused until {paused.isoformat()}"
    calendar = definition.holidays
    if calendar is not None and day in calendar.working:
        return None
    weekday = WEEKDAYS[day.weekday()]
    if definition.days is not None and weekday not in definition.days:
        return f"not a meeting day ({weekday})"
    if calendar is None:
        return None
    if day in calendar.extra:
        return f"closed ({calendar.label})"
    name = calendar.holiday(day)
    return None if name is None else f"{name} ({calendar.label})"
