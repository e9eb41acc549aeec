"""Models of everything that crosses a boundary: Lambda events, Zoom answers, the DynamoDB item,
the typed results returned to Step Functions, and the failure messages on the SNS topic."""

from __future__ import annotations

import json
from datetime import date, datetime, tzinfo
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from zoom_notifier.domain.validation import describe_validation_error, json_kind
from zoom_notifier.errors import InvalidExecutionInput

__all__ = [
    "DEFAULT_TEMPLATE",
    "CreateResult",
    "Delivery",
    "DispatchInput",
    "DispatchResult",
    "ExecutionDescription",
    "ExecutionInput",
    "ExecutionStatusChange",
    "FailureAlertResult",
    "FailureMessage",
    "Life",
    "MeetingKey",
    "MeetingRecord",
    "NotifyInput",
    "NotifyResult",
    "Presence",
    "SkippedResult",
    "SnsEvent",
    "ZoomMeeting",
    "ZoomMeetingList",
    "ZoomMeetingSummary",
    "parse_event",
]

DEFAULT_TEMPLATE = "default"

IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
# A local time of day, HH:MM (24 hours).
LocalTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
TemplateName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


def _real_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real calendar date") from None
    return value


# --- Lambda events -----------------------------------------------------------------------


class MeetingKey(BaseModel):
    """The DynamoDB key of one day's meeting: (date, template)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    date: IsoDate
    template: TemplateName = DEFAULT_TEMPLATE

    _real = field_validator("date")(_real_date)


class ExecutionInput(BaseModel):
    """The execution input handed to ``create_meeting``.

    ``date`` wins over ``scheduled_time``; with neither, the date is today in
    ``MEETING_TIMEZONE``. The state machine passes ``{"input": <execution input>,
    "execution_arn", "redrive_count"}``; a flat object works too (a direct invocation). Other
    fields are ignored, so the same input can carry notes for humans.
    """

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    date: IsoDate | None = None
    scheduled_time: AwareDatetime | None = None
    template: TemplateName = DEFAULT_TEMPLATE
    execution_arn: str | None = None
    redrive_count: int = Field(default=0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("input"), dict):
            wrapper = {key: value for key, value in data.items() if key != "input"}
            return {**data["input"], **wrapper}
        return data

    @field_validator("date")
    @classmethod
    def _date_is_real(cls, value: str | None) -> str | None:
        return None if value is None else _real_date(value)

    @field_validator("scheduled_time")
    @classmethod
    def _plausible_instant(cls, value: datetime | None) -> datetime | None:
        # Years 1 and 9999 cannot be moved to every time zone; no schedule needs them.
        if value is not None and not 1970 <= value.year <= 9998:
            raise ValueError("must be between the years 1970 and 9998")
        return value

    def meeting_key(self, zone: tzinfo, now: datetime) -> MeetingKey:
        """The key this input acts on: from the input when given, never from the clock."""
        if self.date is not None:
            day = self.date
        elif self.scheduled_time is not None:
            day = self.scheduled_time.astimezone(zone).date().isoformat()
        else:
            day = now.astimezone(zone).date().isoformat()
        return MeetingKey(date=day, template=self.template)


class NotifyInput(BaseModel):
    """What ``notify_meeting`` reads from ``create_meeting``'s result: only the key."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    date: IsoDate
    template: TemplateName = DEFAULT_TEMPLATE
    execution_arn: str | None = None
    redrive_count: int = Field(default=0, ge=0)

    _real = field_validator("date")(_real_date)

    @property
    def key(self) -> MeetingKey:
        return MeetingKey(date=self.date, template=self.template)


EventT = TypeVar("EventT", bound=BaseModel)


def parse_event(model: type[EventT], event: Any) -> EventT:
    """Validate a Lambda event, or raise :class:`InvalidExecutionInput` naming the problem."""
    if not isinstance(event, dict):
        raise InvalidExecutionInput(f"the event must be a JSON object, not {json_kind(event)}")
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        raise InvalidExecutionInput(
            f"invalid {model.__name__}: {describe_validation_error(exc)}"
        ) from None


# --- Zoom --------------------------------------------------------------------------------


