"""The Slack messages: the meeting announcement and the failure alerts (Block Kit + text).

Every piece of text that comes from a user, Zoom or AWS is escaped for Slack's mrkdwn (``&``,
``<``, ``>``), so a topic cannot ping ``<!channel>`` or forge a link, and trimmed to Slack's
limits.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from zoom_notifier.domain.dispatch import INVALID_EXECUTION_PREFIX
from zoom_notifier.domain.meeting_life import attended, present
from zoom_notifier.domain.models import (
    ExecutionDescription,
    ExecutionStatusChange,
    FailureMessage,
    MeetingRecord,
)
from zoom_notifier.domain.zoom_time import utc_instant

__all__ = [
    "REDRIVE_DAYS",
    "UNKNOWN_OUTCOME_CAUSE",
    "cancelled_announcement",
    "console_url",
    "described_failure",
    "escape",
    "failure_alert",
    "failure_report",
    "life_announcement",
    "local_start",
    "meeting_announcement",
    "moved_announcement",
    "other_alert",
    "read_failure",
    "recording_reply",
    "reminder_text",
    "repost_command",
    "skip_announcement",
    "trim",
    "unwrap_cause",
]

HEADER_TEXT_LIMIT = 150
SECTION_TEXT_LIMIT = 3000
FALLBACK_TEXT_LIMIT = 4000
CAUSE_LIMIT = 1500
# "@channel" typed as text only pings with link_names; a word joiner keeps it inert anyway
# (after every such prefix: the invisible joiner costs nothing where no mention was meant).
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone))", re.IGNORECASE)
_CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


def escape(text: str) -> str:
    """Make text inert in mrkdwn: escape ``& < >`` and break ``@channel``-style mentions."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u2060", escaped)


def _plain(text: str, limit: int = SECTION_TEXT_LIMIT) -> dict[str, Any]:
    """A plain_text object: Slack renders it literally (no markup, links or mentions)."""
    inert = _BROADCAST.sub("@\u2060", text.strip()) or "(empty)"
    return {"type": "plain_text", "text": trim(inert, limit), "emoji": False}


def trim(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut(escaped: str, limit: int) -> str:
    """Escaped text trimmed to ``limit``, never cutting an ``&amp;``-style entity in half."""
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    entity_start = cut.rfind("&")
    if entity_start != -1 and ";" not in cut[entity_start:]:
        cut = cut[:entity_start]
    return cut + "…"


def _safe(text: str, limit: int) -> str:
    """``text`` escaped for mrkdwn and trimmed to ``limit``."""
    return _cut(escape(text), limit)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def local_start(start_time: str | None, timezone: str | None) -> str | None:
    """``"09:30 (Europe/Paris)"`` from Zoom's start time (UTC ``...Z`` or local) and zone."""
    if not start_time:
        return None
    zone_name = timezone or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return start_time
    moment = utc_instant(start_time, zone_name)
    return start_time if moment is None else f"{moment.astimezone(zone):%H:%M} ({zone_name})"


def _team_page_block(team_page: str | None) -> list[dict[str, Any]]:
    """The context line naming the team's page (its address holds the team's key)."""
    if team_page is None:
        return []
    note = f":house: <{team_page}|The team's page>: today's meeting, always, and a calendar feed"
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]


def meeting_announcement(record: MeetingRecord, team_page: str | None = None) -> dict[str, Any]:
    """The announcement of one day's meeting: topic, date, local start, join link, passcode
    (and the team's page, when it has one).

    The topic is a plain_text header, so whatever the template says stays literal text.
    """
    topic = record.topic or "Zoom meeting"
    start = local_start(record.start_time, record.timezone)
    when = record.date + (f" at {escape(start)}" if start else "")
    join_url = str(record.join_url)
    lines = [f":calendar: {when}", f":link: <{join_url}|Join the Zoom meeting>"]
    fallback = f"{escape(topic)}: {when}. Join: {join_url}"
    if record.password:
        lines.append(f":key: Passcode: `{escape(record.password)}`")
        fallback += f" (passcode {escape(record.password)})"
    blocks = [
        {"type": "header", "text": _plain(topic, HEADER_TEXT_LIMIT)},
        _section("\n".join(lines)),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Join meeting"},
                    "url": join_url,
                    "style": "primary",
                }
            ],
        },
        *_team_page_block(team_page),
    ]
    return {"text": _cut(fallback, FALLBACK_TEXT_LIMIT), "blocks": blocks}


