"""Zoom's rate limits on Create Meeting, as the Zoom model answers them.

What Zoom documents (developers.zoom.us/docs/api/rate-limits/, and its answers on the forum):

* Limits are per account, shared by every app on it, by category: Create Meeting is
  "Medium", 20 requests a second on Pro and 60 on Business and above (devforum.zoom.us/t/81149,
  /t/19474). Past it: 429 ``{"code": 429, "message": "You have reached the maximum per-second
  rate limit for this API. Try again later."}`` (devforum.zoom.us/t/18928), with
  ``X-RateLimit-Category`` and ``X-RateLimit-Type: QPS`` (added to 429s, devforum.zoom.us/
  t/14899). Zoom documents no ``Retry-After`` for it: the client backs off.
* Meeting creates and updates are also limited per user (the host): "only 100 Create a Meeting
  API requests are permitted within a 24 hour window for a user", reset at 00:00 UTC
  (devforum.zoom.us/t/19474, /t/41094), whatever the plan. Past it: 429 ``{"code": 429,
  "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API
  requests permitted for this particular user. You may resume these requests at GMT
  00:00:00."}``; the rate-limit guide adds ``X-RateLimit-Type: Daily-limit`` and an ISO 8601
  ``Retry-After``, and a forum answer shows the same 429 without them (devforum.zoom.us/
  t/18928). Both readings are played (``daily_headers``).

The per-second limit is off unless asked for (a plan's figure); the daily one is on, as it is at
Zoom whatever the plan. ``clock`` is the time the limits read (epoch seconds): a test plays
a minute or a day without waiting for it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from zoom_notifier.local.faults import Reply

__all__ = ["CREATES_PER_HOST_PER_DAY", "PRO_PER_SECOND", "ZoomRateLimits"]

PRO_PER_SECOND = 20
BUSINESS_PER_SECOND = 60
CREATES_PER_HOST_PER_DAY = 100

_PER_SECOND_MESSAGE = (
    "You have reached the maximum per-second rate limit for this API. Try again later."
)


@dataclass
class ZoomRateLimits:
    """Counts of Create Meeting requests, and the 429 a request past a limit gets."""

    per_second: int | None = None
    creates_per_host_per_day: int | None = CREATES_PER_HOST_PER_DAY
    daily_headers: bool = True
    clock: Callable[[], float] = time.time
    refused: Counter[str] = field(default_factory=Counter)  # "QPS" and "Daily-limit" 429s
    _recent: deque[float] = field(default_factory=deque, repr=False)
    _creates: Counter[tuple[str, str]] = field(default_factory=Counter, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check_create(self, user_id: str) -> Reply | None:
        """None if a Create Meeting for ``user_id`` may go ahead now (and count it), else the
        429 Zoom answers."""
        with self._lock:
            now = self.clock()
            if self.per_second is not None:
                while self._recent and self._recent[0] <= now - 1.0:
                    self._recent.popleft()
                if len(self._recent) >= self.per_second:
                    self.refused["QPS"] += 1
                    return self._per_second_reply()
                self._recent.append(now)
            day = datetime.fromtimestamp(now, UTC).date().isoformat()
            if self.creates_per_host_per_day is not None:
                if self._creates[(user_id, day)] >= self.creates_per_host_per_day:
                    self.refused["Daily-limit"] += 1
                    return self._daily_reply(now)
                self._creates[(user_id, day)] += 1
        return None

    def _per_second_reply(self) -> Reply:
        return Reply(
            429,
            {"code": 429, "message": _PER_SECOND_MESSAGE},
            {
                "X-RateLimit-Category": "Medium",
                "X-RateLimit-Type": "QPS",
                "X-RateLimit-Limit": str(self.per_second),
                "X-RateLimit-Remaining": "0",
            },
        )

    def _daily_reply(self, now: float) -> Reply:
        limit = self.creates_per_host_per_day
        body = {
            "code": 429,
            "message": f"You have exceeded the daily rate limit ({limit}) of Meeting "
            "Create/Update API requests permitted for this particular user. You may resume "
            "these requests at GMT 00:00:00.",
        }
        if not self.daily_headers:
            return Reply(429, body)
        midnight = datetime.fromtimestamp(now, UTC).replace(
            hour=0, minute=0, second=0, microsecond=0
        ) + timedelta(days=1)
        return Reply(
            429,
            body,
            {
                "X-RateLimit-Category": "Medium",
                "X-RateLimit-Type": "Daily-limit",
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": "0",
                "Retry-After": midnight.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )
