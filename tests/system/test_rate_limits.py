"""A thousand meetings due in the same minute, against Zoom's own rate limits.

The dispatcher starts a minute's executions within seconds (StartExecution's bucket holds 1300,
docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), so Zoom sees the creates at
once. Each execution here is the real CreateMeeting workflow against the Zoom model with its
limits on (``zoom_notifier.local.zoom_limits``), retried as the state machine's own Retry for
ZoomRateLimited says (read from state_machine.asl.json: interval, backoff, cap, FULL jitter),
in virtual time, so that minutes of retries take a second to play. The end state asserted is
what the teams see: the meetings at Zoom, one per team, and the failures each execution ends
with.
"""

from __future__ import annotations

import heapq
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support import fakes
from tests.support.memory import MemoryStore, MemoryTemplates, ModelZoom
from zoom_notifier.domain.models import CreateResult, ExecutionInput
from zoom_notifier.errors import ZoomDailyLimitReached, ZoomNotifierError, ZoomRateLimited
from zoom_notifier.local.deployment import STATE_MACHINE_PATH
from zoom_notifier.local.zoom_limits import BUSINESS_PER_SECOND, PRO_PER_SECOND, ZoomRateLimits
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.workflow import create as create_step

DAY = "2027-01-08"  # a Friday
# 09:00 UTC: the executions start at 08:45, as the dispatcher starts them at their announcement.
START = datetime(2027, 1, 8, 8, 45, tzinfo=UTC)
TEAMS = 1000
STARTS_PER_SECOND = 300  # StartExecution's refill in the large regions


def _retrier(error: str) -> dict[str, Any]:
    """The state machine's first retrier of CreateMeeting that matches ``error`` (ASL tries
    them in order)."""
    definition = json.loads(STATE_MACHINE_PATH.read_text())
    retriers: list[dict[str, Any]] = definition["States"]["CreateMeeting"]["Retry"]
    return next(retrier for retrier in retriers if error in retrier["ErrorEquals"])


def _delay(retrier: dict[str, Any], retry: int, chance: random.Random) -> float:
    """Step Functions' wait before retry number ``retry`` (1-based): the interval times the
    backoff rate per retry, capped by MaxDelaySeconds, and with FULL jitter a random wait
    between 0 and that (docs.aws.amazon.com/step-functions/latest/dg/
    concepts-error-handling.html)."""
    wait = retrier["IntervalSeconds"] * retrier.get("BackoffRate", 2.0) ** (retry - 1)
    wait = min(wait, retrier.get("MaxDelaySeconds", wait))
    return chance.uniform(0, wait) if retrier.get("JitterStrategy") == "FULL" else wait


@dataclass
class Minute:
    """The outcome of a minute's executions."""

    created: dict[str, datetime] = field(default_factory=dict)  # template: when
    failed: dict[str, ZoomNotifierError] = field(default_factory=dict)
    attempts: int = 0


async def run_minute(model: ZoomModel, hosts: int, seed: int = 7) -> Minute:
    clock = [START.timestamp()]
    model.limits.clock = lambda: clock[0]
    templates = MemoryTemplates(
        {
            f"team-{number:04d}": json.dumps(
                {**fakes.TEMPLATE, "timezone": "UTC", "start_time": "09:00",
                 "notifier": {"zoom_user_id": f"host-{number % hosts}@example.com"}}
            ).encode()
            for number in range(TEAMS)
        }
    )  # fmt: skip
    store, zoom, minute = MemoryStore(), ModelZoom(model), Minute()
    retrier, chance = _retrier("ZoomRateLimited"), random.Random(seed)
    queue = [(number / STARTS_PER_SECOND, number, 0) for number in range(TEAMS)]
    heapq.heapify(queue)
    while queue:
        at, number, retries = heapq.heappop(queue)
        clock[0] = START.timestamp() + at
        name = f"team-{number:04d}"
        minute.attempts += 1
        try:
            result = await create_step.create_meeting(
                ExecutionInput(date=DAY, template=name),
                templates=templates,
                store=store,
                zoom=zoom,
                zoom_user_id=fakes.ZOOM_USER,
                timezone="UTC",
                owner=f"arn:execution:{DAY}_{name}",
                now=lambda: datetime.fromtimestamp(clock[0], UTC),
            )
        except ZoomRateLimited as exc:
            if retries < retrier["MaxAttempts"]:
                heapq.heappush(
                    queue, (at + _delay(retrier, retries + 1, chance), number, retries + 1)
                )
            else:
                minute.failed[name] = exc
            continue
        except ZoomNotifierError as exc:  # permanent: the execution fails, reported
            minute.failed[name] = exc
            continue
        assert isinstance(result, CreateResult)
        minute.created[name] = datetime.fromtimestamp(clock[0], UTC)
    return minute


@pytest.mark.parametrize(
    "per_second", [PRO_PER_SECOND, BUSINESS_PER_SECOND], ids=["Pro", "Business"]
)
async def test_a_thousand_creates_at_once_over_enough_hosts_are_each_made_once(
    per_second: int,
) -> None:
    model = fakes.zoom_model()
    model.limits = ZoomRateLimits(per_second=per_second)

    minute = await run_minute(model, hosts=10)  # 100 teams a host: Zoom's daily limit

    # What the teams see: one meeting each at Zoom, none twice, none missing.
    assert minute.failed == {}
    assert len(model.meetings) == TEAMS
    # Zoom's per-second limit turned many away; Step Functions' retries spread them out.
    assert model.limits.refused["QPS"] > TEAMS
    assert model.limits.refused["Daily-limit"] == 0
    last = max(minute.created.values())
    assert last - START < timedelta(minutes=7)
    assert minute.attempts - TEAMS == model.limits.refused["QPS"]  # a 429 costs no lookup


@pytest.mark.parametrize("daily_headers", [True, False], ids=["headers", "message only"])
async def test_a_thousand_teams_on_one_host_get_a_hundred_meetings_and_a_clear_failure_each(
    daily_headers: bool,
) -> None:
    model = fakes.zoom_model()
    model.limits = ZoomRateLimits(per_second=BUSINESS_PER_SECOND, daily_headers=daily_headers)

    minute = await run_minute(model, hosts=1)

    # Zoom's per-host daily limit is the first one met: 100 creates a day for one host.
    assert len(model.meetings) == len(minute.created) == 100
    assert len(minute.failed) == TEAMS - 100
    for error in minute.failed.values():
        assert isinstance(error, ZoomDailyLimitReached)  # not retried for minutes in vain
        assert "resets at" in str(error)
        assert "spread the templates over more hosts" in str(error)
    if daily_headers:
        assert "2027-01-09 00:00 UTC" in str(next(iter(minute.failed.values())))