def _changed_by(record: MeetingRecord) -> str:
    """``by <@U…>: reason`` (the mention kept, the reason made inert)."""
    by = "an operator" if record.changed_by in {None, "cli"} else f"<@{record.changed_by}>"
    reason = f": {_safe(record.change_reason, 500)}" if record.change_reason else ""
    return f"by {by}{reason}"


def cancelled_announcement(record: MeetingRecord, gone: str | None = None) -> dict[str, Any]:
    """The announcement once its meeting is cancelled: no link any more, who cancelled and why
    (or ``gone``: why the meeting is gone already)."""
    topic = record.topic or "Zoom meeting"
    why = f"no meeting, {escape(gone)}" if gone else f"cancelled {_changed_by(record)}"
    line = f":no_entry: {record.date}: {why}. The meeting is deleted."
    return {
        "text": _cut(f"Cancelled: {escape(topic)} on {record.date}", FALLBACK_TEXT_LIMIT),
        "blocks": [
            {"type": "header", "text": _plain(f"Cancelled: {topic}", HEADER_TEXT_LIMIT)},
            _section(line),
        ],
    }


def moved_announcement(record: MeetingRecord, team_page: str | None = None) -> dict[str, Any]:
    """The announcement of a moved meeting: the announcement at its new time, and who moved it."""
    message = meeting_announcement(record, team_page)
    start = local_start(record.start_time, record.timezone) or record.moved_to or "?"
    note = f":arrows_counterclockwise: Moved to {escape(start)} {_changed_by(record)}."
    blocks = [*message["blocks"], {"type": "context", "elements": [
        {"type": "mrkdwn", "text": note}]}]  # fmt: skip
    return {"text": message["text"], "blocks": blocks}


def _minutes_between(start: str | None, end: str | None) -> int | None:
    begun, ended = utc_instant(start or "", "UTC"), utc_instant(end or "", "UTC")
    if begun is None or ended is None or ended < begun:
        return None
    return round((ended - begun).total_seconds() / 60)


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def life_announcement(record: MeetingRecord, team_page: str | None = None) -> dict[str, Any]:
    """The announcement as the meeting's life stands (Zoom's events): as posted while it is
    scheduled; live, since when and how many are in; ended, when, how long it lasted and how
    many distinct people attended (no link any more); deleted at Zoom (no link)."""
    base = (
        moved_announcement(record, team_page)
        if record.change == "move"
        else meeting_announcement(record, team_page)
    )
    if record.life is None:
        return base
    topic = record.topic or "Zoom meeting"
    if record.life == "live":
        since = local_start(record.live_since, record.timezone)
        line = ":red_circle: *Live*" + (f" since {escape(since)}" if since else "")
        line += f" · {_count(present(record), 'person', 'people')} in the meeting"
        blocks = [base["blocks"][0], _section(line), *base["blocks"][1:]]
        return {"text": _cut(f"Live: {escape(topic)}", FALLBACK_TEXT_LIMIT), "blocks": blocks}
    if record.life == "ended":
        ended = local_start(record.ended_at, record.timezone)
        lasted = _minutes_between(record.live_since, record.ended_at)
        line = ":white_check_mark: *Ended*" + (f" at {escape(ended)}" if ended else "")
        if lasted is not None:
            line += f" after {_count(lasted, 'minute', 'minutes')}"
        line += f" · {_count(attended(record), 'person', 'people')} attended (distinct)"
        headline = f"Ended: {escape(topic)}"
    else:
        line = ":wastebasket: *Deleted at Zoom*: this meeting no longer exists."
        headline = f"Deleted at Zoom: {escape(topic)}"
    return {
        "text": _cut(headline, FALLBACK_TEXT_LIMIT),
        "blocks": [
            base["blocks"][0],
            _section(f":calendar: {record.date}\n{line}"),
            *_team_page_block(team_page),
        ],
    }


