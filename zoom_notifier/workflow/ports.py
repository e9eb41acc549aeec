"""What the workflow needs from the world, as small Protocols, and what claiming returns.

:mod:`zoom_notifier.workflow` is written against these, so that the handlers can give it the
real clients (S3, DynamoDB, Zoom, Slack) and tests can give it in-memory ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from zoom_notifier.domain.meeting_records import Claim
from zoom_notifier.domain.models import (
    ExecutionDescription,
    MeetingKey,
    MeetingRecord,
    ZoomMeeting,
    ZoomMeetingSummary,
)
from zoom_notifier.domain.template import MeetingTemplate, TemplateListing

__all__ = [
    "AnnouncementEdits",
    "AppPoster",
    "DayChanges",
    "DispatchedDays",
    "EditJobs",
    "ExecutionReader",
    "ExecutionStarter",
    "LifeEdits",
    "MeetingChanges",
    "MeetingLives",
    "MeetingLookup",
    "MeetingRepository",
    "MessagePoster",
    "MovedDays",
    "OperatorReporter",
    "TemplateCatalog",
    "TemplateLoader",
    "ZoomMeetings",
]


class TemplateLoader(Protocol):
    """Where templates come from
    (:class:`~zoom_notifier.services.template_source.TemplateSource`)."""

    async def load(self, template: str) -> MeetingTemplate:
        """The named template, validated; TemplateNotFound or InvalidMeetingTemplate."""
        ...


class TemplateCatalog(TemplateLoader, Protocol):
    """Every template there is, and each one's content (the dispatcher's view of the bucket)."""

    async def listing(self) -> TemplateListing:
        """The names of the templates present, sorted, and the keys that name none."""
        ...


class ExecutionStarter(Protocol):
    """The state machine (:class:`~zoom_notifier.services.state_machine.StateMachine`)."""

    async def start(self, name: str, execution_input: dict[str, Any]) -> bool:
        """Start the execution ``name``: True if this call started it, False if it existed."""
        ...

    async def status(self, name: str) -> str | None:
        """The status of execution ``name``, or None when it was never started."""
        ...

    async def started_since(self, moment: datetime) -> set[str]:
        """The names of (at least) the executions started at or after ``moment``."""
        ...


class ExecutionReader(Protocol):
    """Reading a failed execution (:class:`~zoom_notifier.services.state_machine.Executions`)."""

    async def describe(self, arn: str) -> ExecutionDescription: ...


class MeetingLookup(Protocol):
    """Reading one day's item (the dispatcher's check that the announcement went out)."""

    async def get(self, key: MeetingKey) -> MeetingRecord | None: ...


class MovedDays(Protocol):
    """The days a person moved (the dispatcher starts them at their new time)."""

    async def moves(self, day: str) -> dict[str, str]: ...


class DispatchedDays(MeetingLookup, MovedDays, Protocol):
    """The meetings table as the dispatcher reads it: the days due, and the days moved."""


class DayChanges(MeetingLookup, Protocol):
    """The meetings table as a person's change of a day sees it (``/standup``, the CLI)."""

    async def get_many(self, keys: list[MeetingKey]) -> dict[MeetingKey, MeetingRecord]: ...

    async def record_change(
        self, record: MeetingRecord, expected: MeetingRecord | None
    ) -> MeetingRecord | None: ...

    async def remove_change(self, expected: MeetingRecord) -> MeetingRecord | None: ...

    async def begin_amend(
        self, asked: MeetingRecord, expected: MeetingRecord
    ) -> MeetingRecord | None: ...

    async def end_amend(
        self, done: MeetingRecord, asked: MeetingRecord
    ) -> MeetingRecord | None: ...


class OperatorReporter(Protocol):
    """The failure topic (:class:`~zoom_notifier.services.failure_topic.FailureTopic`): what is
    published there reaches the team's Slack through ``notify_failure``."""

    async def report(self, subject: str, text: str) -> None: ...


