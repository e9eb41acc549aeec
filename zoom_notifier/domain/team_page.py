"""A team's page: today's meeting as the team's link shows it, in HTML that needs nothing else.

The page is one document with its style inline (allowed by the hash in its
Content-Security-Policy, :data:`CONTENT_SECURITY_POLICY`): no script, no third-party resource,
no form; it reads the same on a phone (one column, large tap target) and without colour; its
text has a contrast of at least 7:1 (WCAG AAA), its Join link is a real link. Every piece of
text that comes from a template, a person or Zoom is HTML-escaped. The meeting's passcode is
never printed: only a join URL that carries it (``?pwd=``) holds it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date
from html import escape

from zoom_notifier.domain.meeting_life import attended, present
from zoom_notifier.domain.messages import local_start
from zoom_notifier.domain.models import MeetingRecord
from zoom_notifier.domain.upcoming import UpcomingDay

__all__ = [
    "COLOURS",
    "CONTENT_SECURITY_POLICY",
    "PAGE_HEADERS",
    "TeamToday",
    "join_target",
    "render_page",
    "today_of",
]

# Text, background, link and button colours (each pair's contrast is checked by the tests).
COLOURS = {"text": "#1a1a1a", "background": "#ffffff", "muted": "#3d3d3d", "button": "#0a4f96"}
_STYLE = (
    "body{margin:0;font:1.1rem/1.5 system-ui,sans-serif;color:#1a1a1a;background:#ffffff}"
    "main{max-width:36rem;margin:0 auto;padding:1.5rem 1rem}"
    "h1{font-size:1.6rem;margin:0 0 .5rem}h2{font-size:1.2rem;margin:2rem 0 .5rem}"
    ".state{font-size:1.25rem;font-weight:600}.muted{color:#3d3d3d}"
    "a{color:#0a4f96}"
    ".join{display:inline-block;margin:1rem 0;padding:.9rem 1.6rem;border-radius:.5rem;"
    "background:#0a4f96;color:#ffffff;font-weight:700;text-decoration:none;font-size:1.2rem}"
    ".join:focus{outline:3px solid #1a1a1a;outline-offset:3px}"
    "ul{padding-left:1.2rem}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
# Every page's headers: not indexed, not framed, not cached, and no Referer that would carry
# the page's key to the meeting's host when the Join link is followed.
PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-robots-tag": "noindex, nofollow",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
}
_UPCOMING_SHOWN = 5


@dataclass(frozen=True)
class TeamToday:
    """What a team's page says: the team, its topic today, its zone, today's row and record,
    the meeting days after today, and the feed's address."""

    team: str
    topic: str
    timezone: str
    today: UpcomingDay
    record: MeetingRecord | None
    coming: list[UpcomingDay]
    feed_url: str


def today_of(rows: list[UpcomingDay], today: date) -> tuple[UpcomingDay, list[UpcomingDay]]:
    """Today's row and the meeting days after it."""
    (first, *rest) = [row for row in rows if row.date >= today]
    return first, [row for row in rest if row.skipped is None and row.start is not None]


def join_target(view: TeamToday) -> str | None:
    """Where Join leads today: the meeting's join URL while it can be joined."""
    record = view.record
    if record is None or record.join_url is None or record.status not in {"created", "notified"}:
        return None
    if record.life in {"ended", "deleted"} or record.change == "skip":
        return None
    return str(record.join_url)


def _when(row: UpcomingDay) -> str:
    if row.start is None:
        return row.date.strftime("%a %d %b")
    return f"{row.start:%a %d %b %H:%M %Z}"


def _next(view: TeamToday) -> str:
    return f"Next: {_when(view.coming[0])}." if view.coming else "No meeting in the coming weeks."


def _state(view: TeamToday) -> tuple[str, str]:
    """The page's headline state and the line under it."""
    row, record = view.today, view.record
    if row.skipped is not None or (record is not None and record.change == "skip"):
        reason = row.skipped or (record.skip_reason if record else None) or "a day off"
        return f"No {view.topic} today: {reason}.", _next(view)
    if record is not None and record.life == "live":
        since = local_start(record.live_since, record.timezone) or ""
        return f"Live since {since}", f"{present(record)} in the meeting now."
    if record is not None and record.life == "ended":
        ended = local_start(record.ended_at, record.timezone) or ""
        return f"Ended at {ended}", f"{attended(record)} attended. {_next(view)}"
    if record is not None and record.life == "deleted":
        return "Today's meeting was deleted at Zoom.", _next(view)
    start = f"Today at {row.start:%H:%M %Z}" if row.start is not None else "Today"
    if join_target(view) is not None:
        return start, "The meeting is open: join it below."
    announced = f" Its link is announced at {row.announce_at:%H:%M}." if row.announce_at else ""
    return start, f"The meeting is not created yet.{announced}"


def render_page(view: TeamToday) -> str:
    """The page, as one HTML document."""
    headline, detail = _state(view)
    join = join_target(view)
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex, nofollow">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{escape(view.topic)}: today</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(view.topic)}</h1>",
        f'<p class="state">{escape(headline)}</p>',
        f'<p class="muted">{escape(detail)}</p>',
    ]
    if join is not None:
        parts.append(f'<a class="join" href="{escape(join)}" rel="noreferrer">Join the meeting</a>')
    if view.coming:
        parts.append('<h2 id="coming">Coming meetings</h2>')
        parts.append('<ul aria-labelledby="coming">')
        parts.extend(f"<li>{escape(_when(row))}</li>" for row in view.coming[:_UPCOMING_SHOWN])
        parts.append("</ul>")
    parts += [
        f'<p class="muted">Times in {escape(view.timezone)}. '
        f'<a href="{escape(view.feed_url)}">Add these meetings to your calendar</a> '
        "(a feed that follows skips, moves and days off).</p>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