def recording_reply(record: MeetingRecord) -> str:
    """The thread reply with the recording's share link (and its passcode when the link does not
    carry it, as the announcement gives the meeting's): never a download link or token."""
    text = f":movie_camera: The recording is ready: <{record.recording_url}|watch it in Zoom>"
    if record.recording_passcode:
        text += f" (passcode `{escape(record.recording_passcode)}`)"
    return text


def reminder_text(record: MeetingRecord, minutes: int) -> str:
    """The reminder posted in the announcement's thread. The topic is the template's text, so it
    is escaped like the announcement's: a topic holding ``<!here>`` must not ping the channel."""
    return f"Starting in {minutes} minutes: {escape(record.topic or 'the meeting')}"


def skip_announcement(record: MeetingRecord) -> dict[str, Any]:
    """The post of a day off: ``No <topic> today: <reason>`` (topic and reason plain text)."""
    topic = record.topic or "meeting"
    text = f"No {topic} today: {record.skip_reason}"
    return {
        "text": _cut(escape(text), FALLBACK_TEXT_LIMIT),
        "blocks": [{"type": "section", "text": _plain(text)}],
    }


def console_url(execution_arn: str) -> str | None:
    """The Step Functions console page of an execution, or None for a malformed ARN."""
    parts = execution_arn.split(":")
    if len(parts) < 8 or parts[2] != "states" or parts[5] != "execution":
        return None
    host = _CONSOLE_HOSTS.get(parts[1], _CONSOLE_HOSTS["aws"])
    region = parts[3]
    return (
        f"https://{region}.{host}/states/home?region={region}"
        f"#/v2/executions/details/{quote(execution_arn, safe=':')}"
    )


def repost_command(table: str, state_machine_arn: str, day: str, template: str) -> str:
    """The command that reposts an uncertain announcement (see
    :mod:`zoom_notifier.operator.repost`)."""
    return (
        f"zoom-notifier repost --table {table} --state-machine {state_machine_arn} "
        f"--date {day} --template {template}"
    )


def unwrap_cause(cause: str | None) -> str:
    """Step Functions passes a Lambda error as JSON with ``errorMessage``: show just that."""
    if not cause:
        return "(no cause given)"
    try:
        data = json.loads(cause)
    except json.JSONDecodeError:
        return cause
    if isinstance(data, dict) and isinstance(data.get("errorMessage"), str):
        return str(data["errorMessage"])
    return cause


def read_failure(message: str) -> FailureMessage | None:
    """The failed execution a failure-topic message describes: the status change the stack's
    EventBridge rule publishes, or a message in the documented format; None for anything else
    (a CloudWatch alarm, the dispatcher's text)."""
    try:
        return _from_status_change(ExecutionStatusChange.model_validate_json(message))
    except ValidationError:
        pass
    try:
        return FailureMessage.model_validate_json(message)
    except ValidationError:
        return None


def failure_alert(
    message: str,
    subject: str | None = None,
    timezone: str = "UTC",
    meetings_table: str | None = None,
) -> dict[str, Any]:
    """A readable Slack alert for any message on the failure topic.

    The execution status change that the stack's EventBridge rule publishes (and a failure
    message in the documented format) gets the full treatment; a CloudWatch alarm or any other
    text is still shown readably.
    """
    failure = read_failure(message)
    if failure is None:
        return other_alert(message, subject)
    return failure_report(failure, timezone, meetings_table)


def failure_report(
    failure: FailureMessage, timezone: str = "UTC", meetings_table: str | None = None
) -> dict[str, Any]:
    """The Slack report of one failed execution."""
    return _failure_message_alert(failure, ZoneInfo(timezone), meetings_table)


