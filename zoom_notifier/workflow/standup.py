"""The answer to ``/standup``: the channel's meetings ahead, and today's link.

The channel's templates are those whose ``notifier.slack.channel`` is the channel the command
was typed in, or, for templates without one, the deployment's ``SLACK_CHANNEL``. The days
ahead come from :func:`zoom_notifier.domain.upcoming.upcoming`, the function ``calendar``
prints, so the answer cannot disagree with what the dispatcher and CreateMeeting will do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from zoom_notifier.domain.standup_command import (
    CHANGES,
    MAX_AHEAD_DAYS,
    MAX_NEXT_DAYS,
    CommandProblem,
    StandupRequest,
    parse_standup,
)
from zoom_notifier.domain.upcoming import UpcomingDay
from zoom_notifier.errors import ZoomNotifierError
from zoom_notifier.runtime.logs import get_logger
from zoom_notifier.workflow.coming_days import SEARCH_DAYS, coming_days
from zoom_notifier.workflow.day_amends import PendingAmend
from zoom_notifier.workflow.day_changes import change_days
from zoom_notifier.workflow.template_reads import read_templates

if TYPE_CHECKING:
    from collections.abc import Mapping

    from zoom_notifier.domain.template import MeetingTemplate, TemplateRead
    from zoom_notifier.inbound.slash_command import SlashCommand
    from zoom_notifier.workflow.ports import DayChanges, GroupMembers, TemplateCatalog

__all__ = ["SEARCH_DAYS", "answer_standup", "channel_templates", "help_text"]

log = get_logger(__name__)


@dataclass(frozen=True)
class Answer:
    """What Slack shows: only to the user who typed (ephemeral), or to the channel."""

    text: str
    in_channel: bool = False
    # A change of an existing meeting, begun: the caller finishes it after answering.
    pending: PendingAmend | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "response_type": "in_channel" if self.in_channel else "ephemeral",
            "text": self.text,
        }


def channel_templates(
    templates: Mapping[str, MeetingTemplate], channel: str, default_channel: str | None
) -> list[str]:
    """The names of the templates announced in ``channel``, sorted."""
    names = []
    for name, template in templates.items():
        slack = template.notifier.slack if template.notifier else None
        if slack is not None and slack.webhook_secret is not None:
            continue  # announced by its own webhook, in no channel the app can tell
        announced_in = slack.channel if slack is not None and slack.channel else default_channel
        if announced_in == channel:
            names.append(name)
    return sorted(names)


def help_text(command: str) -> str:
    return "\n".join(
        [
            f"*{command}*: this channel's meetings.",
            f"• `{command}` or `{command} next [N]`: the next N meeting days (1 to "
            f"{MAX_NEXT_DAYS}, default 5), with the days off between, and today's join link.",
            f"• `{command} skip [today|tomorrow|YYYY-MM-DD] [reason]`: no meeting that day "
            f"(`{command} unskip DAY` takes it back).",
            f"• `{command} move HH:MM [today|tomorrow|YYYY-MM-DD] [reason]`: that day's meeting "
            "at another time, in the team's time zone.",
            f"• `{command} pause until YYYY-MM-DD [reason]`: no meeting up to that day "
            f"(`{command} resume` ends it). Days up to {MAX_AHEAD_DAYS} ahead, before the "
            "meeting is created; a team that names managers lets only them change its days.",
            f"• `{command} help`: this text.",
            f"In a channel with several teams' meetings, name the team first: "
            f"`{command} team-a next 3`.",
        ]
    )


async def answer_standup(
    command: SlashCommand,
    *,
    catalog: TemplateCatalog,
    known: dict[str, TemplateRead],
    meetings: DayChanges,
    default_channel: str | None,
    timezone: str,
    now: datetime,
    amends_refused: str | None = None,
    groups: GroupMembers | None = None,
    team_pages: Mapping[str, str] | None = None,
) -> Answer:
    """The answer to ``command``, for the templates of its channel: what is ahead, or a
    change of the schedule (announced in the channel). ``amends_refused``: why a created
    meeting cannot be changed (see :func:`~zoom_notifier.workflow.day_changes.change_days`);
    ``groups``: who is in a user group a template names among its managers; ``team_pages``:
    the teams' page addresses (those that have one)."""
    listing = await catalog.listing()
    reads = await read_templates(catalog, listing, known)
    names = channel_templates(reads.templates, command.channel_id, default_channel)
    if not names:
        unreadable = len(reads.invalid) + len(reads.unavailable)
        return Answer(
            "No team's meeting is announced in this channel (a template's "
            "`notifier.slack.channel`, or the deployment's SlackChannel, names the channel)."
            + (
                f" {unreadable} template(s) cannot be read right now; `zoom-notifier check` "
                "names them."
                if unreadable
                else ""
            )
        )
    try:
        request = parse_standup(command.text, names, command.command)
    except CommandProblem as problem:
        return Answer(f"{problem}")
    if request.action == "help":
        return Answer(help_text(command.command))
    chosen = [request.template] if request.template else names
    if request.action in CHANGES:
        return await _change(
            command, request, chosen, reads.templates, meetings, timezone, now, amends_refused,
            groups,
        )  # fmt: skip
    parts = [
        await _next_days(
            name, reads.templates[name], request, meetings, timezone, now,
            (team_pages or {}).get(name),
        )
        for name in chosen
    ]  # fmt: skip
    return Answer("\n\n".join(parts))


