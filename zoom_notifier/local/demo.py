"""``zoom-notifier demo``: the complete workflow on embedded stand-ins, one scenario at a time.

Each scenario says what a correct service does on that kind of day; the demo runs it and checks
the outcome, so a demo that "looks fine" but is wrong exits non-zero.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, TextIO, TypeVar
from zoneinfo import ZoneInfo

from zoom_notifier.domain.template import parse_template
from zoom_notifier.domain.upcoming import render as render_calendar
from zoom_notifier.domain.upcoming import upcoming
from zoom_notifier.local.deployment import EXAMPLE_TEMPLATE_PATH, TEAM_TEMPLATE_PATHS
from zoom_notifier.local.executions import ExecutionReport
from zoom_notifier.local.faults import RESET_AFTER, Script, answer
from zoom_notifier.local.loopback import SlackApiServer, SlackServer, ZoomServer
from zoom_notifier.local.render import execution_lines, meeting_lines, slack_lines
from zoom_notifier.local.runner import (
    STACK_NAME,
    FailureDelivery,
    LocalRun,
    SlackAppAccess,
    ZoomAccess,
)
from zoom_notifier.local.scenarios import Scenario
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.local.slack_commands import SlashCommands, command_form
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.zoom_events import ZoomEvents, http_transport
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.container import reset_container

__all__ = ["DEMO_TEMPLATE", "DemoOutcome", "run_demo"]

DEMO_TEMPLATE = EXAMPLE_TEMPLATE_PATH
# Obviously fake credentials, accepted by the Zoom stand-in only.
_DEMO_ZOOM = ZoomAccess(
    account_id="demo-account",
    client_id="demo-client",
    client_secret="demo-client-secret-not-real",
    user_id="host@example.com",
)


SATURDAY = 5
# The New York team's own channel: its webhook, in a secret its template names.
_NEW_YORK_SECRET = "zoom-notifier/team-new-york/webhook"
_NEW_YORK_PATH = "/services/TDEMO/BNEWYORK/demo-new-york-webhook"


@dataclass
class DemoOutcome:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _template(scenario: Scenario) -> bytes:
    if scenario.broken_template:
        template = json.loads(DEMO_TEMPLATE.read_text())
        template["password"] = "this passcode is far too long"
        return json.dumps(template).encode()
    return DEMO_TEMPLATE.read_bytes()


def run_demo(
    scenario: Scenario, day: str, out: TextIO, *, log_stream: TextIO, log_level: str = "INFO"
) -> DemoOutcome:
    """Run ``scenario`` for ``day``, write a readable account to ``out``, and check it."""
    if scenario.two_teams:
        return run_two_teams(scenario, out, log_stream=log_stream, log_level=log_level)
    if scenario.slash_command:
        return run_slash_command(scenario, day, out, log_stream=log_stream, log_level=log_level)
    if scenario.meeting_life or scenario.team_link:
        run = run_meeting_life if scenario.meeting_life else run_team_link
        return run(scenario, out, log_stream=log_stream, log_level=log_level)
    if scenario.slack_app:
        return run_slack_app(scenario, day, out, log_stream=log_stream, log_level=log_level)
    if scenario.silent_day:
        return run_silent_day(scenario, day, out, log_stream=log_stream, log_level=log_level)
    zoom_model = ZoomModel(_DEMO_ZOOM.account_id, _DEMO_ZOOM.client_id, _DEMO_ZOOM.client_secret)
    slack_model = SlackModel()
    if scenario.zoom_outage:
        # What Zoom answers during an incident (status.zoom.us): 503 on every create.
        zoom_model.create.set(forever=answer(503, "Service Temporarily Unavailable"))
    if scenario.slack_archived:
        slack_model.script.set(forever=answer(410, "channel_is_archived"))
    with _webhook_stack(zoom_model, slack_model, log_stream, log_level) as (local, zoom, slack):
        print(f"Scenario {scenario.name}: {scenario.story}", file=out)
        print(
            f"Stand-ins: AWS (moto) {local.endpoint}, Zoom {zoom.api_url}, "
            f"Slack {slack.webhook_url}",
            file=out,
        )
        local.upload_template(_template(scenario))
        reports = []
        for number in range(1, scenario.executions + 1):
            execution_input = {"date": day}
            print(f"\nExecution {number}, input {json.dumps(execution_input)}:", file=out)
            report = local.execute(execution_input)
            reports.append(report)
            print("\n".join(execution_lines(report)), file=out)
        # The failure reports reach Slack as the failures happen, before anything redriven.
        deliveries = local.deliver_failures()
        if scenario.redrive_after_recovery:
            zoom_model.create = Script()
            print(
                f"\nZoom is back. Redrive of execution {len(reports)} "
                "(the console's Redrive button; only the failed step runs again):",
                file=out,
            )
            report = local.redrive(reports[-1])
            reports.append(report)
            print("\n".join(execution_lines(report)), file=out)
        deliveries += local.deliver_failures()
        meetings = local.meetings()
        for line in meeting_lines(meetings):
            print(line, file=out)
        _print_slack(slack_model, deliveries, out)
        return _check(scenario, reports, zoom_model, slack_model, deliveries)


@contextmanager
def _webhook_stack(
    zoom_model: ZoomModel, slack_model: SlackModel, log_stream: TextIO, log_level: str
) -> Iterator[tuple[LocalRun, ZoomServer, SlackServer]]:
    """The local stack in webhook mode, with Zoom and the channel served on loopback."""
    with ZoomServer(zoom_model) as zoom, SlackServer(slack_model) as slack:
        access = replace(_DEMO_ZOOM, api_url=zoom.api_url, oauth_url=zoom.oauth_url)
        with LocalRun(
            zoom=access,
            webhook_url=slack.webhook_url,
            meeting_timezone="Europe/Paris",
            allow_loopback=True,
            log_stream=log_stream,
            log_level=log_level,
        ) as local:
            yield local, zoom, slack


@contextmanager
def _app_stack(
    zoom_model: ZoomModel, workspace: SlackApiModel, log_stream: TextIO, log_level: str
) -> Iterator[tuple[LocalRun, ZoomServer, SlackApiServer]]:
    """The local stack in Slack app mode (the demo's channel), Zoom and the Web API served on
    loopback, the inbound function's URL too."""
    with (
        ZoomServer(zoom_model) as zoom,
        SlackApiServer(workspace) as slack_api,
        LocalRun(
            zoom=replace(_DEMO_ZOOM, api_url=zoom.api_url, oauth_url=zoom.oauth_url),
            webhook_url="https://hooks.slack.com/services/TUNUSED/BUNUSED/unused",
            meeting_timezone="Europe/Paris",
            allow_loopback=True,
            log_stream=log_stream,
            log_level=log_level,
            slack_app=SlackAppAccess(slack_api.api_url, workspace.token, _APP_CHANNEL),
        ) as local,
    ):
        yield local, zoom, slack_api


def _coming_day(day: str, out: TextIO, why: str) -> date:
    """``day`` if it is a working day still ahead, else the next one (said on ``out``)."""
    chosen = date.fromisoformat(day)
    if chosen > datetime.now(UTC).date() and chosen.weekday() < SATURDAY:
        return chosen
    moved = max(chosen, datetime.now(UTC).date()) + timedelta(days=1)
    while moved.weekday() >= SATURDAY:
        moved += timedelta(days=1)
    print(f"({day} is not a working day still ahead, and {why}: the scenario runs on {moved}.)",
          file=out)  # fmt: skip
    return moved


def _team_day(after: date) -> date:
    """The first weekday after ``after`` that is a public holiday in New York, not in France."""
    import holidays  # noqa: PLC0415 - the two-team scenario only

    day = after + timedelta(days=1)
    while True:
        years = [day.year]
        new_york = holidays.country_holidays("US", subdiv="NY", years=years)
        france = holidays.country_holidays("FR", years=years)
        if day.weekday() < SATURDAY and day in new_york and day not in france:
            return day
        day += timedelta(days=1)


def run_two_teams(
    scenario: Scenario, out: TextIO, *, log_stream: TextIO, log_level: str = "INFO"
) -> DemoOutcome:
    """Two teams' templates in the bucket; the dispatcher ticks through a whole day."""
    day = _team_day(datetime.now(UTC).date())
    zoom_model = ZoomModel(_DEMO_ZOOM.account_id, _DEMO_ZOOM.client_id, _DEMO_ZOOM.client_secret)
    paris_channel, new_york_channel = SlackModel(), SlackModel(path=_NEW_YORK_PATH)
    with (
        ZoomServer(zoom_model) as zoom,
        SlackServer(paris_channel) as paris_slack,
        SlackServer(new_york_channel) as new_york_slack,
        LocalRun(
            zoom=replace(_DEMO_ZOOM, api_url=zoom.api_url, oauth_url=zoom.oauth_url),
            webhook_url=paris_slack.webhook_url,
            meeting_timezone="Europe/Paris",
            allow_loopback=True,
            log_stream=log_stream,
            log_level=log_level,
        ) as local,
    ):
        print(f"Scenario {scenario.name}: {scenario.story}", file=out)
        local.put_secret(_NEW_YORK_SECRET, new_york_slack.webhook_url)
        templates = {}
        for name, path in TEAM_TEMPLATE_PATHS.items():
            raw = path.read_bytes()
            local.upload_template(raw, name)
            templates[name] = parse_template(raw, name)
        print(f"\nTemplates uploaded: {', '.join(templates)}. Their calendar (zoom-notifier "
              "calendar):", file=out)  # fmt: skip
        preview = {
            name: upcoming(name, template, day - timedelta(days=1), 3, "Europe/Paris")
            for name, template in templates.items()
        }
        for line in render_calendar(preview):
            print(f"  {line}".rstrip(), file=out)
        started = _tick_through(local, day, out)
        reports = [
            local.wait(name, {"date": day.isoformat(), "template": name.split("_", 1)[1]})
            for name in started
        ]
        for name, report in zip(started, reports, strict=True):
            print(f"\nExecution {name}:", file=out)
            print("\n".join(execution_lines(report)), file=out)
        meetings = local.meetings()
        deliveries = local.deliver_failures()
    for line in meeting_lines(meetings):
        print(line, file=out)
    for label, channel in (("Paris", paris_channel), ("New York", new_york_channel)):
        print(f"\n#{label} channel:", file=out)
        _print_slack(channel, [], out)
    outcome = _check(scenario, reports, zoom_model, paris_channel, deliveries)
    if len(new_york_channel.channel) != scenario.skip_posts:
        outcome.problems.append(
            f"New York skip posts: expected {scenario.skip_posts}, "
            f"got {len(new_york_channel.channel)}"
        )
    return outcome


_APP_CHANNEL = "C0DEMO0001"
T = TypeVar("T")


def run_slack_app(
    scenario: Scenario, day: str, out: TextIO, *, log_stream: TextIO, log_level: str = "INFO"
) -> DemoOutcome:
    """App mode: a post whose answer is lost is adopted; the reminder goes in its thread."""
    meeting_day = _coming_day(day, out, "its reminder must still be ahead")
    zoom_model = ZoomModel(_DEMO_ZOOM.account_id, _DEMO_ZOOM.client_id, _DEMO_ZOOM.client_secret)
    workspace = SlackApiModel(channels={_APP_CHANNEL: []})
    # Slack posts the message, then the connection resets before its answer arrives.
    workspace.scripts["chat.postMessage"].set(RESET_AFTER)
    template = json.loads(DEMO_TEMPLATE.read_text())
    template["notifier"] = {"reminder_minutes": 5}
    with _app_stack(zoom_model, workspace, log_stream, log_level) as (local, zoom, slack_api):
        print(f"Scenario {scenario.name}: {scenario.story}", file=out)
        print(f"Stand-ins: Zoom {zoom.api_url}, Slack Web API {slack_api.api_url}", file=out)
        local.upload_template(json.dumps(template).encode())
        execution_input = {"date": meeting_day.isoformat()}
        print(f"\nExecution, input {json.dumps(execution_input)}:", file=out)
        report = local.execute(execution_input)
        print("\n".join(execution_lines(report)), file=out)
        meetings = local.meetings()
    for line in meeting_lines(meetings):
        print(line, file=out)
    messages = workspace.messages(_APP_CHANNEL)
    for message in messages:
        print(f"\n#{_APP_CHANNEL} shows (ts {message['ts']}, metadata "
              f"{message.get('metadata', {}).get('event_type')}):", file=out)  # fmt: skip
        for line in slack_lines(message):
            print(f"  │ {line}", file=out)
    for reminder in workspace.scheduled:
        at = datetime.fromtimestamp(reminder["post_at"], ZoneInfo("Europe/Paris"))
        print(f"\nScheduled in its thread (ts {reminder['thread_ts']}) for {at:%Y-%m-%d %H:%M %Z}:"
              f"\n  │ {reminder['text']}", file=out)  # fmt: skip
    outcome = _check(scenario, [report], zoom_model, SlackModel(), [])
    outcome.problems = [p for p in outcome.problems if not p.startswith("announcements posted")]
    if len(messages) != 1:
        outcome.problems.append(f"messages in the channel: expected 1, got {len(messages)}")
    threads = [reminder["thread_ts"] for reminder in workspace.scheduled]
    if threads != [message["ts"] for message in messages]:
        outcome.problems.append(f"reminders in the announcement's thread: got {threads}")
    return outcome


def run_slash_command(  # noqa: PLR0915 - one scenario, told in order
    scenario: Scenario, day: str, out: TextIO, *, log_stream: TextIO, log_level: str = "INFO"
) -> DemoOutcome:
    """The day runs in app mode; then commands are typed in the channel, and bad ones refused."""
    zoom_model = ZoomModel(_DEMO_ZOOM.account_id, _DEMO_ZOOM.client_id, _DEMO_ZOOM.client_secret)
    workspace = SlackApiModel(channels={_APP_CHANNEL: []})
    with _app_stack(zoom_model, workspace, log_stream, log_level) as (local, zoom, slack_api):
        commands = local.slash_commands
        assert commands is not None  # noqa: S101 - app mode serves them
        print(f"Scenario {scenario.name}: {scenario.story}", file=out)
        print(f"Stand-ins: Zoom {zoom.api_url}, Slack Web API {slack_api.api_url}", file=out)
        print(f"The inbound function's Request URL: {commands.url}", file=out)
        template = json.loads(DEMO_TEMPLATE.read_text())
        # Every day, so that today (whatever day the demo runs) has its meeting and its link.
        template["notifier"] = {"days": ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]}
        # Two hours from now, so that the meeting can still be moved and cancelled (before
        # 22:00 Paris; later, the changes after the announcement are left out).
        paris_now = datetime.now(ZoneInfo("Europe/Paris"))
        later = paris_now + timedelta(hours=2)
        amendable = later.date() == paris_now.date() and later.hour < 23
        if amendable:
            template["start_time"] = f"{later:%H}:00"
        local.upload_template(json.dumps(template).encode())
        # Today: the commands answer about the days from now, and today's link is the run's.
        today = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
        if day != today:
            print(f"(--date {day} does not apply: the commands are typed today, {today})", file=out)
        print(f"\nExecution, input {json.dumps({'date': today})}:", file=out)
        report = local.execute({"date": today})
        print("\n".join(execution_lines(report)), file=out)
        statuses: list[int] = []
        problems: list[str] = []
        for text in ("", "next 3", "help"):
            body = command_form(text, channel=_APP_CHANNEL, user="U0ALICE01")
            headers = commands.signed_headers(body)
            answer = commands.post(body, headers)
            statuses.append(answer.status)
            print(f"\n@alice types /standup {text}".rstrip() + f" -> {answer.status}", file=out)
            for line in answer.text.splitlines():
                print(f"  │ {line}", file=out)
            if text == "":
                first = (body, headers)
        body, headers = first
        forged = commands.post(body, headers | {"X-Slack-Signature": "v0=" + "0" * 64})
        replayed = commands.post(body, headers)
        elsewhere = commands.type("", channel="C0ELSEWHERE")
        print(f"\nA forged signature -> {forged.status}; a replay of the first -> "
              f"{replayed.status}", file=out)  # fmt: skip
        print(f"/standup in a channel with no team -> {elsewhere.status}:", file=out)
        print(f"  │ {elsewhere.text}", file=out)
        if amendable:
            problems += _change_after_announcement(
                local, commands, slack_api, workspace, zoom_model, later, out
            )
        meetings = local.meetings()
    for line in meeting_lines(meetings):
        print(line, file=out)
    outcome = _check(scenario, [report], zoom_model, SlackModel(), [])
    outcome.problems = [p for p in outcome.problems if not p.startswith("announcements posted")]
    if statuses != [200, 200, 200]:
        problems.append(f"commands answered {statuses}, not 200 each")
    if (forged.status, replayed.status) != (401, 401):
        problems.append(f"forged/replayed answered {forged.status}/{replayed.status}, not 401")
    if "No team's meeting" not in elsewhere.text:
        problems.append("the command from another channel was not told it has no team")
    if len(workspace.messages(_APP_CHANNEL)) != 1:
        problems.append("the commands changed the channel: expected only the announcement")
    outcome.problems += problems
    return outcome


