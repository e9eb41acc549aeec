"""Each team's page in a real headless browser (Debian's Chromium, started by the test), served
by the stack's inbound function on loopback: a meeting day (its Join button and the /join
redirect followed to the meeting), a day off, a moved day, before the announcement; on a phone
and with the page's own policy in force. A screenshot of each state is kept in the test's
temporary folder. The key: wrong, missing, another team's, or an unknown team, one same 404.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.browser import chromium
from tests.support.mounted import mount_slack_api, mount_zoom
from tests.support.world import Day, served_app_stack
from zoom_notifier.inbound.slack_door import SLACK_COMMANDS_PATH
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.executions import run_execution
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.local.slack_commands import SlashCommands
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.operator.cli import main
from zoom_notifier.runtime.container import forget_credentials, reset_container
from zoom_notifier.services.slack_app import SLACK_API_URL

ZOOM_PAGE = "<!doctype html><title>Zoom</title><h1>The Zoom meeting</h1>"


class Site:
    """The stack, its URL on loopback, and the teams' addresses as team-link printed them."""

    def __init__(
        self, stack: LocalStack, url: str, zoom: ZoomModel, workspace: SlackApiModel
    ) -> None:
        self.stack, self.url, self.zoom, self.workspace = stack, url, zoom, workspace
        # Today's meeting hours ahead, whatever the hour the suite runs at (a fixed zone failed
        # at night: Paris at 22:45 left no meeting of the day that could still be moved).
        self.day = Day()

    def put(self, name: str, **notifier: Any) -> None:
        body = {**fakes.TEMPLATE, "timezone": self.day.zone, "start_time": self.day.start,
                "notifier": notifier}  # fmt: skip
        fakes.put_stack_template(self.stack, body, name=name)

    def link(self, team: str, capsys: pytest.CaptureFixture[str], *flags: str) -> dict[str, str]:
        capsys.readouterr()
        assert main(["team-link", team, "--stack", "zoom-notifier", *flags]) == 0
        printed = capsys.readouterr().out.splitlines()
        # The functions read the secret anew (deployed: within five minutes, its cache's life).
        forget_credentials()
        return {
            line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in printed if ": " in line
        }


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    """The answer to a GET of ``url``, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *_: Any, **__: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture
def site(
    local_aws: LocalAws, http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    zoom = fakes.zoom_model()
    mount_zoom(zoom, http, api_url=fakes.ZOOM_API, oauth_url=fakes.OAUTH_URL)
    workspace = SlackApiModel(token=fakes.SLACK_BOT_TOKEN, channels={fakes.SLACK_APP_CHANNEL: []})
    mount_slack_api(workspace, http, base_url=SLACK_API_URL)
    with served_app_stack(local_aws, monkeypatch) as (stack, url):
        reset_container()
        yield Site(stack, url, zoom, workspace)


async def test_a_meeting_day_shows_join_and_the_button_and_the_redirect_reach_the_meeting(
    site: Site, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    site.put("default")
    report = run_execution(site.stack, {"date": site.day.date}, timeout=60)
    assert report.status == "SUCCEEDED", report.cause
    (meeting,) = site.zoom.meetings.values()
    links = site.link("default", capsys)

    async with chromium(tmp_path / "profile") as browser:
        await browser.stand_in("https://zoom.us/", ZOOM_PAGE)
        await browser.open(links["page"])
        assert await browser.evaluate("document.querySelector('h1').textContent") == (
            f"Daily stand-up {site.day.date}"
        )
        assert (await browser.evaluate("document.querySelector('.state').textContent")).startswith(
            "Today at "
        )
        await browser.screenshot(tmp_path / "meeting-day.png")
        landed = await browser.click("a.join")
        assert landed == meeting["join_url"]
        assert await browser.evaluate("document.querySelector('h1').textContent") == (
            "The Zoom meeting"
        )
        # The key never went to Zoom: no Referer (the page's policy and the link's rel).
        assert await browser.evaluate("document.referrer") == ""

        redirected = await browser.open(links["join"])
        assert redirected == meeting["join_url"]
    print(f"screenshots: {tmp_path}")


async def test_before_the_announcement_the_page_says_when_its_link_comes(
    site: Site, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    site.put("default")
    links = site.link("default", capsys)

    async with chromium(tmp_path / "profile") as browser:
        landed = await browser.open(links["join"])  # no meeting yet: the page, not a redirect
        assert landed.split("?")[0].endswith("/t/default/join")
        detail = await browser.evaluate("document.querySelector('.muted').textContent")
        assert detail.startswith("The meeting is not created yet. Its link is announced at ")
        assert await browser.evaluate("document.querySelectorAll('a.join').length") == 0
        await browser.screenshot(tmp_path / "before.png")


async def test_a_day_off_says_why_and_when_the_next_meeting_is(
    site: Site, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    weekday = date.fromisoformat(site.day.date).strftime("%a").upper()
    others = [day for day in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN") if day != weekday]
    site.put("default", days=others)
    links = site.link("default", capsys)

    async with chromium(tmp_path / "profile") as browser:
        await browser.open(links["page"])
        state = await browser.evaluate("document.querySelector('.state').textContent")
        detail = await browser.evaluate("document.querySelector('.muted').textContent")
        await browser.screenshot(tmp_path / "day-off.png")
    assert state == f"No Daily stand-up {site.day.date} today: not a meeting day ({weekday})."
    assert detail.startswith("Next: ")
    assert detail.endswith(f" {datetime.now(ZoneInfo(site.day.zone)):%Z}.")  # the zone's own name


async def test_a_moved_day_shows_its_new_time(
    site: Site, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    site.put("default")
    moved_to = site.day.moved_to
    # The operator's CLI runs its own event loop: in a thread beside the test's.
    move = ["move", "--stack", "zoom-notifier", "--date", site.day.date, "--to", moved_to]
    code = await asyncio.to_thread(main, move)
    assert code == 0, capsys.readouterr()
    links = site.link("default", capsys)

    async with chromium(tmp_path / "profile") as browser:
        await browser.open(links["page"])
        state = await browser.evaluate("document.querySelector('.state').textContent")
        await browser.screenshot(tmp_path / "moved.png")
    assert moved_to in state


async def test_the_page_reads_well_on_a_phone_and_is_accessible(
    site: Site, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    site.put("default")
    run_execution(site.stack, {"date": site.day.date}, timeout=60)
    links = site.link("default", capsys)

    async with chromium(tmp_path / "profile") as browser:
        await browser.phone()
        await browser.open(links["page"])
        width = await browser.evaluate("document.documentElement.scrollWidth")
        button = await browser.evaluate(
            "(() => { const r = document.querySelector('a.join').getBoundingClientRect();"
            " return [r.width, r.height]; })()"
        )
        language = await browser.evaluate("document.documentElement.lang")
        headings = await browser.evaluate("document.querySelectorAll('h1').length")
        scripts = await browser.evaluate("document.scripts.length")
        await browser.screenshot(tmp_path / "phone.png")
    assert width <= 390  # no sideways scrolling
    assert button[1] >= 44  # a tap target (WCAG 2.5.5: 44 by 44 CSS pixels)
    assert button[0] >= 44
    assert (language, headings, scripts) == ("en", 1, 0)


def test_the_page_s_headers_forbid_scripts_frames_indexing_and_referers(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.put("default")
    links = site.link("default", capsys)

    status, headers, body = fetch(links["page"])

    assert status == 200
    lowered = {name.lower(): value for name, value in headers.items()}
    policy = lowered["content-security-policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert "script-src" not in policy  # none at all: default-src 'none'
    assert "frame-ancestors 'none'" in policy
    assert lowered["x-robots-tag"] == "noindex, nofollow"
    assert lowered["referrer-policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert "https://" not in body.split("<main>")[0]  # no third-party resource in the head


def test_a_wrong_missing_or_other_team_s_key_is_the_same_404_as_an_unknown_team(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.put("default")
    site.put("team-b")
    mine = site.link("default", capsys)["page"]
    theirs = site.link("team-b", capsys)["page"]
    base, key = mine.split("?k=")
    other_key = theirs.split("?k=")[1]

    answers = [
        fetch(f"{base}?k={key[:-1]}x"),
        fetch(base),
        fetch(f"{base}?k={other_key}"),
        fetch(f"{base.rsplit('/', 1)[0]}/nobody?k={key}"),
        fetch(f"{base}.ics?k=wrong"),
        fetch(f"{base}/join"),
    ]

    assert fetch(mine)[0] == 200
    assert {(status, body) for status, _, body in answers} == {(404, "")}
    logged = capsys.readouterr().out
    assert key not in logged
    assert other_key not in logged


def test_a_rotated_key_replaces_the_old_one(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    site.put("default")
    old = site.link("default", capsys)["page"]
    assert site.link("default", capsys)["page"] == old  # asked again: the same address

    new = site.link("default", capsys, "--rotate")["page"]

    assert new != old
    assert fetch(new)[0] == 200
    assert fetch(old)[0] == 404


def test_a_team_with_no_template_gets_no_key(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["team-link", "nobody", "--stack", "zoom-notifier"]) == 1
    assert "no template 'nobody' in the stack's bucket" in capsys.readouterr().err
    del site


def test_the_feed_is_served_as_a_calendar_with_a_cache_lifetime(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    from icalendar import Calendar  # noqa: PLC0415

    site.put("default")
    links = site.link("default", capsys)

    status, headers, body = fetch(links["calendar"])

    assert status == 200
    lowered = {name.lower(): value for name, value in headers.items()}
    assert lowered["content-type"] == "text/calendar; charset=utf-8"
    assert lowered["cache-control"] == "private, max-age=3600"
    events = Calendar.from_ical(body).walk("VEVENT")
    assert events
    assert {str(event["LOCATION"]) for event in events} == {links["page"]}
    assert json.dumps(str(events[0]["UID"])).endswith('.default@zoom-notifier"')


def test_the_announcement_and_standup_name_the_team_s_page(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.put("default")
    page = site.link("default", capsys)["page"]

    report = run_execution(site.stack, {"date": site.day.date}, timeout=60)
    commands = SlashCommands(site.url + SLACK_COMMANDS_PATH, fakes.SLACK_SIGNING_SECRET)
    answer = commands.type("", channel=fakes.SLACK_APP_CHANNEL)

    assert report.status == "SUCCEEDED", report.cause
    (announcement,) = site.workspace.messages(fakes.SLACK_APP_CHANNEL)
    assert f"<{page}|The team's page>" in json.dumps(announcement["blocks"])
    assert f"Team page (today's meeting, always): {page}" in answer.text