class MeetingRepository(Protocol):
    """The meetings table (:class:`~zoom_notifier.services.meeting_store.MeetingStore`): one
    item per key, changed only under conditions, so that concurrent executions never both win."""

    async def get(self, key: MeetingKey) -> MeetingRecord | None: ...

    async def claim(
        self, key: MeetingKey, owner: str, now: datetime, *,
        replacing: int | None = None, earlier_attempt: int | None = None,
        changed: MeetingRecord | None = None,
    ) -> Claim: ...  # fmt: skip

    async def mark_attempt(self, claim: MeetingRecord, owner: str, at: int) -> MeetingRecord: ...

    async def complete(self, record: MeetingRecord, owner: str) -> MeetingRecord: ...

    async def release(self, key: MeetingKey, owner: str) -> None: ...

    async def end_claim(self, claim: MeetingRecord, owner: str) -> None: ...

    async def record_skip(self, record: MeetingRecord) -> MeetingRecord: ...

    async def claim_notification(
        self, record: MeetingRecord, owner: str, now: datetime
    ) -> Claim: ...

    async def mark_notify_attempt(
        self, claimed: MeetingRecord, owner: str, at: int | None
    ) -> MeetingRecord: ...

    async def mark_notified(
        self, record: MeetingRecord, notified: MeetingRecord, owner: str
    ) -> MeetingRecord: ...

    async def release_notification(
        self, record: MeetingRecord, owner: str, *, keep_attempt: bool = False
    ) -> None: ...

    async def record_reminder(self, notified: MeetingRecord, reminder_id: str) -> MeetingRecord: ...


class ZoomMeetings(Protocol):
    """Zoom's meeting API (:class:`~zoom_notifier.services.zoom.ZoomClient`)."""

    async def create_meeting(self, user_id: str, body: dict[str, Any]) -> ZoomMeeting: ...

    async def get_meeting(self, meeting_id: int) -> ZoomMeeting | None: ...

    async def list_scheduled_meetings(self, user_id: str) -> list[ZoomMeetingSummary]: ...


class MeetingChanges(Protocol):
    """What a change of an existing meeting needs of Zoom (delete it, or move its start)."""

    async def delete_meeting(self, meeting_id: int) -> bool: ...

    async def update_start(self, meeting_id: int, start_time: str, timezone: str) -> bool: ...


class AnnouncementEdits(Protocol):
    """What a change of an announced meeting needs of the Slack app: edit the announcement,
    take back its reminder, schedule another (found first, if an earlier try scheduled it)."""

    async def update(self, channel: str, ts: str, payload: Mapping[str, Any]) -> None: ...

    async def delete_scheduled(self, channel: str, scheduled_id: str) -> bool: ...

    async def schedule(self, channel: str, thread_ts: str, post_at: int, text: str) -> str: ...

    async def find_scheduled(self, channel: str, post_at: int, text: str) -> str | None: ...

    async def post(
        self, channel: str, payload: Mapping[str, Any], metadata: Mapping[str, Any] | None
    ) -> str: ...


class MeetingLives(MeetingLookup, Protocol):
    """The days' items as Zoom's events reach them
    (:class:`~zoom_notifier.services.meeting_store.MeetingStore`): found by meeting id, and
    their life written alone, as read."""

    async def key_of_meeting(self, meeting_id: int) -> MeetingKey | None: ...

    async def update_life(
        self, before: MeetingRecord, after: MeetingRecord
    ) -> MeetingRecord | None: ...


class EditJobs(Protocol):
    """Where the edit of an announcement is queued (the inbound function's own job)."""

    async def refresh(self, key: MeetingKey) -> None: ...


class LifeEdits(Protocol):
    """What following a meeting's life needs of the Slack app: edit the announcement, and
    reply in its thread once (a reply found again by its metadata)."""

    async def update(self, channel: str, ts: str, payload: Mapping[str, Any]) -> None: ...

    async def reply(
        self, channel: str, thread_ts: str, text: str, metadata: Mapping[str, Any]
    ) -> str: ...

    async def find_reply(
        self, channel: str, thread_ts: str, event_type: str, payload: Mapping[str, Any]
    ) -> str | None: ...


class GroupMembers(Protocol):
    """Who is in a Slack user group (an S… id): a template's managers may name one."""

    async def group_members(self, group: str) -> frozenset[str]: ...


class AppPoster(Protocol):
    """Slack app mode (:class:`~zoom_notifier.services.slack_app.SlackApp`): a post carries metadata
    and can be found again; so can a scheduled reminder (by channel, time and text)."""

    async def post(
        self, channel: str, payload: Mapping[str, Any], metadata: Mapping[str, Any] | None
    ) -> str: ...

    async def schedule(self, channel: str, thread_ts: str, post_at: int, text: str) -> str: ...

    async def find_scheduled(self, channel: str, post_at: int, text: str) -> str | None: ...

    async def find(
        self,
        channel: str,
        oldest: float,
        latest: float,
        event_type: str,
        payload: Mapping[str, Any],
    ) -> str | None: ...


class MessagePoster(Protocol):
    """A Slack destination (:class:`~zoom_notifier.services.slack_webhook.SlackWebhook`)."""

    async def post(self, payload: dict[str, Any]) -> None: ...
