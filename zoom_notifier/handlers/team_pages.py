"""Each team's page, its Join redirect and its calendar feed, in the Inbound function: imported
only on those paths (``/t/...``), so that a slash command's or a Zoom event's cold start never
loads them.

The key is checked before anything of the team is read (:mod:`zoom_notifier.inbound.team_door`);
a team whose template cannot be read answers the same ``404`` as one with no page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoom_notifier.domain.team_feed import FEED_HEADERS, render_feed
from zoom_notifier.domain.team_page import (
    PAGE_HEADERS,
    TeamToday,
    join_target,
    render_page,
    today_of,
)
from zoom_notifier.errors import InvalidMeetingTemplate, TemplateNotFound
from zoom_notifier.inbound.function_url import HttpRequest, HttpResponse, Refused
from zoom_notifier.inbound.team_door import pages_url, team_request
from zoom_notifier.runtime.logs import bind, get_logger
from zoom_notifier.services.meeting_store import MeetingStore
from zoom_notifier.services.team_links import team_address, team_keys
from zoom_notifier.services.template_source import TemplateSource
from zoom_notifier.workflow.clock import utc_now
from zoom_notifier.workflow.coming_days import coming_days

if TYPE_CHECKING:
    from zoom_notifier.runtime.config import InboundSettings
    from zoom_notifier.runtime.connections import Connections

__all__ = ["serve_team_page"]

log = get_logger(__name__)


async def serve_team_page(
    request: HttpRequest, settings: InboundSettings, io: Connections, now: float
) -> HttpResponse:
    """Answer a request for a team's page, its Join redirect or its feed."""
    del now
    if settings.team_link_secret is None:
        raise Refused(404, "TEAM_LINK_SECRET is not set: there are no team pages")
    keys = await team_keys(settings.team_link_secret, io.secrets)
    asked = team_request(request, keys)
    base, key = pages_url(request), keys[asked.team]
    if base is None:
        raise Refused(400, "the request has no usable Host header")
    bind(template=asked.team, page=asked.page)
    catalog = TemplateSource(await io.aws.s3(), settings.template_bucket, settings.template_key)
    try:
        template = await catalog.load(asked.team)
    except (TemplateNotFound, InvalidMeetingTemplate) as exc:
        log.warning("team page of a template that cannot be read", error=exc.name)
        raise Refused(404, "the team's template cannot be read") from None
    store = MeetingStore(await io.aws.dynamodb(), settings.meetings_table)
    moment = utc_now()
    days = await coming_days(asked.team, template, store, settings.meeting_timezone, moment)
    page_url = team_address(base, asked.team, key)
    if asked.page == "feed":
        topics = {
            row.date: template.resolve(row.date, settings.meeting_timezone).topic
            for row in days.rows
        }
        feed = render_feed(
            asked.team, topics, days.rows, days.records,
            page_url=page_url, minutes=template.duration, now=moment,
        )  # fmt: skip
        log.info("team feed served", days=len(days.rows))
        return HttpResponse.text(feed.decode(), "text/calendar; charset=utf-8", FEED_HEADERS)
    today, coming = today_of(days.rows, days.today)
    view = TeamToday(
        team=asked.team,
        topic=template.resolve(days.today, settings.meeting_timezone).topic,
        timezone=days.zone.key,
        today=today,
        record=days.records.get(days.today),
        coming=coming,
        feed_url=team_address(base, asked.team, key, ".ics"),
    )
    if asked.page == "join" and (target := join_target(view)) is not None:
        log.info("team page: joined")
        return HttpResponse(302, "", {**PAGE_HEADERS, "location": target})
    log.info("team page served")
    return HttpResponse.text(render_page(view), "text/html; charset=utf-8", PAGE_HEADERS)