def run_meeting_life(
    scenario: Scenario, out: TextIO, *, log_stream: TextIO, log_level: str = "INFO"
) -> DemoOutcome:
    """Today's meeting is announced in app mode; then Zoom's events tell its life, and the
    announcement is shown after each step."""
    zoom_model = ZoomModel(_DEMO_ZOOM.account_id, _DEMO_ZOOM.client_id, _DEMO_ZOOM.client_secret)
    workspace = SlackApiModel(channels={_APP_CHANNEL: []})
    with _app_stack(zoom_model, workspace, log_stream, log_level) as (local, _, _):
        assert local.zoom_events_url is not None  # noqa: S101 - app mode serves them
        # Two seconds between edits instead of the deployed ten, so that the demo is quick (the
        # run restores the environment when it ends).
        os.environ["ANNOUNCEMENT_EDIT_SECONDS"] = "2"
        reset_container()
        print(f"Scenario {scenario.name}: {scenario.story}", file=out)
        print(f"The Zoom app's event notification endpoint URL: {local.zoom_events_url}", file=out)
        template = json.loads(DEMO_TEMPLATE.read_text())
        template["notifier"] = {"days": list(_EVERY_DAY), "recording": True}
        local.upload_template(json.dumps(template).encode())
        today = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
        report = local.execute({"date": today})
        print(f"\nExecution, input {json.dumps({'date': today})}:", file=out)
        print("\n".join(execution_lines(report)), file=out)
        events = ZoomEvents(
            zoom_model, http_transport(local.zoom_events_url), local.zoom_secret_token
        )
        problems = _meeting_life(events, workspace, out)
    outcome = _check(scenario, [report], zoom_model, SlackModel(), [])
    outcome.problems = [p for p in outcome.problems if not p.startswith("announcements posted")]
    outcome.problems += problems
    return outcome


