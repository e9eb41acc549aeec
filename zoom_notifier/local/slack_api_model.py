"""A model of the Slack Web API methods app mode uses: what reached each channel, per-method fault
scripts, and the answers Slack documents.

* ``chat.postMessage`` (api.slack.com/methods/chat.postMessage): ``{"ok": true, "channel", "ts",
  "message"}``; the message keeps its ``metadata`` (``event_type``, ``event_payload``).
* ``conversations.history`` (api.slack.com/methods/conversations.history): newest first, only
  messages between ``oldest`` and ``latest`` (default: now; both exclusive unless
  ``inclusive``), ``limit`` (default 100, at most 999), cursor pagination in
  ``response_metadata.next_cursor``; metadata only with ``include_all_metadata``.
* ``conversations.replies`` (docs.slack.dev/reference/methods/conversations.replies): the
  thread of ``ts``, its parent first and then its replies oldest first, cursor pagination in
  ``response_metadata.next_cursor``; metadata only with ``include_all_metadata``;
  ``thread_not_found`` for a ``ts`` that is no message of the channel.
* ``chat.scheduleMessage`` (api.slack.com/methods/chat.scheduleMessage): ``{"ok": true,
  "channel", "scheduled_message_id", "post_at"}``; ``time_in_past`` for a ``post_at`` before now,
  ``time_too_far`` for one more than 120 days ahead.
* ``chat.scheduledMessages.list`` (api.slack.com/methods/chat.scheduledMessages.list):
  ``id``, ``channel_id``, ``post_at``, ``date_created``, ``text`` (no metadata, no thread).
* ``chat.update`` (docs.slack.dev/reference/methods/chat.update): ``{"ok": true, "channel",
  "ts", "text"}``; ``message_not_found`` for a ``ts`` not in the channel; the metadata stays
  when none is sent.
* ``chat.deleteScheduledMessage`` (docs.slack.dev/reference/methods/chat.deleteScheduledMessage):
  ``{"ok": true}``; ``invalid_scheduled_message_id`` for an unknown id, one posted already, or
  one due "within 60 seconds of the delete request" (which then still posts). A message whose
  time has come is posted in its thread when the model is asked what the channel holds.
* ``usergroups.users.list`` (docs.slack.dev/reference/methods/usergroups.users.list):
  ``{"ok": true, "users": [...]}``; ``no_such_subteam`` for an unknown group.
* A command's ``response_url`` (docs.slack.dev/interactivity/handling-user-interaction,
  "Message responses"): a POST of ``{"text", "response_type"}`` is shown (ephemeral, or in the
  channel), "up to 5 times within 30 minutes". What Slack answers past those limits is not
  documented; the model answers 404 ``used_url`` / ``expired_url`` (read the safe way: not
  shown).

Errors are HTTP 200 with ``{"ok": false, "error": ...}`` (``not_in_channel``,
``channel_not_found``, ``is_archived``, ``invalid_auth``, ``token_revoked``, ``missing_scope``
with ``needed`` and ``provided``), except rate limiting: HTTP 429 with ``Retry-After``
(api.slack.com/apis/rate-limits). Those that depend on the workspace are scripted.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zoom_notifier.local.faults import Fault, Outcome, Reply, Script, answer

__all__ = ["METHODS", "SlackApiModel", "slack_error"]

METHODS = (
    "chat.postMessage",
    "conversations.history",
    "conversations.replies",
    "chat.scheduleMessage",
    "chat.scheduledMessages.list",
    "chat.update",
    "chat.deleteScheduledMessage",
    "usergroups.users.list",
)
# A scheduled message this close to its time cannot be deleted (chat.deleteScheduledMessage).
_UNDELETABLE_SECONDS = 60
# A response_url's limits ("Message responses").
RESPONSE_USES = 5
RESPONSE_SECONDS = 30 * 60
_HISTORY_LIMIT = 999
# chat.scheduleMessage: "up to 120 days in the future" (api.slack.com/methods/chat.scheduleMessage).
_SCHEDULE_HORIZON_SECONDS = 120 * 24 * 3600


def _refusal(error: str, **extra: Any) -> Reply:
    """A Web API error as Slack sends it: HTTP 200, ``ok`` false."""
    return Reply(200, {"ok": False, "error": error, **extra})


def slack_error(error: str, **extra: Any) -> Fault:
    """A scripted Web API error (one that depends on the workspace, not on the request)."""
    return answer(200, {"ok": False, "error": error, **extra})


def _page(found: list[dict[str, Any]], arguments: Mapping[str, Any]) -> Reply:
    """One page of messages as conversations.history and .replies give it: ``limit`` of them
    from the ``cursor``, their metadata only with ``include_all_metadata``."""
    limit = min(int(arguments.get("limit") or 100), _HISTORY_LIMIT)
    start = int(arguments.get("cursor") or 0)
    page = found[start : start + limit]
    metadata = str(arguments.get("include_all_metadata", "")).lower() in {"1", "true"}
    shown = [m if metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
    more = start + limit < len(found)
    body: dict[str, Any] = {"ok": True, "messages": shown, "has_more": more}
    body["response_metadata"] = {"next_cursor": str(start + limit) if more else ""}
    return Reply(200, body)


@dataclass
class SlackApiModel:
    """A workspace where the app's bot token is ``token``, with its channels' messages."""

    token: str = "xoxb-FAKE-local-bot-token"
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    scheduled: list[dict[str, Any]] = field(default_factory=list)
    # User groups (S… ids) and their members.
    groups: dict[str, list[str]] = field(default_factory=dict)
    # What each command's response_url showed: its answers, in order, and when it was issued.
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    response_issued: dict[str, float] = field(default_factory=dict)
    scripts: dict[str, Script] = field(default_factory=lambda: {m: Script() for m in METHODS})
    clock: Callable[[], float] = time.time
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The channel's messages, oldest first (thread replies included): scheduled messages
        whose time has come are posted first, as Slack would have."""
        self._post_due()
        return list(self.channels.get(channel, []))

    def issue_response_url(self, url: str) -> None:
        """A command was sent with ``url`` as its response_url (its thirty minutes start)."""
        with self._lock:
            self.response_issued.setdefault(url, self.clock())
            self.responses.setdefault(url, [])

    def answer_response(self, url: str, body: Mapping[str, Any]) -> Reply:
        """A POST to a command's response_url: shown, within its limits."""
        with self._lock:
            issued = self.response_issued.get(url)
            if issued is None:
                return Reply(404, {"ok": False, "error": "invalid_url"})
            if self.clock() > issued + RESPONSE_SECONDS:
                return Reply(404, {"ok": False, "error": "expired_url"})
            shown = self.responses[url]
            if len(shown) >= RESPONSE_USES:
                return Reply(404, {"ok": False, "error": "used_url"})
            shown.append(dict(body))
        return Reply(200, {"ok": True})

    def _post_due(self) -> None:
        with self._lock:
            due = [entry for entry in self.scheduled if entry["post_at"] <= self.clock()]
            for entry in due:
                self.scheduled.remove(entry)
                self.channels.setdefault(entry["channel_id"], []).append(
                    {
                        "type": "message",
                        "ts": self._ts(),
                        "text": entry["text"],
                        "blocks": [],
                        "thread_ts": entry["thread_ts"],
                    }
                )

    def answer(
        self, method: str, arguments: Mapping[str, Any], authorization: str | None
    ) -> Outcome:
        return self.scripts[method].play(lambda: self._answer(method, arguments, authorization))

    def _answer(
        self, method: str, arguments: Mapping[str, Any], authorization: str | None
    ) -> Reply:
        if authorization != f"Bearer {self.token}":
            return _refusal("invalid_auth")
        channel = str(arguments.get("channel", ""))
        unchanneled = {"chat.scheduledMessages.list", "usergroups.users.list"}
        if method not in unchanneled and channel not in self.channels:
            return _refusal("channel_not_found")
        handlers = {
            "chat.postMessage": self._post,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "chat.scheduleMessage": self._schedule,
            "chat.scheduledMessages.list": self._scheduled_list,
            "chat.update": self._update,
            "chat.deleteScheduledMessage": self._delete_scheduled,
            "usergroups.users.list": self._group_users,
        }
        return handlers[method](channel, arguments)

    def _ts(self) -> str:
        # Slack's ts: seconds and a per-channel sequence, unique and increasing.
        return f"{self.clock():.0f}.{next(self._counter):06d}"

    def _post(self, channel: str, arguments: Mapping[str, Any]) -> Reply:
        if not arguments.get("text") and not arguments.get("blocks"):
            return _refusal("no_text")
        with self._lock:
            message = {
                "type": "message",
                "ts": self._ts(),
                "text": arguments.get("text", ""),
                "blocks": arguments.get("blocks", []),
            }
            if arguments.get("metadata"):
                message["metadata"] = arguments["metadata"]
            if arguments.get("thread_ts"):
                message["thread_ts"] = arguments["thread_ts"]
            self.channels[channel].append(message)
        return Reply(200, {"ok": True, "channel": channel, "ts": message["ts"], "message": message})

    def _history(self, channel: str, arguments: Mapping[str, Any]) -> Reply:
        oldest = float(arguments.get("oldest") or 0)
        latest = float(arguments.get("latest") or self.clock() + 1)
        inclusive = str(arguments.get("inclusive", "")).lower() in {"1", "true"}
        with self._lock:
            found = [
                m for m in reversed(self.channels[channel])
                if "thread_ts" not in m
                and (oldest < float(m["ts"]) < latest
                     or (inclusive and float(m["ts"]) in {oldest, latest}))
            ]  # fmt: skip
        return _page(found, arguments)

    def _replies(self, channel: str, arguments: Mapping[str, Any]) -> Reply:
        parent = str(arguments.get("ts", ""))
        self._post_due()
        with self._lock:
            messages = self.channels[channel]
            if not any(m["ts"] == parent and "thread_ts" not in m for m in messages):
                return _refusal("thread_not_found")
            thread = [m for m in messages if m["ts"] == parent] + [
                m for m in messages if m.get("thread_ts") == parent
            ]
        return _page(thread, arguments)

    def _schedule(self, channel: str, arguments: Mapping[str, Any]) -> Reply:
        post_at = int(arguments.get("post_at") or 0)
        if post_at <= self.clock():
            return _refusal("time_in_past")
        if post_at > self.clock() + _SCHEDULE_HORIZON_SECONDS:
            return _refusal("time_too_far")
        with self._lock:
            entry = {
                "id": f"Q{next(self._counter):08d}",
                "channel_id": channel,
                "post_at": post_at,
                "date_created": int(self.clock()),
                "text": arguments.get("text", ""),
                "thread_ts": arguments.get("thread_ts"),
                "metadata": arguments.get("metadata"),
            }
            self.scheduled.append(entry)
        return Reply(
            200,
            {
                "ok": True,
                "channel": channel,
                "scheduled_message_id": entry["id"],
                "post_at": post_at,
            },
        )

    def _scheduled_list(self, channel: str, arguments: Mapping[str, Any]) -> Reply:
        with self._lock:
            listed = [
                {key: entry[key] for key in ("id", "channel_id", "post_at", "date_created", "text")}
                for entry in self.scheduled
                if not channel or entry["channel_id"] == channel
            ]
        return Reply(200, {"ok": True, "scheduled_messages": listed,
                           "response_metadata": {"next_cursor": ""}})  # fmt: skip

    def _update(self, channel: str, arguments: Mapping[str, Any]) -> Reply:
        if not arguments.get("text") and not arguments.get("blocks"):
            return _refusal("no_text")
        with self._lock:
            found = [m for m in self.channels[channel] if m["ts"] == arguments.get("ts")]
            if not found:
                return _refusal("message_not_found")
            message = found[0]
            message["text"] = arguments.get("text", "")
            if "blocks" in arguments:
                message["blocks"] = arguments.get("blocks") or []
            message["edited"] = {"ts": self._ts()}
        return Reply(
            200, {"ok": True, "channel": channel, "ts": message["ts"], "text": message["text"]}
        )

    def _delete_scheduled(self, channel: str, arguments: Mapping[str, Any]) -> Reply:
        self._post_due()
        with self._lock:
            found = [
                entry
                for entry in self.scheduled
                if entry["id"] == arguments.get("scheduled_message_id")
                and entry["channel_id"] == channel
            ]
            if not found or found[0]["post_at"] <= self.clock() + _UNDELETABLE_SECONDS:
                return _refusal("invalid_scheduled_message_id")
            self.scheduled.remove(found[0])
        return Reply(200, {"ok": True})

    def _group_users(self, _channel: str, arguments: Mapping[str, Any]) -> Reply:
        members = self.groups.get(str(arguments.get("usergroup", "")))
        if members is None:
            return _refusal("no_such_subteam")
        return Reply(200, {"ok": True, "users": list(members)})
