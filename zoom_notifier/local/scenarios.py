"""The demo's scenarios: kinds of day, and what a correct service has done at their end.

Plain data (no moto import), so the command line can list them cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SCENARIOS", "Scenario"]


@dataclass(frozen=True)
class Scenario:
    """A kind of day, and what must have happened at its end."""

    name: str
    story: str
    executions: int = 1
    zoom_outage: bool = False
    slack_archived: bool = False
    broken_template: bool = False
    # After the executions, Zoom recovers and the last execution is redriven.
    redrive_after_recovery: bool = False
    # Two teams' templates, started by the dispatcher's ticks over a day that is a public
    # holiday for one team only.
    two_teams: bool = False
    # Slack app mode: a bot token and a channel instead of a webhook; the template asks for a
    # reminder, and the first post's answer is lost (the connection resets after Slack posted).
    slack_app: bool = False
    # The dispatcher runs the morning on the schedule; Zoom is down and the failed execution's
    # status-change event is lost on its way: only the dispatcher's check reports the day.
    silent_day: bool = False
    # Slack app mode: after the day's run, people type /standup in the channel (signed as
    # Slack signs), and a forged, a replayed and a misplaced command are refused.
    slash_command: bool = False
    # Slack app mode: after the day's run, Zoom's event notifications tell the meeting's life
    # (started, joins, a leave, ended, the recording) and the announcement follows it.
    meeting_life: bool = False
    # Slack app mode: the team's page, its Join redirect and its calendar feed, served by the
    # local stack at the addresses `zoom-notifier team-link` prints.
    team_link: bool = False
    statuses: tuple[str, ...] = ("SUCCEEDED",)
    meetings: int = 1
    announcements: int = 1
    failure_posts: int = 0
    undelivered_failures: int = 0
    skip_posts: int = 0


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "default",
            "A normal working day: the meeting is created, recorded and announced.",
        ),
        Scenario(
            "zoom-outage",
            "Zoom answers 503 all day: CreateMeeting is retried with backoff, then the failure "
            "path reports it to Slack.",
            zoom_outage=True,
            statuses=("FAILED",),
            meetings=0,
            announcements=0,
            failure_posts=1,
        ),
        Scenario(
            "bad-template",
            "The template in S3 breaks a rule: no Zoom call is made and Slack is told which "
            "field is wrong.",
            broken_template=True,
            statuses=("FAILED",),
            meetings=0,
            announcements=0,
            failure_posts=1,
        ),
        Scenario(
            "slack-archived",
            "The Slack channel was archived: the meeting exists and stays recorded; the failure "
            "report cannot reach Slack either, so Lambda would retry it and then keep it in the "
            "dead-letter queue.",
            slack_archived=True,
            statuses=("FAILED",),
            meetings=1,
            announcements=0,
            failure_posts=0,
            undelivered_failures=1,
        ),
        Scenario(
            "redrive",
            "Zoom is down: the day fails at CreateMeeting. Zoom recovers and the operator "
            "presses Redrive: only the failed step runs again, and the day completes.",
            zoom_outage=True,
            redrive_after_recovery=True,
            statuses=("FAILED", "SUCCEEDED"),
            failure_posts=1,
        ),
        Scenario(
            "two-teams",
            "Two teams, Paris and New York, each with its own template, time zone, host and "
            "channel. The dispatcher ticks every 5 minutes through the next US public holiday "
            "that is a working day in France: Paris gets its meeting at its local time, New "
            "York gets no meeting and a skip post in its own channel.",
            two_teams=True,
            statuses=("SUCCEEDED", "SUCCEEDED"),
            skip_posts=1,
        ),
        Scenario(
            "slack-app",
            "Slack app mode: the announcement is posted through the app's bot token with its "
            "metadata; Slack posts it but the connection resets before the answer, so the retry "
            "finds it in the channel and adopts it instead of posting again; a reminder is "
            "scheduled in its thread.",
            slack_app=True,
        ),
        Scenario(
            "slash-command",
            "Slack app mode, the team's side: after the day's meeting is announced, Alice "
            "types /standup, /standup next 3 and /standup help in the channel, signed as Slack "
            "signs; a forged signature, a replay of her first request and a command from a "
            "channel with no team are refused. Then she moves the announced meeting an hour "
            "later and cancels it: each answered at once, done at Zoom and in the "
            "announcement by the inbound function's own job, and told through the command's "
            "response_url.",
            slack_app=True,
            slash_command=True,
        ),
        Scenario(
            "meeting-life",
            "Slack app mode, the meeting's life: Zoom validates the endpoint, then sends its "
            "event notifications, signed, as the meeting starts, three people join at once and "
            "one leaves, it ends, and its cloud recording is ready. The announcement is edited "
            "at each stage (the burst of joins in one edit), the recording's link is replied in "
            "its thread once, and a forged event is refused.",
            slack_app=True,
            meeting_life=True,
        ),
        Scenario(
            "team-link",
            "Slack app mode, the team's link: `zoom-notifier team-link default` issues the "
            "team's key and prints its page, Join and calendar addresses; the page shows today's "
            "meeting, /join leads straight to it, the feed lists the coming meeting days, and "
            "a wrong key is refused like an unknown team.",
            slack_app=True,
            team_link=True,
        ),
        Scenario(
            "silent-day",
            "Zoom is down and the failed day's status-change event is lost (EventBridge "
            "delivers it on a best-effort basis): no failure report comes. 30 minutes after "
            "the announcement was due, the dispatcher's check reports the day to Slack (and its "
            "alarm to e-mail), and `zoom-notifier status` shows it.",
            silent_day=True,
            zoom_outage=True,
            statuses=("FAILED",),
            meetings=0,
            announcements=0,
        ),
        Scenario(
            "rerun",
            "The same day is run twice: the second run finds the meeting and the announcement "
            "done, and changes nothing.",
            executions=2,
            statuses=("SUCCEEDED", "SUCCEEDED"),
        ),
    )
}