_EVERY_DAY = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def run_team_link(
    scenario: Scenario, out: TextIO, *, log_stream: TextIO, log_level: str = "INFO"
) -> DemoOutcome:
    """Today's meeting is announced in app mode; the team's link is issued, and its page,
    redirect and feed are fetched as a browser and a calendar app would."""
    from zoom_notifier.operator.team_link import team_link  # noqa: PLC0415

    zoom_model = ZoomModel(_DEMO_ZOOM.account_id, _DEMO_ZOOM.client_id, _DEMO_ZOOM.client_secret)
    workspace = SlackApiModel(channels={_APP_CHANNEL: []})
    problems: list[str] = []
    with _app_stack(zoom_model, workspace, log_stream, log_level) as (local, _, _):
        print(f"Scenario {scenario.name}: {scenario.story}", file=out)
        template = json.loads(DEMO_TEMPLATE.read_text())
        template["notifier"] = {"days": list(_EVERY_DAY)}
        local.upload_template(json.dumps(template).encode())
        link = team_link(STACK_NAME, "default", rotate=False)
        print("\n$ zoom-notifier team-link default", file=out)
        for name, address in (("page", link.page), ("join", link.join), ("calendar", link.feed)):
            print(f"  {name + ':':<9} {address}", file=out)
        today = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
        report = local.execute({"date": today})
        print(f"\nExecution, input {json.dumps({'date': today})}: {report.status}", file=out)
        status, headers, body = _get(link.page)
        print(f"\nGET page -> {status} ({headers.get('content-security-policy', '')[:40]}...)",
              file=out)  # fmt: skip
        for line in _page_text(body):
            print(f"  │ {line}", file=out)
        status, headers, _ = _get(link.join)
        print(f"GET join -> {status}, Location: {headers.get('location')}", file=out)
        if status != 302 or headers.get("location") not in {
            m["join_url"] for m in zoom_model.meetings.values()
        }:
            problems.append(f"/join answered {status} to {headers.get('location')}")
        status, _, feed = _get(link.feed)
        events = [line for line in feed.splitlines() if line.startswith("DTSTART;TZID")]
        print(f"GET calendar -> {status}: {len(events)} events, the first {events[:2]}", file=out)
        wrong, _, _ = _get(link.page.split("?")[0] + "?k=not-the-key")
        print(f"GET page with a wrong key -> {wrong}", file=out)
        if (wrong, len(events) > 0) != (404, True):
            problems.append(f"wrong key answered {wrong}; feed events {len(events)}")
    outcome = _check(scenario, [report], zoom_model, SlackModel(), [])
    outcome.problems = [p for p in outcome.problems if not p.startswith("announcements posted")]
    outcome.problems += problems
    return outcome