class ZoomMeeting(BaseModel):
    """The part of Zoom's meeting object we use. ``start_url`` logs the host in: never shown."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    # Zoom meeting ids exceed 32 bits; Python ints are unbounded, DynamoDB N holds them exactly.
    id: int = Field(gt=0)
    join_url: Annotated[str, StringConstraints(pattern=r"^https://")]
    topic: str = ""
    start_time: str | None = None
    timezone: str | None = None
    password: str | None = None
    start_url: SecretStr | None = None


class ZoomMeetingSummary(BaseModel):
    """One entry of Zoom's List Meetings answer (no passcode, no start_url)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    id: int = Field(gt=0)
    topic: str = ""
    start_time: str | None = None
    created_at: str | None = None


class ZoomMeetingList(BaseModel):
    """A page of ``GET /users/{userId}/meetings``."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    meetings: list[ZoomMeetingSummary] = Field(default_factory=list)
    next_page_token: str | None = None


# --- DynamoDB item -----------------------------------------------------------------------

# "planned": a day changed by a person (moved) whose meeting is not created yet.
Status = Literal["planned", "creating", "created", "skipped", "notified"]
# What a person changed of one day (``/standup`` or the command line): a one-off day off, a
# one-off time, or a day of a pause.
Change = Literal["skip", "move", "pause"]
# A person's change of a day whose meeting exists and is announced (app mode): begun, not done.
Amend = Literal["cancel", "move"]
# What Zoom's events said of the meeting (app mode): it is live, it ended, it was deleted at
# Zoom. Absent: scheduled. Moved only forward (zoom_notifier.domain.meeting_life).
Life = Literal["live", "ended", "deleted"]


class Presence(BaseModel):
    """One participant of a meeting (kept by a hash of who they are): the latest time they
    joined and the latest time they left (Zoom's UTC form); in while joined is the later."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    joined: str | None = None
    left: str | None = None

    @property
    def present(self) -> bool:
        return self.joined is not None and (self.left is None or self.joined > self.left)


class Delivery(BaseModel):
    """Where and how a template's day is announced, recorded with its item so that
    NotifyMeeting need not read the template: its own webhook (a secret id) or app channel,
    and the reminder it asks for. Its fields are MeetingRecord's of the same names."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    slack_webhook_secret: str | None = None
    slack_channel: str | None = None
    reminder_minutes: int | None = None
    # When the day's announcement is due (epoch seconds): what its delay is measured from.
    announce_at: int | None = None
    # The template asks for the recording's link in the announcement's thread (app mode).
    recording: bool | None = None


class MeetingRecord(BaseModel):
    """One item of ``MEETINGS_TABLE``: the meeting of a (date, template), and its claims.

    ``claim_*`` guard the creation, ``notify_*`` the announcement; both are leases that expire
    at the given epoch second, so a crashed execution never blocks the day for long.
    ``attempt_started_at`` and ``notify_attempt_started_at`` mark calls whose outcome is unknown.
    """

    # Operators add attributes in the console (a note) and global tables add aws:rep:*: an
    # attribute we do not know is ignored; the types of the ones we know are checked on read.
    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    date: IsoDate
    template: TemplateName
    status: Status
    meeting_id: int | None = Field(default=None, gt=0)
    join_url: Annotated[str, StringConstraints(pattern=r"^https://")] | None = None
    topic: str | None = None
    start_time: str | None = None
    timezone: str | None = None
    password: str | None = None
    created_at: str | None = None
    notified_at: str | None = None
    execution: str | None = None
    claim_owner: str | None = None
    claim_expires_at: int | None = None
    notify_owner: str | None = None
    notify_expires_at: int | None = None
    # When a Zoom create (or Slack post) began whose outcome was never recorded: the next
    # attempt must look for its result instead of blindly repeating it.
    attempt_started_at: int | None = None
    notify_attempt_started_at: int | None = None
    # A day the template's calendar skips, whose skip post is due (announce_skipped): why.
    skip_reason: str | None = None
    # The Secrets Manager id of the template's own webhook (its slack.webhook_secret), if any.
    slack_webhook_secret: str | None = None
    # App mode: the template's own channel, if any; once posted, the message's channel and ts.
    slack_channel: str | None = None
    slack_ts: str | None = None
    # App mode: the reminder the template asks for (minutes before the start), once scheduled
    # in the announcement's thread, its scheduled message id.
    reminder_minutes: int | None = None
    reminder_id: str | None = None
    # When the announcement was due (epoch seconds), for its delay metric.
    announce_at: int | None = None
    # A person's change of this day: what, who (a Slack user id, or "cli"), why, when; a move
    # gives the new local start time (HH:MM), and ``moved_date`` (the date again) puts the
    # item in the sparse MovedMeetings index the dispatcher reads.
    change: Change | None = None
    changed_by: str | None = None
    change_reason: str | None = None
    changed_at: str | None = None
    moved_to: LocalTime | None = None
    moved_date: str | None = None
    # A change of a day whose meeting exists and is announced, asked and not finished yet:
    # "cancel" (the meeting deleted at Zoom) or "move" (to ``amend_to``, local HH:MM), by
    # ``changed_by`` at ``changed_at``. Cleared by the write that records it done.
    amending: Amend | None = None
    amend_to: LocalTime | None = None
    # Zoom's events of the meeting (app mode): its life, since when it is live and when it
    # ended (Zoom's UTC form), who was in (Presence by participant hash), the version of all
    # this (one more per change) and the version the announcement shows, when it was last
    # edited, and when the edit queued for it is due (its mark: one job per burst of events).
    life: Life | None = None
    live_since: str | None = None
    ended_at: str | None = None
    attendance: dict[str, Presence] | None = None
    life_version: int | None = None
    life_shown: int | None = None
    life_edited_at: int | None = None
    life_edit_due: int | None = None
    # The template's notifier.recording; the recording's link once Zoom says it is ready (and
    # its passcode when the link does not carry it), and the thread reply that gave it (its
    # ts, or when a post began whose outcome is unknown).
    recording: bool | None = None
    recording_url: str | None = None
    recording_passcode: str | None = None
    recording_ts: str | None = None
    recording_attempt_started_at: int | None = None
    expires_at: int

    _real = field_validator("date")(_real_date)

    @model_validator(mode="after")
    def _meeting_when_created(self) -> MeetingRecord:
        if self.status == "skipped" and self.skip_reason is None:
            raise ValueError("a 'skipped' item must have skip_reason")
        if self.status == "planned":
            if self.change != "move" or self.moved_to is None:
                raise ValueError("a 'planned' item must be a move (change 'move', moved_to)")
            return self
        day_off = self.skip_reason is not None and self.status in {"skipped", "notified"}
        if (
            self.status != "creating"
            and not day_off
            and (self.meeting_id is None or self.join_url is None)
        ):
            raise ValueError(f"a {self.status!r} item must have meeting_id and join_url")
        return self

    @property
    def key(self) -> MeetingKey:
        return MeetingKey(date=self.date, template=self.template)


# --- results returned to Step Functions --------------------------------------------------


class CreateResult(BaseModel):
    """``create_meeting`` succeeded: a new meeting, or the one already recorded."""

    model_config = ConfigDict(defer_build=True)

    outcome: Literal["created", "existing"]
    date: str
    template: str
    meeting_id: int
    join_url: str
    topic: str
    start_time: str | None


class SkippedResult(BaseModel):
    """``create_meeting`` found the date is not a meeting day for the template: nothing was
    created and nothing is announced."""

    model_config = ConfigDict(defer_build=True)

    outcome: Literal["skipped"] = "skipped"
    date: str
    template: str
    reason: str
    # The template asks for a skip post (announce_skipped): NotifyMeeting sends it, once.
    announce: bool = False


class DispatchInput(BaseModel):
    """What the schedule passes to ``dispatch``: the tick's scheduled time
    (``<aws.scheduler.scheduled-time>``) and the schedule's period; the tick covers the
    minutes up to it."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    scheduled_time: AwareDatetime
    # The schedule's period (``DispatchEveryMinutes``), carried by the schedule itself so that
    # a tick of the old schedule during a stack update is read with its own period.
    every_minutes: int | None = Field(default=None, ge=1, le=60)

    @field_validator("scheduled_time")
    @classmethod
    def _plausible(cls, value: datetime) -> datetime:
        if not 1970 <= value.year <= 9998:
            raise ValueError("must be between the years 1970 and 9998")
        return value


class DispatchResult(BaseModel):
    """What a dispatch tick did: the executions it started, those that existed already, the
    templates it could not read (each started anyway, once a day, so that it fails and is
    reported), the days it found not announced in time (reported), and how late it ran."""

    model_config = ConfigDict(defer_build=True)

    window_start: str
    window_end: str
    started: list[str]
    already_started: list[str]
    invalid_templates: list[str]
    overdue: list[str] = Field(default_factory=list)
    late_by_seconds: int


class NotifyResult(BaseModel):
    """``notify_meeting`` succeeded: posted now, or posted by an earlier run."""

    model_config = ConfigDict(defer_build=True)

    outcome: Literal["notified", "already_notified"]
    date: str
    template: str
    meeting_id: int | None  # None: the skip post of a day off


class FailureAlertResult(BaseModel):
    """``notify_failure`` posted every message of its SNS event."""

    model_config = ConfigDict(defer_build=True)

    outcome: Literal["notified"] = "notified"
    posted: int


# --- SNS ---------------------------------------------------------------------------------


class FailureMessage(BaseModel):
    """A failed execution, as the Slack report describes it (built from the execution's status
    change event; published as JSON in this shape, it is read the same way).

    ``date`` and ``template`` are null when the step failed before knowing them; ``input`` (the
    execution input) then still tells which day was meant.
    """

    model_config = ConfigDict(defer_build=True, extra="ignore")

    execution_arn: str
    state_machine: str | None = None
    state: str
    error: str
    cause: str | None = None
    date: str | None = None
    template: str | None = None
    input: dict[str, Any] | None = None
    redrive_count: int = 0
    # From DescribeExecution: whether a redrive is possible now, why not, when it started.
    redrive_status: str | None = None
    redrive_status_reason: str | None = None
    started_at: datetime | None = None
    # Read from an EventBridge status change, whose error and cause fields AWS does not
    # document: the report reads the execution itself before trusting them.
    from_event: bool = False
    # Said in the report when the execution could not be read.
    note: str | None = None

    def meeting_key(self, zone: tzinfo) -> MeetingKey | None:
        """The (date, template) that failed, from the message or else from the input."""
        if self.date is not None:
            return MeetingKey.model_construct(
                date=self.date, template=self.template or DEFAULT_TEMPLATE
            )
        try:
            request = ExecutionInput.model_validate(self.input or {})
        except ValidationError:
            return None
        if request.date is None and request.scheduled_time is None:
            return None
        return request.meeting_key(zone, datetime.now(zone))


class ExecutionDescription(BaseModel):
    """What DescribeExecution answers about an execution (docs.aws.amazon.com/step-functions/
    latest/apireference/API_DescribeExecution.html), the part the failure report reads."""

    model_config = ConfigDict(defer_build=True, extra="ignore", populate_by_name=True)

    execution_arn: str = Field(alias="executionArn")
    state_machine_arn: str | None = Field(default=None, alias="stateMachineArn")
    status: str
    start_date: datetime | None = Field(default=None, alias="startDate")
    input: str | None = None
    error: str | None = None
    cause: str | None = None
    redrive_count: int = Field(default=0, alias="redriveCount")
    redrive_status: str | None = Field(default=None, alias="redriveStatus")
    redrive_status_reason: str | None = Field(default=None, alias="redriveStatusReason")

    def execution_input(self) -> dict[str, Any]:
        """The execution's input, or ``{}`` when it is missing or unreadable."""
        return _input_object(self.input)


class ExecutionStatusDetail(BaseModel):
    """The ``detail`` of EventBridge's "Step Functions Execution Status Change" event
    (docs.aws.amazon.com/step-functions/latest/dg/cw-events.html)."""

    model_config = ConfigDict(defer_build=True, extra="ignore", populate_by_name=True)

    execution_arn: str = Field(alias="executionArn")
    state_machine_arn: str | None = Field(default=None, alias="stateMachineArn")
    status: str
    input: str | None = None
    error: str | None = None
    cause: str | None = None
    redrive_count: int = Field(default=0, alias="redriveCount")

    def execution_input(self) -> dict[str, Any]:
        """The execution's input, or ``{}`` when it is missing or unreadable."""
        return _input_object(self.input)


def _input_object(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


class ExecutionStatusChange(BaseModel):
    """An execution that ended FAILED, TIMED_OUT or ABORTED, as EventBridge publishes it."""

    model_config = ConfigDict(defer_build=True, extra="ignore", populate_by_name=True)

    detail_type: Literal["Step Functions Execution Status Change"] = Field(alias="detail-type")
    detail: ExecutionStatusDetail


class SnsMessage(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", populate_by_name=True)

    message: str = Field(alias="Message")
    subject: str | None = Field(default=None, alias="Subject")
    message_id: str | None = Field(default=None, alias="MessageId")
    topic_arn: str | None = Field(default=None, alias="TopicArn")


class SnsRecord(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    Sns: SnsMessage


class SnsEvent(BaseModel):
    """The event SNS hands to a subscribed Lambda."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    Records: list[SnsRecord] = Field(min_length=1)