_STEPS = ("CreateMeeting", "NotifyMeeting")
_ENDED = {"TIMED_OUT": "the execution timed out", "ABORTED": "the execution was aborted"}
# The Cause of the state machine's UnknownOutcome Fail state (state_machine.asl.json; a test
# holds them equal): a redrive reenters that state and fails again.
UNKNOWN_OUTCOME_CAUSE = (
    "CreateMeeting returned an outcome this state machine does not route; deploy the state "
    "machine that matches the functions."
)
# A redrive is possible for this long after the execution started (docs.aws.amazon.com/
# step-functions/latest/dg/redrive-executions.html).
REDRIVE_DAYS = 14


def _step_and_cause(cause: str | None, status: str) -> tuple[str, str]:
    """The step a cause names (every handler error starts with ``<Step>: ``), and the rest; a
    timeout or an abort names none."""
    text = unwrap_cause(cause) if cause else _ENDED.get(status, "")
    step, _, rest = text.partition(": ")
    if step in _STEPS:
        return step, rest
    return "unknown step (see the execution's history)", text


def _from_status_change(change: ExecutionStatusChange) -> FailureMessage:
    """The failure an execution's status change describes, to be checked against the
    execution itself (:func:`described_failure`)."""
    detail = change.detail
    step, cause = _step_and_cause(detail.cause, detail.status)
    return FailureMessage(
        execution_arn=detail.execution_arn,
        state_machine=detail.state_machine_arn,
        state=step,
        error=detail.error or detail.status,
        cause=cause,
        input=detail.execution_input(),
        redrive_count=detail.redrive_count,
        from_event=True,
    )


def described_failure(failure: FailureMessage, described: ExecutionDescription) -> FailureMessage:
    """``failure`` as the execution itself tells it (DescribeExecution): its error, cause,
    input, redrive count and whether it can be redriven."""
    step, cause = _step_and_cause(described.cause, described.status)
    return failure.model_copy(
        update={
            "state_machine": described.state_machine_arn or failure.state_machine,
            "state": step,
            "error": described.error or described.status,
            "cause": cause,
            "input": described.execution_input(),
            "redrive_count": described.redrive_count,
            "redrive_status": described.redrive_status,
            "redrive_status_reason": described.redrive_status_reason,
            "started_at": described.start_date,
            "from_event": False,
        }
    )


def _failure_message_alert(
    failure: FailureMessage, zone: ZoneInfo, meetings_table: str | None
) -> dict[str, Any]:
    cause = unwrap_cause(failure.cause)
    key = failure.meeting_key(zone)
    day = escape(key.date) if key else "unknown date"
    step = escape(failure.state)
    error = escape(failure.error)
    title = f":rotating_light: *zoom-notifier failed for {day}*" + (
        f" (template `{escape(key.template)}`)" if key else ""
    )
    url = console_url(failure.execution_arn)
    execution = escape(failure.execution_arn)
    redriven = f" (redrive {failure.redrive_count})" if failure.redrive_count else ""
    rerun = [
        (f"*Execution:* <{url}|{execution}>" if url else f"*Execution:* {execution}") + redriven,
        _how_to_rerun(failure, execution),
    ]
    if failure.note:
        rerun.append(f"_{escape(failure.note)}_")
    if failure.error == "AnnouncementUncertain" and key and meetings_table:
        command = repost_command(
            meetings_table, failure.state_machine or "STATE_MACHINE_ARN", key.date, key.template
        )
        rerun = [
            rerun[0],
            "*The announcement may or may not be in the channel.* Look first: if it is there, "
            "nothing is left to do; if it is not, announce it with "
            f"`{escape(command)}` (redriving would not post it: the service never posts twice).",
        ]
    if failure.execution_arn.rpartition(":")[2].startswith(INVALID_EXECUTION_PREFIX):
        # The dispatcher's once-a-day report of a template it could not read: a redrive or a
        # rerun would create the meeting now, hours early.
        rerun = [
            rerun[0],
            "*To fix*, correct the template (`zoom-notifier check` says what is wrong): the "
            "day's meeting then starts at its own time, as every day. Only if that time has "
            "passed, start it now: `zoom-notifier rerun "
            f"{execution}`.",
        ]
    blocks = [
        _section(_cut(f"{title}\n*Step:* {step}   *Error:* `{error}`", SECTION_TEXT_LIMIT)),
        {"type": "section", "text": _plain(f"Cause: {trim(cause, CAUSE_LIMIT)}")},
        _section(_cut("\n".join(rerun), SECTION_TEXT_LIMIT)),
    ]
    fallback = f"zoom-notifier failed for {day} at {step}: {error}: {escape(cause)}"
    return {"text": _cut(fallback, FALLBACK_TEXT_LIMIT), "blocks": blocks}