def _get(url: str) -> tuple[int, dict[str, str], str]:
    """GET ``url`` on loopback, redirects not followed."""
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    class _Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *_: Any, **__: Any) -> None:
            return None

    try:
        with urllib.request.build_opener(_Stay).open(url, timeout=30) as answer:
            headers = {name.lower(): value for name, value in answer.headers.items()}
            return answer.status, headers, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, {name.lower(): value for name, value in exc.headers.items()}, ""


def _page_text(html: str) -> list[str]:
    """The page's main text, a line per paragraph, heading or list item."""
    import re  # noqa: PLC0415
    from html import unescape  # noqa: PLC0415

    main = html.split("<main>", 1)[-1].split("</main>", 1)[0]
    parts = re.split(r"</(?:h1|h2|p|li|a)>", main)
    lines = [unescape(re.sub(r"<[^>]+>", "", part)).strip() for part in parts]
    return [line for line in lines if line]


def _meeting_life(events: ZoomEvents, workspace: SlackApiModel, out: TextIO) -> list[str]:
    """Zoom's events of today's meeting, one step at a time, and the announcement after each."""
    problems: list[str] = []
    validated, _ = events.validate("qgg8vlvZRS6UYooatFL8Aw")
    forged, _ = events.validate("qgg8vlvZRS6UYooatFL8Aw", secret="FAKE-not-the-apps-token")
    print(f"\nZoom validates the endpoint -> {validated}; signed with another token -> {forged}",
          file=out)  # fmt: skip
    (meeting_id,) = events.zoom.meetings
    # The host starts it a minute late, as hosts do.
    scheduled = str(events.zoom.meetings[meeting_id]["start_time"]).replace("Z", "+00:00")
    begun = datetime.fromisoformat(scheduled) + timedelta(minutes=1)

    def at(minutes: int) -> str:
        return (begun + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    people = [events.participant(name) for name in ("Ada", "Grace", "Alan")]
    steps: list[tuple[str, Callable[[], list[Any]], str]] = [
        ("the meeting starts", lambda: [events.started(meeting_id, at(0))], "*Live*"),
        (
            "Ada, Grace and Alan join at once, then Alan leaves",
            lambda: [
                *(events.joined(meeting_id, person, at(0), at(1)) for person in people),
                events.left(meeting_id, people[2], at(0), at(9)),
            ],
            "2 people in the meeting",
        ),
        ("the meeting ends", lambda: [events.ended(meeting_id, at(0), at(16))], "*Ended*"),
        ("the recording is ready", lambda: [events.recording_completed(meeting_id, at(0))], ""),
    ]
    for what, send, expected in steps:
        deliveries = send()
        answers = ", ".join("/".join(delivery.tries) for delivery in deliveries)
        print(f"\nZoom: {what} -> answered {answers}", file=out)
        shown = _wait_for(partial(_announcement_showing, workspace, expected))
        if shown is None:
            problems.append(f"after {what!r} the announcement does not show {expected!r}")
            continue
        print("  The announcement now:", file=out)
        for line in slack_lines(shown):
            print(f"    {line}", file=out)
    replies = _wait_for(partial(_thread_replies, workspace))
    for reply in replies or []:
        print(f"  In its thread: {' '.join(slack_lines({'text': reply['text']}))}", file=out)
    if not replies or len(replies) != 1:
        problems.append(f"the recording's reply: expected 1 in the thread, got {replies}")
    body = events.body("meeting.ended", {"id": str(meeting_id)})
    status, _ = events.transport(body, events.signed(body, secret="FAKE-not-the-apps-token"))
    print(f"\nA forged meeting.ended -> {status}", file=out)
    if (validated, forged, status) != (200, 401, 401):
        problems.append(f"validation/forged answered {validated}/{forged}/{status}")
    return problems


def _announcement_showing(workspace: SlackApiModel, text: str) -> dict[str, Any] | None:
    (announcement,) = [m for m in workspace.messages(_APP_CHANNEL) if "metadata" in m]
    return announcement if text in json.dumps(announcement, ensure_ascii=False) else None


def _thread_replies(workspace: SlackApiModel) -> list[dict[str, Any]] | None:
    return [m for m in workspace.messages(_APP_CHANNEL) if "thread_ts" in m] or None


def _change_after_announcement(
    local: LocalRun,
    commands: SlashCommands,
    slack_api: SlackApiServer,
    workspace: SlackApiModel,
    zoom_model: ZoomModel,
    start: datetime,
    out: TextIO,
) -> list[str]:
    """Move today's announced meeting an hour later, then cancel it: each answered at once,
    finished by the inbound function's own job, told through the response_url."""
    problems: list[str] = []
    moved_to = f"{start.hour + 1:02d}:00"
    for number, text in enumerate((f"move {moved_to} today", "skip today offsite"), start=10):
        response_url = slack_api.response_url(number)
        body = command_form(text, channel=_APP_CHANNEL, user="U0ALICE01", response_url=response_url)
        answer = commands.post(body, commands.signed_headers(body))
        print(f"\n@alice types /standup {text} -> {answer.status}", file=out)
        print(f"  │ {answer.text}", file=out)
        told = _wait_for(partial(_responses, workspace, response_url))
        for response in told or []:
            print(f"  then, {response['response_type']}: {response['text']}", file=out)
        if not told:
            problems.append(f"/standup {text}: no result through its response_url")
        (announcement,) = [m for m in workspace.messages(_APP_CHANNEL) if "metadata" in m]
        print("  The announcement now:", file=out)
        for line in slack_lines(announcement):
            print(f"    {line}", file=out)
        if text.startswith("move"):
            starts = [meeting["start_time"] for meeting in zoom_model.meetings.values()]
            print(f"  At Zoom: the meeting starts {starts}", file=out)
            if "Moved to" not in json.dumps(announcement):
                problems.append("the moved meeting's announcement does not say it moved")
    print(f"  At Zoom: {len(zoom_model.meetings)} meeting(s) left", file=out)
    if zoom_model.meetings:
        problems.append("the cancelled meeting is still at Zoom")
    del local
    return problems


def _responses(workspace: SlackApiModel, url: str) -> list[dict[str, Any]] | None:
    return workspace.responses.get(url) or None


def _wait_for(probe: Callable[[], T | None], seconds: float = 30.0) -> T | None:
    """``probe``'s first answer that is not None, polled for ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.1)
    return None


def run_silent_day(
    scenario: Scenario, day: str, out: TextIO, *, log_stream: TextIO, log_level: str = "INFO"
) -> DemoOutcome:
    """The schedule runs a morning; the failure's event is lost; the dispatcher reports.

    The morning is a coming one (the dispatcher measures lateness against the real clock: a
    past morning would also be reported as started late)."""
    day = _coming_day(day, out, "a past morning would be reported late too").isoformat()
    zoom_model = ZoomModel(_DEMO_ZOOM.account_id, _DEMO_ZOOM.client_id, _DEMO_ZOOM.client_secret)
    zoom_model.create.set(forever=answer(503, "Service Temporarily Unavailable"))
    slack_model = SlackModel()
    morning = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)
    start, end = morning + timedelta(hours=5), morning + timedelta(hours=10)
    with _webhook_stack(zoom_model, slack_model, log_stream, log_level) as (local, _, _):
        print(f"Scenario {scenario.name}: {scenario.story}", file=out)
        local.upload_template(DEMO_TEMPLATE.read_bytes())
        print(f"\nThe schedule runs from {start:%H:%M} to {end:%H:%M} UTC on {day}:", file=out)
        run = local.run_schedule(start, end)
        for report in run.executions:
            print("\n".join(execution_lines(report)), file=out)
        deliveries = local.deliver_failures(lose_status_changes=True)
        print("\nThe status-change event of the failed execution is lost.", file=out)
        alarms = [f"{name} at {at:%H:%M} UTC" for at, name in local.alarm_history]
        deliveries += local.deliver_failures()
        status_lines = _local_status(local, end)
        _print_slack(slack_model, deliveries, out)
        went_off = ", ".join(alarms) or "none"
        print(f"\nAlarms that went off (to the alarm topic's e-mail): {went_off}", file=out)
        print("\nzoom-notifier status (the local stack answers it):", file=out)
        for line in status_lines:
            print(f"  {line}".rstrip(), file=out)
        outcome = _check(scenario, run.executions, zoom_model, slack_model, [])
        shown = json.dumps(slack_model.channel)
        if "meetings not announced" not in shown:
            outcome.problems.append("the dispatcher's report of the silent day is not in Slack")
        if not any(alarm.startswith("MeetingsOverdueAlarm") for alarm in alarms):
            outcome.problems.append(f"MeetingsOverdueAlarm is not in ALARM (got {alarms})")
        if not any("FAILED" in line and day in line for line in status_lines):
            outcome.problems.append("zoom-notifier status does not show the day as FAILED")
        return outcome


def _local_status(local: LocalRun, now: datetime) -> list[str]:
    """``zoom-notifier status`` on the local stack: the very reads of the command, on moto's
    endpoint (the local run points boto3 there), with the alarms the local stack evaluates."""
    from zoom_notifier.operator.stack_status import status_report  # noqa: PLC0415
    from zoom_notifier.operator.status import Alarm  # noqa: PLC0415

    alarms = [
        Alarm(name, "Threshold Crossed") for name, state in local.alarms(now).items()
        if state == "ALARM"
    ]  # fmt: skip
    lines, _ = status_report(STACK_NAME, region=None, days=0, only=[], now=now, alarms=alarms)
    return lines


def _tick_through(local: LocalRun, day: date, out: TextIO) -> list[str]:
    """The dispatcher's ticks every 5 minutes through ``day`` (UTC), as the schedule runs it."""
    tick = datetime(day.year, day.month, day.day, tzinfo=UTC)
    started: list[str] = []
    print(f"\nThe dispatcher ticks every 5 minutes through {day} (UTC):", file=out)
    for _ in range(24 * 12):
        tick += timedelta(minutes=5)
        for name in local.dispatch(tick)["started"]:
            # Ticks overlap (domain/dispatch.py, tick_window): the next tick, a moment later
            # here, finds the same execution still running, which Step Functions answers
            # with it (counted as started within seconds of its start).
            if name in started:
                continue
            print(f"  {tick:%H:%M} UTC  started execution {name}", file=out)
            started.append(name)
    return started


def _print_slack(slack: SlackModel, deliveries: list[FailureDelivery], out: TextIO) -> None:
    for payload in slack.channel:
        print("\nSlack shows:", file=out)
        for line in slack_lines(payload):
            print(f"  │ {line}", file=out)
    for delivery in deliveries:
        if delivery.error:
            print(
                f"\nThe failure report ({delivery.error_name}) was not delivered: "
                f"{delivery.error}. In AWS, Lambda retries it twice, then keeps it in the "
                "dead-letter queue.",
                file=out,
            )
    if slack.refused:
        print(f"\nSlack refused {slack.refused} post(s).", file=out)


def _check(
    scenario: Scenario,
    reports: list[ExecutionReport],
    zoom: ZoomModel,
    slack: SlackModel,
    deliveries: list[FailureDelivery],
) -> DemoOutcome:
    outcome = DemoOutcome()
    statuses = tuple(report.status for report in reports)
    undelivered = [delivery for delivery in deliveries if delivery.error]
    expectations = [
        ("execution statuses", statuses, scenario.statuses),
        # Meetings deleted since (a cancelled one) were created all the same.
        ("Zoom meetings created", len(zoom.meetings) + len(zoom.deleted), scenario.meetings),
        ("announcements posted", len(slack.announcements), scenario.announcements),
        ("failure reports posted", len(slack.failure_reports), scenario.failure_posts),
        ("failure reports not delivered", len(undelivered), scenario.undelivered_failures),
    ]
    for what, seen, expected in expectations:
        if seen != expected:
            outcome.problems.append(f"{what}: expected {expected}, got {seen}")
    return outcome