async def _change(
    command: SlashCommand,
    request: StandupRequest,
    chosen: list[str],
    templates: Mapping[str, MeetingTemplate],
    days: DayChanges,
    timezone: str,
    now: datetime,
    amends_refused: str | None,
    groups: GroupMembers | None,
) -> Answer:
    """A change of one team's days, announced in the channel when it is made."""
    if len(chosen) > 1:
        return Answer(
            f"This channel has several teams ({', '.join(chosen)}): name one first, "
            f"`{command.command} {chosen[0]} {command.text.strip()}`."
        )
    template = templates[chosen[0]]
    refusal = await _not_a_manager(template, command.user_id, groups)
    if refusal:
        return Answer(refusal)
    changed = await change_days(
        chosen[0],
        template,
        request,
        by=command.user_id,
        days=days,
        default_timezone=timezone,
        now=now,
        amends_refused=amends_refused,
    )
    return Answer(changed.text, in_channel=changed.changed, pending=changed.pending)


async def _not_a_manager(
    template: MeetingTemplate, user: str, groups: GroupMembers | None
) -> str | None:
    """Why ``user`` may not change ``template``'s days (it names managers, not them, nor a
    group of theirs). A group that cannot be read counts as not theirs, and the answer says so:
    refusing is the safe reading."""
    slack = template.notifier.slack if template.notifier else None
    if slack is None or slack.managers is None or user in slack.managers:
        return None
    unread: list[str] = []
    for group in (manager for manager in slack.managers if manager.startswith("S")):
        if groups is None:
            unread.append(group)
            continue
        try:
            if user in await groups.group_members(group):
                return None
        except ZoomNotifierError as exc:
            log.warning("a managers' user group could not be read", group=group, error=exc.name)
            unread.append(group)
    named = ", ".join(
        f"<!subteam^{manager}>" if manager.startswith("S") else f"<@{manager}>"
        for manager in slack.managers
    )
    unreadable = (
        f" (the user group {', '.join(unread)} could not be read just now: the app needs the "
        "`usergroups:read` scope)"
        if unread
        else ""
    )
    return (
        f"Only this team's managers change its meetings: {named}{unreadable}. You can still "
        "ask what is ahead."
    )


async def _next_days(
    name: str,
    template: MeetingTemplate,
    request: StandupRequest,
    meetings: DayChanges,
    timezone: str,
    now: datetime,
    team_page: str | None = None,
) -> str:
    coming = await coming_days(name, template, meetings, timezone, now)
    rows = _until_meetings(coming.rows, request.days)
    lines = [f"*{name}* ({coming.zone.key})"]
    if team_page is not None:
        lines.append(f"Team page (today's meeting, always): {team_page}")
    record = coming.records.get(coming.today)
    if record is not None and record.join_url and record.status in {"created", "notified"}:
        lines.append(f"Today's meeting: {record.join_url}")
    lines.extend(_lines(rows, coming.today))
    if not any(row.skipped is None and row.start is not None for row in rows):
        lines.append(f"No meeting in the next {SEARCH_DAYS} days.")
    return "\n".join(lines)


def _until_meetings(rows: list[UpcomingDay], wanted: int) -> list[UpcomingDay]:
    """The rows up to the ``wanted``-th meeting day (the days off between them included)."""
    kept: list[UpcomingDay] = []
    meetings = 0
    for row in rows:
        if meetings == wanted:
            break
        kept.append(row)
        meetings += row.skipped is None and row.start is not None
    return kept


def _lines(rows: list[UpcomingDay], today: date) -> list[str]:
    """A line per day; consecutive days off for the same reason (a pause) in one line."""
    lines: list[str] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        last = index
        while (
            row.skipped is not None
            and last + 1 < len(rows)
            and rows[last + 1].skipped == row.skipped
        ):
            last += 1
        if last - index >= 2:
            lines.append(
                f"• {_day(row.date, today)} to {_day(rows[last].date, today)}: "
                f"no meeting, {row.skipped}"
            )
        else:
            last = index
            lines.append(_line(row, today))
        index = last + 1
    return lines


def _day(day: date, today: date) -> str:
    label = "today" if day == today else "tomorrow" if day == today + timedelta(1) else ""
    return f"{day:%a %Y-%m-%d}" + (f" ({label})" if label else "")


def _line(row: UpcomingDay, today: date) -> str:
    day = _day(row.date, today)
    if row.skipped is not None:
        return f"• {day}: no meeting, {row.skipped}"
    if row.start is None or row.announce_at is None:
        return f"• {day}: no meeting (the template has no daily start_time)"
    changed = f" ({row.changed})" if row.changed else ""
    return f"• {day}: {row.start:%H:%M %Z}, announced at {row.announce_at:%H:%M}{changed}"