def _how_to_rerun(failure: FailureMessage, execution: str) -> str:
    """Redrive where it can fix the day; a new execution (``zoom-notifier rerun``) where it
    cannot: a redrive reenters a Fail state and fails again, runs the definition the execution
    started with, and is refused after 14 days (docs.aws.amazon.com/step-functions/latest/dg/
    redrive-executions.html)."""
    rerun = f"`zoom-notifier rerun {execution}`"
    if failure.error == "UnexpectedError" and unwrap_cause(failure.cause) == UNKNOWN_OUTCOME_CAUSE:
        return (
            "*Redrive cannot fix this*: the state machine and the functions do not match, and a "
            "redrive reruns the same definition into the same Fail state. Deploy them together "
            f"(`make deploy`), then start a new execution: {rerun}."
        )
    if failure.redrive_status == "NOT_REDRIVABLE":
        why = escape(failure.redrive_status_reason or "AWS says it is not redrivable")
        return (
            f"*To rerun*, fix the cause, then start a new execution: {rerun} (no redrive: {why})."
        )
    until = ""
    if failure.started_at is not None:
        last = failure.started_at + timedelta(days=REDRIVE_DAYS)
        until = f" until {last:%Y-%m-%d %H:%M} UTC"
    return (
        "*To rerun*, fix the cause, then *Redrive* the execution in the console (it reruns "
        f"only the failed step){until}: `aws stepfunctions redrive-execution --execution-arn "
        f"{execution}`. A redrive runs the definition this execution started with: after a "
        f"deploy that changed the state machine, or after {REDRIVE_DAYS} days, start a new "
        f"one with the same input instead: {rerun}. Both are safe: nothing is created or "
        "announced twice."
    )


def other_alert(message: str, subject: str | None = None) -> dict[str, Any]:
    """The alert for a topic message that describes no failed execution (an alarm, a text)."""
    title, body = _describe_other(message, subject)
    blocks = [
        _section(f":warning: *{_safe(title, 200)}*"),
        {"type": "section", "text": _plain(trim(body, CAUSE_LIMIT))},
    ]
    fallback = f"{escape(title)}: {escape(body)}"
    return {"text": _cut(fallback, FALLBACK_TEXT_LIMIT), "blocks": blocks}


def _describe_other(message: str, subject: str | None) -> tuple[str, str]:
    try:
        data = json.loads(message)
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict) and "AlarmName" in data:
        # CloudWatch's alarm notification (docs.aws.amazon.com/AmazonCloudWatch/latest/
        # monitoring/AlarmThatSendsEmail.html): the stack's alarms describe their own fix.
        described = str(data.get("AlarmDescription") or "").strip()
        reason = str(data.get("NewStateReason", ""))
        return (
            f"CloudWatch alarm {data.get('AlarmName')} is {data.get('NewStateValue', '?')}",
            f"{described}\n({reason})" if described else reason,
        )
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, dict) and "executionArn" in detail:
        arn = str(detail["executionArn"])
        url = console_url(arn)
        return (
            f"zoom-notifier execution ended {detail.get('status', 'abnormally')}",
            f"Execution: {arn}" + (f"\nConsole: {url}" if url else ""),
        )
    return (subject or "Message on the zoom-notifier failure topic", message)
