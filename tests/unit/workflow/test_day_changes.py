"""A person's change of a team's days, and what CreateMeeting then does with the day."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.support import fakes
from tests.support.memory import MemoryStore, MemoryTemplates
from tests.support.steps import DAY, KEY, NOW, create, create_on
from zoom_notifier.domain.meeting_records import changed_day_off
from zoom_notifier.domain.models import MeetingKey, MeetingRecord, SkippedResult
from zoom_notifier.domain.standup_command import StandupRequest
from zoom_notifier.domain.template import MeetingTemplate, parse_template
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.workflow.day_changes import Changed, change_days

# NOW is Friday 27 November 2026, 08:00 in Paris; the meeting is at 09:30, announced at 09:15.
ALICE = "U0ALICE0001"
SATURDAY = "2026-11-28"


def template_body(**notifier: Any) -> dict[str, Any]:
    body = dict(fakes.TEMPLATE)
    body["notifier"] = {"days": ["MON", "TUE", "WED", "THU", "FRI"], **notifier}
    return body


def loaded(**notifier: Any) -> MeetingTemplate:
    return parse_template(json.dumps(template_body(**notifier)).encode(), "default")


def templates_of(**notifier: Any) -> MemoryTemplates:
    return MemoryTemplates({"default": json.dumps(template_body(**notifier)).encode()})


async def change(
    store: MemoryStore,
    action: str,
    *,
    template: MeetingTemplate | None = None,
    minutes_later: int = 0,
    **request: Any,
) -> Changed:
    return await change_days(
        "default",
        template or loaded(),
        StandupRequest(action, **request),  # type: ignore[arg-type]
        by=ALICE,
        days=store,
        default_timezone="Europe/Paris",
        now=NOW + timedelta(minutes=minutes_later),
    )


async def test_a_skip_before_creation_leaves_zoom_untouched(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    answer = await change(store, "skip", reason="offsite")

    assert answer == Changed("<@U0ALICE0001> skipped *default* on Fri 2026-11-27: offsite", True)
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.change, record.changed_by, record.skip_reason) == (
        "skipped",
        "skip",
        ALICE,
        "skipped by <@U0ALICE0001>: offsite",
    )
    result = await create_on(DAY, templates_of(), store, zoom)
    assert result == SkippedResult(
        date=DAY, template="default", reason="skipped by <@U0ALICE0001>: offsite", announce=False
    )
    assert zoom.create_calls == 0


async def test_a_skip_is_posted_when_the_team_posts_its_days_off(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    await change(store, "skip", template=loaded(announce_skipped=True))

    result = await create_on(DAY, templates_of(announce_skipped=True), store, zoom)

    assert isinstance(result, SkippedResult)
    assert result.announce is True
    record = await store.get(KEY)
    assert record is not None
    assert record.topic == "Daily stand-up"
    assert zoom.create_calls == 0


async def test_a_second_skip_changes_nothing_and_says_so(store: MemoryStore) -> None:
    await change(store, "skip", reason="offsite")
    first = await store.get(KEY)

    again = await change(store, "skip", reason="other")

    assert again == Changed(
        "*default* on Fri 2026-11-27 is off already: skipped by <@U0ALICE0001>: offsite."
    )
    assert await store.get(KEY) == first


async def test_an_unskip_gives_the_day_its_meeting_back(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    await change(store, "skip")

    answer = await change(store, "unskip")

    assert answer.changed
    assert await store.get(KEY) is None
    assert (await change(store, "unskip")).text.endswith(
        "is not skipped: there is nothing to undo."
    )
    assert (await create(templates_of(), store, zoom)).outcome == "created"


async def test_a_moved_day_is_created_at_its_new_time_and_keeps_the_move(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    answer = await change(store, "move", moved_to="11:00", reason="demo first")

    assert answer == Changed(
        "<@U0ALICE0001> moved *default* on Fri 2026-11-27 to 11:00 Europe/Paris: demo first", True
    )
    result = await create(templates_of(), store, zoom)
    (request,) = zoom.create_requests
    assert request["start_time"] == f"{DAY}T11:00:00"
    assert result.start_time == f"{DAY}T10:00:00Z"
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.change, record.moved_to, record.changed_by) == (
        "created",
        "move",
        "11:00",
        ALICE,
    )


async def test_a_move_then_a_skip_skips(store: MemoryStore, zoom: ZoomModel) -> None:
    await change(store, "move", moved_to="11:00")
    assert (await change(store, "skip")).changed

    assert isinstance(await create_on(DAY, templates_of(), store, zoom), SkippedResult)
    assert zoom.create_calls == 0


@pytest.mark.parametrize(
    ("action", "minutes_later", "request_fields", "says"),
    [
        # Announced at 09:15; at 09:12 the dispatcher may have started the day.
        ("skip", 72, {}, "too late, its announcement is due in less than 5 minutes"),
        ("move", 72, {"moved_to": "11:00"}, "too late"),
        # 08:10's announcement (07:55) has passed at 08:00.
        ("move", 0, {"moved_to": "08:10"}, "08:10 on Fri 2026-11-27 is too soon"),
        ("skip", 0, {"day": "2026-11-26"}, "2026-11-26 has passed."),
        ("skip", 0, {"day": "2027-03-01"}, "more than 92 days ahead"),
        ("skip", 0, {"day": SATURDAY}, "there is no meeting already: not a meeting day (SAT)"),
        ("move", 0, {"day": SATURDAY, "moved_to": "10:00"}, "there is no meeting already"),
    ],
)
async def test_a_change_the_day_cannot_take_is_refused_and_nothing_is_written(
    store: MemoryStore, action: str, minutes_later: int, request_fields: dict[str, Any], says: str
) -> None:
    answer = await change(store, action, minutes_later=minutes_later, **request_fields)

    assert not answer.changed
    assert says in answer.text
    assert store.items == {}


async def test_a_created_but_unannounced_meeting_is_not_changed_and_the_answer_says_why(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    await create(templates_of(), store, zoom)
    before = await store.get(KEY)

    # Created but not announced yet: the announcement is on its way, so a change waits for it.
    attempts: list[tuple[str, dict[str, Any], str]] = [
        ("skip", {}, "being created and announced right now"),
        ("move", {"moved_to": "11:00"}, "being created and announced right now"),
        ("unskip", {}, "the meeting is created already"),
    ]
    for action, fields, says in attempts:
        answer = await change(store, action, **fields)
        assert not answer.changed
        assert answer.pending is None
        assert says in answer.text
    assert await store.get(KEY) == before
    assert len(zoom.meetings) == 1


class RacingStore(MemoryStore):
    """A store where another person's skip lands between our read and our write."""

    def __init__(self, rival: MeetingRecord) -> None:
        super().__init__()
        self.rival: MeetingRecord | None = rival

    async def record_change(
        self, record: MeetingRecord, expected: MeetingRecord | None
    ) -> MeetingRecord | None:
        if self.rival is not None:
            self.put(self.rival)
            self.rival = None
        return await super().record_change(record, expected)


