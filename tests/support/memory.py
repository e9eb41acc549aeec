"""In-memory collaborators for the workflow's unit tests: no moto, no HTTP, no sockets.

* :class:`MemoryTemplates`: templates by name, parsed by the real parser.
* :class:`MemoryStore`: the meetings table as a dict, with the same conditions as
  :class:`~zoom_notifier.services.meeting_store.MeetingStore` (whose own tests run them
  against DynamoDB's emulation).
* :class:`ModelZoom` and :class:`ModelSlack`: the one model of each service
  (:mod:`zoom_notifier.local.zoom_model`, :mod:`zoom_notifier.local.slack_model`), called
  directly; their answers go through the real clients' answer mapping.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zoom_notifier.domain.meeting_records import (
    AlreadyDone,
    Claim,
    Claimed,
    announcement_claimed,
    announcement_released,
    changes_of,
    claim_record,
    epoch,
    lease_ended,
    reminded_record,
)
from zoom_notifier.domain.models import (
    MeetingKey,
    MeetingRecord,
    ZoomMeeting,
    ZoomMeetingSummary,
)
from zoom_notifier.domain.template import MeetingTemplate, TemplateListing, parse_template
from zoom_notifier.errors import (
    MeetingClaimLost,
    MeetingCreationInProgress,
    NotificationInProgress,
    SlackRateLimited,
    SlackUnavailable,
    TemplateNotFound,
    ZoomUnavailable,
)
from zoom_notifier.local.faults import NetworkFault, Outcome, Reply
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.services.meeting_store import LIFE_ATTRIBUTES
from zoom_notifier.services.slack_app import GONE_OR_DUE, refusal_error, tagged
from zoom_notifier.services.slack_webhook import check_webhook_answer
from zoom_notifier.services.zoom import error_for, meeting_from, meeting_list_from
from zoom_notifier.services.zoom_http import ZoomAnswer

__all__ = [
    "MemoryReporter",
    "MemoryStateMachine",
    "MemoryStore",
    "MemoryTemplates",
    "ModelApp",
    "ModelSlack",
    "ModelZoom",
]


@dataclass
class MemoryTemplates:
    """Template files by name (JSON bytes), parsed on load like the S3 source does."""

    files: dict[str, bytes] = field(default_factory=dict)
    # Keys in the templates' place that name no template.
    strays: list[str] = field(default_factory=list)

    async def load(self, template: str) -> MeetingTemplate:
        if template not in self.files:
            raise TemplateNotFound(f"meeting template {template!r} not found")
        return parse_template(self.files[template], f"memory://{template}")

    async def listing(self) -> TemplateListing:
        return TemplateListing(sorted(self.files), sorted(self.strays))


@dataclass
class MemoryStateMachine:
    """Executions by name, as Step Functions keeps them: a name is started once (a second
    start of an open execution with the same input answers with it; any other, refused)."""

    executions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # How each execution ended (default: still RUNNING once started).
    statuses: dict[str, str] = field(default_factory=dict)

    async def start(self, name: str, execution_input: dict[str, Any]) -> bool:
        if name in self.executions:
            return False
        self.executions[name] = execution_input
        return True

    async def status(self, name: str) -> str | None:
        if name not in self.executions:
            return None
        return self.statuses.get(name, "RUNNING")

    async def started_since(self, moment: datetime) -> set[str]:
        # Every execution, as a listing that reads a few older ones on its way may.
        return set(self.executions)


@dataclass
class MemoryReporter:
    """What was published to the failure topic: (subject, text) pairs."""

    reports: list[tuple[str, str]] = field(default_factory=list)

    async def report(self, subject: str, text: str) -> None:
        self.reports.append((subject, text))


@dataclass
class MemoryStore:
    """The meetings table, one record per (date, template)."""

    items: dict[tuple[str, str], MeetingRecord] = field(default_factory=dict)

    def put(self, record: MeetingRecord) -> None:
        self.items[(record.date, record.template)] = record

    async def expire_notify_lease(self, key: MeetingKey) -> None:
        """Time passes: the announcement lease a dead invocation left runs out."""
        found = self.items[(key.date, key.template)]
        self.put(found.model_copy(update={"notify_expires_at": 0}))

    async def get(self, key: MeetingKey) -> MeetingRecord | None:
        return self.items.get((key.date, key.template))

    async def get_many(self, keys: list[MeetingKey]) -> dict[MeetingKey, MeetingRecord]:
        return {key: found for key in keys if (found := await self.get(key)) is not None}

    def _unchanged(self, key: MeetingKey, expected: MeetingRecord | None) -> bool:
        found = self.items.get((key.date, key.template))
        if expected is None or found is None:
            return found is None and expected is None
        return (
            found.status == expected.status
            and found.changed_at == expected.changed_at
            and found.notify_owner is None
        )

    async def record_change(
        self, record: MeetingRecord, expected: MeetingRecord | None
    ) -> MeetingRecord | None:
        if not self._unchanged(record.key, expected):
            return self.items.get((record.date, record.template))
        self.put(record)
        return None

    async def remove_change(self, expected: MeetingRecord) -> MeetingRecord | None:
        if not self._unchanged(expected.key, expected):
            return self.items.get((expected.date, expected.template))
        del self.items[(expected.date, expected.template)]
        return None

    async def begin_amend(
        self, asked: MeetingRecord, expected: MeetingRecord
    ) -> MeetingRecord | None:
        found = self.items.get((asked.date, asked.template))
        if (
            found is None
            or found.status != expected.status
            or found.meeting_id != expected.meeting_id
            or found.slack_ts != expected.slack_ts
            or found.notify_owner is not None
            or found.amending is not None
        ):
            return found
        self.put(asked)
        return None

    async def end_amend(self, done: MeetingRecord, asked: MeetingRecord) -> MeetingRecord | None:
        found = self.items.get((done.date, done.template))
        if found is None or (found.amending, found.changed_at) != (
            asked.amending,
            asked.changed_at,
        ):
            return found
        self.put(done)
        return None

    async def key_of_meeting(self, meeting_id: int) -> MeetingKey | None:
        for record in self.items.values():
            if record.meeting_id == meeting_id:
                return record.key
        return None

    async def update_life(
        self, before: MeetingRecord, after: MeetingRecord
    ) -> MeetingRecord | None:
        """MeetingStore.update_life's conditions: the meeting, and every life attribute that
        changes (and the version and the edit's mark) as ``before`` read them."""
        found = self.items.get((before.date, before.template))
        if found is None:
            return before
        changed = [n for n in LIFE_ATTRIBUTES if getattr(before, n) != getattr(after, n)]
        if found.meeting_id != before.meeting_id or any(
            getattr(found, name) != getattr(before, name)
            for name in {*changed, "life_version", "life_edit_due"}
        ):
            return found
        self.put(found.model_copy(update={name: getattr(after, name) for name in changed}))
        return None

    async def moves(self, day: str) -> dict[str, str]:
        return {
            record.template: record.moved_to
            for record in self.items.values()
            if record.moved_date == day and record.moved_to is not None
        }

    async def claim(
        self, key: MeetingKey, owner: str, now: datetime, *,
        replacing: int | None = None, earlier_attempt: int | None = None,
        changed: MeetingRecord | None = None,
    ) -> Claim:  # fmt: skip
        found = await self.get(key)
        free = (
            found is None
            or (
                found.status == "creating"
                and ((found.claim_expires_at or 0) < epoch(now) or found.claim_owner == owner)
            )
            or (
                changed is not None
                and found.status == "planned"
                and found.changed_at == changed.changed_at
            )
        )
        stale = found is not None and replacing is not None and found.meeting_id == replacing
        if found is not None and not free and not (stale and found.status != "creating"):
            if found.status in {"planned", "skipped"}:
                raise MeetingCreationInProgress("the day was changed while being claimed")
            if found.status == "creating" or stale:
                raise MeetingCreationInProgress(f"another execution ({found.claim_owner})")
            return AlreadyDone(found)
        attempts = [earlier_attempt]
        if found is not None and found.status == "creating":
            attempts.append(found.attempt_started_at)
        earliest = min((at for at in attempts if at is not None), default=None)
        claim = claim_record(
            key, owner, now, earliest if earliest is not None else epoch(now), changes_of(changed)
        )
        self.put(claim)
        return Claimed(claim, earlier_attempt=earliest)

    def _holds(self, key: MeetingKey, owner: str) -> bool:
        found = self.items.get((key.date, key.template))
        return found is not None and found.status == "creating" and found.claim_owner == owner

    async def mark_attempt(self, claim: MeetingRecord, owner: str, at: int) -> MeetingRecord:
        if not self._holds(claim.key, owner):
            raise MeetingCreationInProgress("the claim was taken over before Zoom was called")
        marked = claim.model_copy(update={"attempt_started_at": at})
        self.put(marked)
        return marked

    async def complete(self, record: MeetingRecord, owner: str) -> MeetingRecord:
        if not self._holds(record.key, owner):
            raise MeetingClaimLost(
                f"created Zoom meeting {record.meeting_id}, but the claim was lost"
            )
        self.put(record)
        return record

    async def end_claim(self, claim: MeetingRecord, owner: str) -> None:
        if self._holds(claim.key, owner):
            self.put(lease_ended(claim))

    async def release(self, key: MeetingKey, owner: str) -> None:
        if self._holds(key, owner):
            del self.items[(key.date, key.template)]

    async def record_skip(self, record: MeetingRecord) -> MeetingRecord:
        found = await self.get(record.key)
        if found is not None:
            if found.skip_reason is None:
                raise MeetingCreationInProgress("a meeting is being created or created")
            return found
        self.put(record)
        return record

    async def claim_notification(self, record: MeetingRecord, owner: str, now: datetime) -> Claim:
        found = self.items[(record.date, record.template)]
        if found.status == "notified":
            return AlreadyDone(found)
        lease_free = found.notify_owner in {None, owner} or (found.notify_expires_at or 0) < epoch(
            now
        )
        same_attempt = found.notify_attempt_started_at == record.notify_attempt_started_at
        if not (lease_free and same_attempt and found.meeting_id == record.meeting_id):
            raise NotificationInProgress(f"another execution ({found.notify_owner}) is announcing")
        claimed = announcement_claimed(record, owner, now)
        self.put(claimed)
        return Claimed(claimed)

    def _announcing(self, record: MeetingRecord, owner: str) -> bool:
        found = self.items[(record.date, record.template)]
        return found.status == record.status and found.notify_owner == owner

    async def mark_notify_attempt(
        self, claimed: MeetingRecord, owner: str, at: int | None
    ) -> MeetingRecord:
        if not self._announcing(claimed, owner):
            raise NotificationInProgress("the announcement claim was taken over")
        marked = claimed.model_copy(update={"notify_attempt_started_at": at})
        self.put(marked)
        return marked

    async def mark_notified(
        self, record: MeetingRecord, notified: MeetingRecord, owner: str
    ) -> MeetingRecord:
        if not self._announcing(record, owner):
            raise NotificationInProgress("the announcement claim was taken over")
        self.put(notified)
        return notified

    async def record_reminder(self, notified: MeetingRecord, reminder_id: str) -> MeetingRecord:
        found = self.items[(notified.date, notified.template)]
        if found.status != "notified" or found.reminder_id is not None:
            return found
        reminded = reminded_record(notified, reminder_id)
        self.put(reminded)
        return reminded

    async def release_notification(
        self, record: MeetingRecord, owner: str, *, keep_attempt: bool = False
    ) -> None:
        if self._announcing(record, owner):
            self.put(announcement_released(record, keep_attempt=keep_attempt))


def _answer(outcome: Outcome) -> ZoomAnswer:
    if isinstance(outcome, NetworkFault):
        raise ZoomUnavailable(f"Zoom did not answer ({outcome.kind})")
    body = outcome.body if isinstance(outcome.body, str) else json.dumps(outcome.body)
    return ZoomAnswer(outcome.status, body, dict(outcome.headers))


@dataclass
class ModelZoom:
    """The Zoom model behind the workflow's Zoom interface, with an app token of its own."""

    model: ZoomModel

    def _authorization(self) -> str:
        credentials = f"{self.model.client_id}:{self.model.client_secret}"
        reply = self.model.answer_token(
            {"grant_type": "account_credentials", "account_id": self.model.account_id},
            "Basic " + base64.b64encode(credentials.encode()).decode(),
        )
        assert isinstance(reply, Reply)
        assert isinstance(reply.body, dict)
        return f"Bearer {reply.body['access_token']}"

    async def create_meeting(self, user_id: str, body: dict[str, Any]) -> ZoomMeeting:
        answer = _answer(
            self.model.answer_create(user_id, json.dumps(body).encode(), self._authorization())
        )
        if answer.status != 201:
            raise error_for(answer, "create meeting")
        return meeting_from(answer, "create meeting")

    async def get_meeting(self, meeting_id: int) -> ZoomMeeting | None:
        answer = _answer(self.model.answer_get(str(meeting_id), self._authorization()))
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise error_for(answer, "get meeting")
        return meeting_from(answer, "get meeting")

    async def delete_meeting(self, meeting_id: int) -> bool:
        answer = _answer(self.model.answer_delete(str(meeting_id), self._authorization()))
        if answer.status == 204:
            return True
        if answer.status == 404:
            return False
        raise error_for(answer, "delete meeting")

    async def update_start(self, meeting_id: int, start_time: str, timezone: str) -> bool:
        body = json.dumps({"start_time": start_time, "timezone": timezone}).encode()
        answer = _answer(self.model.answer_patch(str(meeting_id), body, self._authorization()))
        if answer.status == 204:
            return True
        if answer.status == 404:
            return False
        raise error_for(answer, "update meeting")

    async def list_scheduled_meetings(self, user_id: str) -> list[ZoomMeetingSummary]:
        query = {"type": "scheduled", "page_size": "300"}
        answer = _answer(self.model.answer_list(user_id, query, self._authorization()))
        if answer.status != 200:
            raise error_for(answer, "list meetings")
        return list(meeting_list_from(answer).meetings)


@dataclass
class ModelSlack:
    """The Slack webhook model behind the workflow's poster."""

    model: SlackModel

    async def post(self, payload: dict[str, Any]) -> None:
        outcome = self.model.answer_post(json.dumps(payload).encode())
        if isinstance(outcome, NetworkFault):
            raise SlackUnavailable(
                f"no answer from Slack ({outcome.kind})",
                maybe_delivered=outcome.kind not in {"refused", "connect_timeout"},
            )
        check_webhook_answer(outcome.status, str(outcome.body), outcome.headers.get("Retry-After"))


_POSTING = frozenset({"chat.postMessage", "chat.scheduleMessage"})


@dataclass
class ModelApp:
    """The Slack Web API model behind the workflow's app interface, answered directly."""

    model: SlackApiModel

    def _call(
        self, method: str, arguments: dict[str, Any], passthrough: str | None = None
    ) -> dict[str, Any]:
        outcome = self.model.answer(method, arguments, f"Bearer {self.model.token}")
        if (
            isinstance(outcome, Reply)
            and isinstance(outcome.body, dict)
            and outcome.body.get("error") == passthrough
        ):
            return outcome.body
        if isinstance(outcome, NetworkFault):
            raise SlackUnavailable(
                f"Slack {method}: {outcome.kind}", maybe_delivered=outcome.kind != "refused"
            )
        body = outcome.body if isinstance(outcome.body, dict) else {}
        if outcome.status == 429:
            raise SlackRateLimited(f"Slack {method}: rate limited", 1.0)
        if outcome.status >= 500 or not body:
            raise SlackUnavailable(f"Slack {method}: HTTP {outcome.status}", maybe_delivered=True)
        if not body.get("ok"):
            raise refusal_error(
                method, str(body.get("error")), body, may_have_posted=method in _POSTING
            )
        return body

    async def post(
        self, channel: str, payload: Mapping[str, Any], metadata: Mapping[str, Any] | None
    ) -> str:
        arguments = {"channel": channel, **payload}
        if metadata:
            arguments["metadata"] = dict(metadata)
        return str(self._call("chat.postMessage", arguments)["ts"])

    async def schedule(self, channel: str, thread_ts: str, post_at: int, text: str) -> str:
        arguments = {"channel": channel, "thread_ts": thread_ts, "post_at": post_at, "text": text}
        return str(self._call("chat.scheduleMessage", arguments)["scheduled_message_id"])

    async def update(self, channel: str, ts: str, payload: Mapping[str, Any]) -> None:
        self._call("chat.update", {"channel": channel, "ts": ts, **payload})

    async def delete_scheduled(self, channel: str, scheduled_id: str) -> bool:
        arguments = {"channel": channel, "scheduled_message_id": scheduled_id}
        answer = self._call("chat.deleteScheduledMessage", arguments, passthrough=GONE_OR_DUE)
        return bool(answer.get("ok"))

    async def group_members(self, group: str) -> frozenset[str]:
        return frozenset(self._call("usergroups.users.list", {"usergroup": group})["users"])

    async def reply(
        self, channel: str, thread_ts: str, text: str, metadata: Mapping[str, Any]
    ) -> str:
        arguments = {"channel": channel, "thread_ts": thread_ts, "text": text}
        return str(self._call("chat.postMessage", {**arguments, "metadata": dict(metadata)})["ts"])

    async def find_reply(
        self, channel: str, thread_ts: str, event_type: str, payload: Mapping[str, Any]
    ) -> str | None:
        arguments = {"channel": channel, "ts": thread_ts, "include_all_metadata": True}
        for message in self._call("conversations.replies", arguments)["messages"][1:]:
            if tagged(message, event_type, payload):
                return str(message["ts"])
        return None

    async def find_scheduled(self, channel: str, post_at: int, text: str) -> str | None:
        listed = self._call("chat.scheduledMessages.list", {"channel": channel})
        for scheduled in listed["scheduled_messages"]:
            if scheduled["post_at"] == post_at and scheduled["text"] == text:
                return str(scheduled["id"])
        return None

    async def find(
        self,
        channel: str,
        oldest: float,
        latest: float,
        event_type: str,
        payload: Mapping[str, Any],
    ) -> str | None:
        arguments = {
            "channel": channel,
            "oldest": oldest,
            "latest": latest,
            "inclusive": True,
            "include_all_metadata": True,
        }
        for message in self._call("conversations.history", arguments)["messages"]:
            if tagged(message, event_type, payload):
                return str(message["ts"])
        return None
