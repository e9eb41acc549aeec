"""The door of each team's page: ``/t/<team>``, ``/t/<team>/join`` and ``/t/<team>.ics``, each
with the team's key (``?k=``).

A request is served only with the team's own key, compared in constant time (the digests of
the two, so that not even the length is told); a missing key, a wrong one, another team's, or a
team that has none is one and the same ``404``, so an address cannot be probed for which teams
exist. Only ``GET`` (and ``HEAD``) are served.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from zoom_notifier.inbound.function_url import HttpRequest, Refused

__all__ = ["TEAM_PAGES_PREFIX", "TeamRequest", "pages_url", "team_request"]

# Where the teams' pages are (the stack's TeamPagesUrl output: the Function URL and "t/").
TEAM_PAGES_PREFIX = "/t/"
_TEAM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")
# The answer to anything that is not a team's own address with its own key.
_NOT_FOUND = "no such team page (or not its key)"

Page = Literal["page", "join", "feed"]


@dataclass(frozen=True)
class TeamRequest:
    """A request for one of a team's pages, its key checked."""

    team: str
    page: Page


def _parse(path: str) -> tuple[str, Page] | None:
    rest = unquote(path[len(TEAM_PAGES_PREFIX) :])
    if rest.endswith(".ics"):
        team, page = rest[: -len(".ics")], "feed"
    elif rest.endswith("/join"):
        team, page = rest[: -len("/join")], "join"
    else:
        team, page = rest, "page"
    return (team, page) if _TEAM.fullmatch(team) else None  # type: ignore[return-value]


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(
        hashlib.sha256(expected.encode()).digest(), hashlib.sha256(given.encode()).digest()
    )


def team_request(request: HttpRequest, keys: Mapping[str, str]) -> TeamRequest:
    """The page asked for, if the request holds its team's key; else :class:`Refused` ``404``
    (``405`` for a method other than GET or HEAD)."""
    if request.method not in {"GET", "HEAD"}:
        raise Refused(405, "only GET is served")
    parsed = _parse(request.path)
    given = request.query.get("k", "")
    expected = keys.get(parsed[0]) if parsed else None
    # Compared even when there is nothing to compare with: the same work either way.
    matched = _same(expected or "-", given) and expected is not None
    if parsed is None or not matched:
        raise Refused(404, _NOT_FOUND)
    return TeamRequest(*parsed)


def pages_url(request: HttpRequest) -> str | None:
    """Where the teams' pages are, as this request reached the function (its Function URL's
    host; Lambda says ``X-Forwarded-Proto: https``), or None without a usable Host."""
    host = request.header("host") or ""
    if not _HOST.fullmatch(host):
        return None
    scheme = "http" if request.header("x-forwarded-proto") == "http" else "https"
    return f"{scheme}://{host}{TEAM_PAGES_PREFIX}"