async def test_two_people_skipping_at_once_end_with_one_skip_and_one_announcement() -> None:
    rival = changed_day_off(
        KEY,
        change="skip",
        by="U0BOB000001",
        reason="bob's reason",
        skip_reason="skipped by <@U0BOB000001>: bob's reason",
        topic="Daily stand-up",
        now=NOW,
    )
    store = RacingStore(rival)

    answer = await change(store, "skip", reason="alice's reason")

    assert not answer.changed  # only Bob's skip is announced in the channel
    assert "is off already: skipped by <@U0BOB000001>" in answer.text
    assert await store.get(KEY) == rival


async def test_a_pause_takes_the_meeting_days_off_and_resume_gives_them_back(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    answer = await change(store, "pause", day="2026-12-04", reason="holidays")

    # Fri 27, Mon 30 to Fri 4: six meeting days; the weekend is off anyway.
    assert answer == Changed(
        "<@U0ALICE0001> paused *default* until Fri 2026-12-04: holidays (6 meeting day(s) off).",
        True,
    )
    assert sorted(day for day, _ in store.items) == [
        "2026-11-27",
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
    ]
    monday = await store.get(MeetingKey(date="2026-11-30", template="default"))
    assert monday is not None
    assert monday.skip_reason == "paused by <@U0ALICE0001> until 2026-12-04: holidays"
    assert isinstance(await create_on("2026-12-01", templates_of(), store, zoom), SkippedResult)

    resumed = await change(store, "resume")

    assert resumed == Changed(
        "<@U0ALICE0001> resumed *default*: 6 meeting day(s) back, from 2026-11-27.", True
    )
    assert store.items == {}
    assert (await change(store, "resume")).text == (
        "*default* is not paused from Slack: there is nothing to resume."
    )


async def test_a_pause_keeps_a_day_already_created(store: MemoryStore, zoom: ZoomModel) -> None:
    await create(templates_of(), store, zoom)

    answer = await change(store, "pause", day="2026-11-30")

    assert answer.text.endswith("(1 meeting day(s) off; created already, so kept: 2026-11-27).")
    today = await store.get(KEY)
    assert today is not None
    assert today.status == "created"
